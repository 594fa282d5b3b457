import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import pLimit from 'p-limit'
import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { Framework, ModuleAnalysis } from './analysis/module-model.js'
import {
  buildPlan,
  estimatedPlanCost,
  rerankByUncovered,
  type Plan,
  type PlannedModule
} from './analysis/plan.js'
import { isGeneratedTestPath } from './analysis/test-location.js'
import type { ResolvedConfig } from './config/resolve-config.js'
import { DEPTH_PROFILES, type Settings } from './config/schema.js'
import { measureBaseline } from './coverage/baseline.js'
import { emptyCoverage } from './coverage/empty-coverage.js'
import { patchCoverage } from './coverage/patch-coverage.js'
import { GitError, isTestMasterError, messageOf, RunnerError } from './errors.js'
import type { EventBus } from './events/event-bus.js'
import { processModule, type ModuleOutcome, type PipelineSettings } from './generate/pipeline.js'
import { createExplorerStrategy } from './generate/strategies/explorer/explorer-strategy.js'
import type { Strategy } from './generate/strategy.js'
import { GitRepository } from './git/repository.js'
import { readWorkTreeStatus } from './git/work-tree-status.js'
import { estimateModuleCost } from './llm/estimate-cost.js'
import { createLlmSession, type LlmSession } from './generate/llm-session.js'
import { evaluateGate, finalizeReport, settingsForReport, totalsOf } from './report/build-report.js'
import type { BaselineReport, ModuleReport, Report, StageReport } from './report/report-schema.js'
import { createTestRunner } from './runner/create-test-runner.js'
import { currentIsolation } from './runner/isolation.js'
import { RepoCommandRunner } from './runner/repo-command-runner.js'
import type { TestRunner } from './runner/test-runner.js'
import { TOOL_VERSION } from './version.js'
import { isInsideDir } from './write-inside.js'
import type { SecretGuard } from './report/secret-guard.js'

/**
 * The one run both entries call: plan -> baseline -> generate (per module, concurrently) -> report.
 * Delivery (commit, comment, check run) belongs to the caller and starts from the returned report.
 */

export interface RunOptions {
  readonly resolved: ResolvedConfig
  readonly secrets: { readonly apiKey?: string }
  readonly events: EventBus
  readonly runId: string
  readonly signal?: AbortSignal
  /** Spend on this PR by earlier runs, from the ledger in the sticky comment. */
  readonly prSpentBeforeUsd?: number
  /** The head SHA pinned when the run was requested; the run stops if the checkout differs. */
  readonly headSha?: string
  /**
   * `heal` (`/testmaster heal`): only re-run the tests TestMaster committed earlier and heal those
   * that now fail. `generate` (default) also keeps and heals them, then adds new candidates.
   */
  readonly mode?: 'generate' | 'heal'
  /** Secrets to take out of LLM requests and the session record (SECURITY 37). */
  readonly secretGuard?: SecretGuard
}

export type ProviderName = Report['provider']

/** The plan of a change under these settings, with LLM cost estimates from the price table. */
export function planChange(
  repo: GitRepository,
  settings: Settings,
  base: string,
  head: string
): Promise<Plan> {
  return buildPlan({
    repo,
    base,
    head,
    paths: settings.paths,
    exclude: settings.exclude,
    testDir: settings.testDir,
    framework: settings.testFramework,
    estimate: (module, source) =>
      estimateModuleCost(
        module,
        source,
        settings.llm,
        DEPTH_PROFILES[settings.depth].candidatesPerModule
      )
  })
}

export function chooseProvider(settings: Settings, apiKey: string | undefined): ProviderName {
  const wanted = settings.llm.provider
  if (wanted === 'auto') return apiKey ? 'openai' : 'explorer'
  return wanted
}

class Stages {
  readonly list: StageReport[] = []
  constructor(private readonly events: EventBus) {}

