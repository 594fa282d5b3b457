/**
 * The plan: the ordered list of module jobs of a pull request. Diff against the merge base, select
 * modules, analyse them, estimate each module's LLM cost (the estimator is injected: llm/ owns
 * prompts, tokenizer and prices), then order by dependency (a module before the modules that
 * import it) and, among modules free to go, by priority (the changed size).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AnalysisError } from '../errors.js'
import type { GitRepository } from '../git/repository.js'
import { analyzeModules } from './analyze-modules.js'
import { isTestableKind } from './exported-symbols.js'
import type { Framework, ModuleAnalysis, SkippedFile } from './module-model.js'
import { selectModules, type IncludedFile } from './select-modules.js'

export interface CostEstimate {
  readonly promptTokens: number
  readonly costUsd: number
  /** LLM calls the estimate counts (the depth's candidates per module). */
  readonly calls?: number
  /** False when the model has no known price: `costUsd` is then 0 and means nothing. */
  readonly priced?: boolean
}

export interface PlannedModule {
  readonly analysis: ModuleAnalysis
  /** The module's source as analysed (the head side). */
  readonly source: string
  /** Higher goes first among modules whose dependencies are planned. */
  readonly priority: number
  readonly estimate: CostEstimate
}

export interface Plan {
  readonly baseSha: string
  readonly headSha: string
  readonly mergeBase: string
  readonly modules: PlannedModule[]
  readonly skipped: SkippedFile[]
  /** Files the configured `paths` included although a built-in rule would skip them. */
  readonly included: IncludedFile[]
}

export interface PlanInput {
  readonly repo: GitRepository
  readonly base: string
  readonly head: string
  readonly paths: readonly string[]
  readonly exclude: readonly string[]
  readonly testDir?: string
  readonly framework?: 'auto' | Framework
  /** Cap on changed files (GitRepository.changedFiles). */
  readonly maxFiles?: number
  readonly estimate: (module: ModuleAnalysis, source: string) => CostEstimate
}

/** Header markers of generated files (`@generated`, "DO NOT EDIT"), read from the first lines. */
const GENERATED_HEADER =
  /@generated\b|\bDO NOT EDIT\b|\bauto-?generated\b|\bThis file was generated\b/i

/**
 * Builds the plan for `base..head`. The work tree must be at `head` (the analysis reads files on
 * disk); otherwise throws AnalysisError `PLAN_HEAD_NOT_CHECKED_OUT`.
 */
export async function buildPlan(input: PlanInput): Promise<Plan> {
  const { repo } = input
  const baseSha = await repo.revParse(input.base)
  const headSha = await repo.revParse(input.head)
  const checkedOut = await repo.headSha()
  if (checkedOut !== headSha) {
    throw new AnalysisError(
      'PLAN_HEAD_NOT_CHECKED_OUT',
      `the head '${input.head}' (${headSha.slice(0, 12)}) is not checked out: the work tree is at ${checkedOut.slice(0, 12)}`,
      `check out the pull request head first (git checkout ${headSha.slice(0, 12)}), or pass --head HEAD`
    )
  }
  const mergeBase = await repo.mergeBase(baseSha, headSha)
  const changed = await repo.changedFiles(
    baseSha,
    headSha,
    input.maxFiles !== undefined ? { maxFiles: input.maxFiles } : {}
  )
  const selection = selectModules(changed, { paths: input.paths, exclude: input.exclude })
  const skipped: SkippedFile[] = [...selection.skipped]

  // Read sources first: generated files are recognised by their header and never analysed.
  const candidates: { file: (typeof selection.modules)[number]; source: string }[] = []
  for (const file of selection.modules) {
    let source: string
    try {
      source = await readFile(join(repo.root, file.path), 'utf8')
    } catch (error) {
      throw new AnalysisError(
        'ANALYSIS_FILE_MISSING',
        `the changed module '${file.path}' is not in the work tree at ${repo.root}`,
        'check out the pull request head before planning',
        { cause: error }
      )
    }
    const header = source.split('\n', 5).join('\n')
    if (GENERATED_HEADER.test(header)) {
      skipped.push({ path: file.path, reason: 'generated file (its header says so)' })
      continue
    }
    candidates.push({ file, source })
  }

  const analyses = await analyzeModules(
    repo.root,
    candidates.map((c) => c.file),
    {
      ...(input.testDir ? { testDir: input.testDir } : {}),
      ...(input.framework ? { framework: input.framework } : {})
    }
  )
  const planned: PlannedModule[] = []
  analyses.forEach((analysis, i) => {
    const source = candidates[i]?.source ?? ''
    const testable = analysis.exports.filter((e) => isTestableKind(e.kind))
    if (analysis.skipReason) {
      skipped.push({ path: analysis.path, reason: analysis.skipReason })
      return
    }
    if (analysis.exports.length === 0) {
      skipped.push({ path: analysis.path, reason: 'exports nothing (no tests can import it)' })
      return
    }
    if (testable.length === 0) {
      skipped.push({
        path: analysis.path,
        reason: 'exports only types and interfaces (nothing runs)'
      })
      return
    }
    planned.push({
      analysis,
      source,
      priority: priorityOf(analysis),
      estimate: input.estimate(analysis, source)
    })
  })
  const analysed = new Set(planned.map((m) => m.analysis.path))
  const included = selection.included.filter((file) => analysed.has(file.path))
  return { baseSha, headSha, mergeBase, modules: orderModules(planned), skipped, included }
}