  async run<T>(
    name: string,
    work: () => Promise<T>,
    detail?: (value: T) => string | undefined
  ): Promise<T> {
    this.events.emit('stage:start', { stage: name })
    const started = Date.now()
    try {
      const value = await work()
      const text = detail?.(value)
      this.list.push({ name, status: 'ran', durationMs: Date.now() - started, detail: text })
      this.events.emit('stage:end', { stage: name, status: 'ran', detail: text })
      return value
    } catch (error) {
      const text = error instanceof Error ? error.message.split('\n')[0] : String(error)
      this.list.push({ name, status: 'failed', durationMs: Date.now() - started, detail: text })
      this.events.emit('stage:end', { stage: name, status: 'failed', detail: text })
      throw error
    }
  }

  notRun(name: string, detail: string): void {
    this.list.push({ name, status: 'not-run', detail })
    this.events.emit('stage:end', { stage: name, status: 'not-run', detail })
  }
}

function frameworkFor(settings: Settings, module: ModuleAnalysis): Framework | undefined {
  return settings.testFramework === 'auto' ? module.package.framework : settings.testFramework
}

function emptyModuleReport(
  planned: PlannedModule,
  status: ModuleReport['status'],
  reason: string
): ModuleReport {
  const m = planned.analysis
  return {
    path: m.path,
    packageRoot: m.package.root,
    framework: m.package.framework,
    strategies: [],
    status,
    reason,
    changedLines: m.changedLines.reduce((n, r) => n + r.end - r.start + 1, 0),
    candidates: [],
    llm: { calls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    durationMs: 0
  }
}

async function readStyleExample(
  repoRoot: string,
  module: ModuleAnalysis
): Promise<{ path: string; code: string } | undefined> {
  // A style example is a test a person wrote, never one of ours.
  const path = module.placement.existingTests.find((p) => !isGeneratedTestPath(p))
  if (!path) return undefined
  try {
    const code = await readFile(join(repoRoot, path), 'utf8')
    return { path, code: code.length > 6000 ? code.slice(0, 6000) : code }
  } catch {
    return undefined
  }
}

/**
 * The work tree's differences from the head commit that tests could see: not our own generated
 * tests or session records, not an unignored `node_modules` (a symlinked install).
 */
async function uncommittedChanges(root: string, sessionDir: string): Promise<string[]> {
  const status = await readWorkTreeStatus(root)
  const ours = sessionDir.replace(/^\.\//, '').replace(/\/+$/, '')
  return [...status.modified, ...status.untracked]
    .filter(
      (p) =>
        !isGeneratedTestPath(p) &&
        !p.split('/').includes('node_modules') &&
        p !== ours &&
        !p.startsWith(`${ours}/`)
    )
    .sort()
}

function listSome(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(', ')
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown
}

export async function run(options: RunOptions): Promise<Report> {
  const { settings, clamps, digest } = options.resolved
  const { events } = options
  const startedAt = new Date()
  const repoRoot = resolve(settings.repo)
  const stages = new Stages(events)
  const provider = chooseProvider(settings, options.secrets.apiKey)
  const profile = DEPTH_PROFILES[settings.depth]
  // Probed once per process; a run without a sandbox says so in every rendering of the report.
  const isolation = currentIsolation()
  if (isolation.mechanism === 'none')
    events.log('warning', `the tests run without a sandbox: ${isolation.detail}`)

  const repo = await GitRepository.open(repoRoot)
  if (options.headSha) {
    const actual = await repo.headSha()
    if (actual !== options.headSha) {
      throw new GitError(
        'HEAD_MOVED',
        `the pull request head moved: the command was for ${options.headSha.slice(0, 12)} but the checkout is at ${actual.slice(0, 12)}`,
        'run the command again on the new head'
      )
    }
  }
  const head = settings.head
  const base = settings.base ?? `${head}~1`

  // The LLM session owns the client, the budget and the session record; explorer-only runs still
  // get a budget (all limits, zero spend) so the report has one shape.
  const llm: LlmSession = await createLlmSession({
    provider,
    settings,
    apiKey: options.secrets.apiKey,
    ...(options.secretGuard ? { secretGuard: options.secretGuard } : {}),
    events,
    prSpentBeforeUsd: options.prSpentBeforeUsd,
    signal: options.signal
  })

  try {
    const plan: Plan = await stages.run(
      'plan',
      () => planChange(repo, settings, base, head),
      (p) => `${p.modules.length} module(s), ${p.skipped.length} file(s) skipped`
    )
    // The explorer makes no LLM call: an LLM estimate would only mislead.
    const llmCosts = provider !== 'explorer'
    const uncommitted = await uncommittedChanges(repo.root, settings.sessionDir)
    if (uncommitted.length > 0) {
      events.log(
        'warning',
        `the work tree has uncommitted changes (${listSome(uncommitted)}): the tests run on the work tree's content, not on the head commit ${plan.headSha.slice(0, 12)}`
      )
    }
    const estimatedCostUsd = llmCosts ? estimatedPlanCost(plan) : 0
    events.emit('run:start', {
      runId: options.runId,
      provider,
      model: provider === 'explorer' ? undefined : settings.llm.model,
      modules: plan.modules.length
    })

    let ordered: PlannedModule[] = plan.modules
    // How each module's "coverage before" was measured, for the report.
    const baselineMethods = new Map<string, BaselineReport>()
    // A module whose strategies a limit (or a cancel) stopped part-way, though it has tests.
    let cutShort = false
    const outcomes = new Map<string, ModuleReport>()
    const tests: Report['tests'] = []
    const possibleBugs: Report['possibleBugs'] = []
    const errors: Report['errors'] = []

    if (settings.dryRun) {
      for (const planned of plan.modules)
        outcomes.set(
          planned.analysis.path,
          emptyModuleReport(
            planned,
            'not-run',
            llmCosts ? 'dry run: planned and estimated only' : 'dry run: planned only'
          )
        )
      stages.notRun('baseline', 'dry run')
      stages.notRun('generate', 'dry run')
    } else if (plan.modules.length > 0) {
      const runners = new Map<string, TestRunner>()
      // Per package, the repository's own test command: the final check before delivery.
      const finalChecks = new Map<string, RepoCommandRunner>()
      try {
        const baselines = await stages.run(
          'baseline',
          async () => {
            const byPackage = new Map<string, PlannedModule[]>()
            for (const planned of plan.modules) {
              const framework = frameworkFor(settings, planned.analysis)
              if (!framework) {
                outcomes.set(
                  planned.analysis.path,
                  emptyModuleReport(
                    planned,
                    'skipped',
                    `no jest or vitest found for package '${planned.analysis.package.root || '.'}'; set test-framework`
                  )
                )
                continue
              }
              const key = `${planned.analysis.package.root}\0${framework}`
              byPackage.set(key, [...(byPackage.get(key) ?? []), planned])
              if (!runners.has(key)) {
                runners.set(
                  key,
                  await createTestRunner({
                    framework,
                    packageRoot: join(repoRoot, planned.analysis.package.root)
                  })
                )
                finalChecks.set(
                  key,
                  RepoCommandRunner.create({
                    framework,
                    packageRoot: join(repoRoot, planned.analysis.package.root)
                  })
                )
              }
            }
            const result = new Map<string, CoverageMapData>()
            for (const [key, modules] of byPackage) {
              const runner = runners.get(key)
              if (!runner) continue
              // The repository's own tests that reach any of these modules through the import
              // graph. Our own earlier tests are not the baseline: the pipeline re-runs (and
              // heals) them.
              const existing = [
                ...new Set(modules.flatMap((m) => m.analysis.placement.existingTests))
              ]
                .filter((p) => !isGeneratedTestPath(p))
                .map((p) => join(repoRoot, p))
              let timedOut = false
              const files = modules.map((m) => join(repoRoot, m.analysis.path))
              const data = await measureBaseline(
                runner,
                existing,
                files,
                settings.testTimeoutSeconds * 1000
              ).catch(async (error: unknown) => {
                // One hanging existing test must not stop the run: measure from zero and say so.
                // A crash is different (the framework cannot run here), and stays an error.
                if (!(error instanceof RunnerError) || error.code !== 'RUNNER_BASELINE_TIMEOUT') {
                  throw error
                }
                events.log(
                  'warning',
                  `${error.message}; coverage "before" is measured as zero for ${files.length} module(s)`
                )
                timedOut = true
                return emptyCoverage(files)
              })
              for (const m of modules) {
                result.set(m.analysis.path, data)
                const tests = m.analysis.placement.existingTests.filter(
                  (p) => !isGeneratedTestPath(p)
                )
                baselineMethods.set(m.analysis.path, {
                  method: timedOut ? 'timed-out' : tests.length > 0 ? 'existing-tests' : 'no-tests',
                  tests
                })
              }
            }
            return result
          },
          (b) => `existing tests measured for ${b.size} module(s)`
        )

        // The order the plan promised: most uncovered change first, now that "covered" is known.
        ordered = rerankByUncovered(ordered, (m) => {
          const baseline = baselines.get(m.analysis.path)
          if (!baseline) return undefined
          const patch = patchCoverage(
            baseline,
            join(repoRoot, m.analysis.path),
            m.analysis.changedLines
          )
          return (
            patch.lines.total - patch.lines.covered + patch.branches.total - patch.branches.covered
          )
        })
        const pipelineSettings: PipelineSettings = {
          testTimeoutMs: settings.testTimeoutSeconds * 1000,
          stabilityRuns: settings.stabilityRuns,
          healingRounds: settings.maxHealingRounds ?? profile.healingRounds,
          mutantGate: profile.mutantGate,
          candidatesPerModule: profile.candidatesPerModule,
          includeCovered: settings.includeCovered,
          testDir: settings.testDir,
          healOnly: options.mode === 'heal'
        }
        const explorer = createExplorerStrategy()
        const limit = pLimit(settings.concurrency)
        await stages.run(
          'generate',
          async () => {
            await Promise.all(
              ordered
                .filter((planned) => !outcomes.has(planned.analysis.path))
                .map((planned) =>
                  limit(async () => {
                    const module = planned.analysis
                    const framework = frameworkFor(settings, module)
                    const key = `${module.package.root}\0${framework ?? ''}`
                    const runner = runners.get(key)
                    const finalCheck = finalChecks.get(key)
                    const baseline = baselines.get(module.path)
                    if (!runner || !baseline) return
                    if (llm.signal.aborted) {
                      outcomes.set(
                        module.path,
                        emptyModuleReport(
                          planned,
                          'not-run',
                          'the time budget ran out before this module started'
                        )
                      )
                      return
                    }
                    const llmStrategy = llm.strategyFor(module.path)
                    // The explorer goes first (it is free) unless the config asks for the model alone.
                    const strategies: Strategy[] =
                      llmStrategy && !settings.explorer ? [] : [explorer]
                    if (llmStrategy) strategies.push(llmStrategy)
                    events.emit('module:start', {
                      module: module.path,
                      strategies: strategies.map((s) => s.name)
                    })
                    const started = Date.now()
                    try {
                      const outcome: ModuleOutcome = await processModule(
                        {
                          module,
                          source: planned.source,
                          moduleFile: join(repoRoot, module.path),
                          repoRoot,
                          baseline,
                          runner,
                          strategies,
                          styleExample: await readStyleExample(repoRoot, module),
                          ...(finalCheck
                            ? {
                                finalCheck: {
                                  runner: finalCheck,
                                  description: finalCheck.description
                                }
                              }
                            : {})
                        },
                        pipelineSettings,
                        events,
                        llm.signal
                      )
                      const report: ModuleReport = {
                        ...outcome.report,
                        baseline: baselineMethods.get(module.path),
                        llm: llm.usageFor(module.path),
                        durationMs: Date.now() - started
                      }
                      outcomes.set(module.path, report)
                      if (outcome.stoppedBy) cutShort = true
                      for (const file of outcome.testFiles)
                        tests.push({ module: module.path, ...file })
                      possibleBugs.push(...outcome.possibleBugs)
                      events.emit('module:end', {
                        module: module.path,
                        status: report.status,
                        accepted: report.candidates.filter((c) => c.verdict.status === 'accepted')
                          .length,
                        rejected: report.candidates.filter((c) => c.verdict.status === 'rejected')
                          .length
                      })
                    } catch (error) {
                      // One module's failure never loses another module's accepted tests.
                      const message = messageOf(error)
                      errors.push({
                        module: module.path,
                        code: isTestMasterError(error) ? error.code : 'UNEXPECTED',
                        message
                      })
                      outcomes.set(module.path, {
                        ...emptyModuleReport(planned, 'failed', message.split('\n')[0] ?? message),
                        durationMs: Date.now() - started
                      })
                      events.emit('module:end', {
                        module: module.path,
                        status: 'failed',
                        accepted: 0,
                        rejected: 0
                      })
                      if (isTestMasterError(error) && !error.userFixable)
                        events.log('error', `${module.path}: ${message}`)
                    }
                  })
                )
            )
          },
          () => `${tests.length} test file(s) written`
        )
      } finally {
        await Promise.all([...runners.values(), ...finalChecks.values()].map((r) => r.close()))
      }
    } else {
      const why =
        plan.skipped.length > 0
          ? `no changed module to test: all ${plan.skipped.length} changed file(s) skipped (${[
              ...new Set(plan.skipped.map((s) => s.reason))
            ]
              .slice(0, 3)
              .join('; ')})`
          : 'no changed module to test'
      stages.notRun('baseline', why)
      stages.notRun('generate', why)
    }

    const modules = plan.modules.map(
      (p) => outcomes.get(p.analysis.path) ?? emptyModuleReport(p, 'not-run', 'not reached')
    )
    const budget = llm.budgetReport(
      (cutShort ||
        modules.some((m) => m.status === 'stopped-by-budget' || m.status === 'not-run')) &&
        !settings.dryRun
    )
    const totals = totalsOf(modules)
    const reportPlan: Report['plan'] = {
      modules: ordered.map((p) => ({
        path: p.analysis.path,
        priority: p.priority,
        changedLines: p.analysis.changedLines.reduce((n, r) => n + r.end - r.start + 1, 0),
        exports: p.analysis.exports.map((e) => e.name),
        changedExports: p.analysis.exports.filter((e) => e.changed).map((e) => e.name),
        estimatedCostUsd: llmCosts ? p.estimate.costUsd : 0,
        estimatedPromptTokens: llmCosts ? p.estimate.promptTokens : 0
      })),
      skipped: plan.skipped.map((s) => ({ path: s.path, reason: s.reason })),
      ...(plan.included.length > 0 ? { included: plan.included } : {}),
      estimatedCostUsd
    }
    // resolve, not join: an absolute session-dir (outside the work tree) is honoured as given.
    const sessionDir = resolve(repoRoot, settings.sessionDir)
    // Inside the work tree the record stays inside it, whatever PR code made of the directory.
    const within = isInsideDir(sessionDir, repoRoot) ? repoRoot : sessionDir
    await llm.writeSession(sessionDir, options.runId, within).catch((error: unknown) => {
      // The record is an audit trail: failing to write it must not lose the tests or the spend.
      const message = `the LLM session record could not be written to ${sessionDir} (session-dir): ${messageOf(error)}`
      errors.push({ code: 'SESSION_RECORD_UNWRITABLE', message })
      events.log('warning', message)
    })
    const report = finalizeReport({
      runId: options.runId,
      toolVersion: TOOL_VERSION,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      configDigest: digest,
      ...settingsForReport(settings, clamps),
      provider,
      model: provider === 'explorer' ? undefined : settings.llm.model,
      sandbox: isolation,
      repo: {
        base,
        head,
        baseSha: plan.baseSha,
        headSha: plan.headSha,
        mergeBase: plan.mergeBase,
        ...(uncommitted.length > 0 ? { uncommitted } : {})
      },
      plan: reportPlan,
      stages: [
        ...stages.list,
        { name: 'deliver', status: 'not-run', detail: 'delivery is done by the caller' }
      ],
      modules,
      llmCalls: llm.calls(),
      possibleBugs,
      budget,
      totals,
      delivery: { mode: settings.delivery, status: 'not-run', files: tests.map((t) => t.path) },
      gate: evaluateGate(settings, budget, totals, reportPlan),
      errors,
      tests
    })
    events.emit('run:end', {
      runId: options.runId,
      accepted: totals.accepted,
      rejected: totals.rejected,
      costUsd: budget.spentUsd,
      durationMs: report.durationMs
    })
    return report
  } finally {
    llm.dispose()
  }
}