/** What the plan's LLM calls would cost at worst: the sum of its modules' estimates. */
export function estimatedPlanCost(plan: Pick<Plan, 'modules'>): number {
  return plan.modules.reduce((n, m) => n + m.estimate.costUsd, 0)
}

/**
 * Changed size (changed lines, or after the baseline the uncovered part of them), plus weight for
 * each changed runnable export (a changed function is worth more than a changed comment line).
 */
export function priorityOf(
  analysis: ModuleAnalysis,
  changedSize = analysis.changedLines.reduce((n, r) => n + (r.end - r.start + 1), 0)
): number {
  const changedExports = analysis.exports.filter((e) => e.changed && isTestableKind(e.kind)).length
  return changedSize + 10 * changedExports
}

/**
 * Re-ranks planned modules once the existing tests have run: changed lines those tests already
 * cover cost money to test again, so priority becomes the uncovered part of the change (changed
 * exports count only when something of the change is still uncovered). Dependencies still go first.
 */
export function rerankByUncovered(
  modules: readonly PlannedModule[],
  uncoveredOf: (module: PlannedModule) => number | undefined
): PlannedModule[] {
  return orderModules(
    modules.map((m) => {
      const uncovered = uncoveredOf(m)
      if (uncovered === undefined) return m
      return { ...m, priority: uncovered > 0 ? priorityOf(m.analysis, uncovered) : 0 }
    })
  )
}

/**
 * Dependency order with priority as the tie-break: Kahn's algorithm over the planned modules'
 * relative imports, always taking the highest-priority module whose planned dependencies are all
 * placed. Import cycles are broken at the highest-priority module of the cycle.
 */
export function orderModules(modules: readonly PlannedModule[]): PlannedModule[] {
  const byPath = new Map(modules.map((m) => [m.analysis.path, m]))
  const dependencies = new Map<string, Set<string>>()
  for (const module of modules) {
    const deps = new Set<string>()
    for (const imported of module.analysis.imports) {
      const target = imported.resolvedPath
      if (target && target !== module.analysis.path && byPath.has(target)) deps.add(target)
    }
    dependencies.set(module.analysis.path, deps)
  }
  const byPriority = (a: PlannedModule, b: PlannedModule): number =>
    b.priority - a.priority || a.analysis.path.localeCompare(b.analysis.path)
  const remaining = new Set(byPath.keys())
  const ordered: PlannedModule[] = []
  while (remaining.size > 0) {
    const pending = [...remaining]
      .map((path) => byPath.get(path))
      .filter((m): m is PlannedModule => m !== undefined)
    const ready = pending.filter((m) =>
      [...(dependencies.get(m.analysis.path) ?? [])].every((d) => !remaining.has(d))
    )
    const next = (ready.length > 0 ? ready : pending).sort(byPriority)[0]
    if (!next) break
    ordered.push(next)
    remaining.delete(next.analysis.path)
  }
  return ordered
}
