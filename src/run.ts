import { resolve } from 'node:path'
import type { PlannedModule } from './analysis/plan.js'
import type { ResolvedConfig } from './config/resolve-config.js'
import type { Settings } from './config/schema.js'
import { GitError } from './errors.js'
import type { EventBus } from './events/event-bus.js'
import { createLlmSession, type LlmSession } from './generate/llm-session.js'
import { GitRepository } from './git/repository.js'
import type { Report } from './report/report-schema.js'
import type { SecretGuard } from './report/secret-guard.js'
import { currentIsolation } from './runner/isolation.js'
import { baselinePhase, closeRunners, type PackageRunners } from './run/baseline-phase.js'
import { generatePhase } from './run/generate-phase.js'
import { emptyModuleReport, emptyOutcomes, type RunOutcomes } from './run/module-reports.js'
import { planPhase, type PlannedRun } from './run/plan-phase.js'
import { reportPhase } from './run/report-phase.js'
import { Stages } from './run/stages.js'

export { planChange } from './run/plan-phase.js'

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

export function chooseProvider(settings: Settings, apiKey: string | undefined): ProviderName {
  const wanted = settings.llm.provider
  if (wanted === 'auto') return apiKey ? 'openai' : 'explorer'
  return wanted
}

export async function run(options: RunOptions): Promise<Report> {
  const { settings } = options.resolved
  const { events } = options
  const startedAt = new Date()
  const repoRoot = resolve(settings.repo)
  const stages = new Stages(events)
  const provider = chooseProvider(settings, options.secrets.apiKey)
  const isolation = announceIsolation(events)
  const repo = await openPinnedRepository(repoRoot, options.headSha)
  const range = { base: settings.base ?? `${settings.head}~1`, head: settings.head }
  const llm = await startLlmSession(options, provider)
  try {
    const planned = await planPhase(stages, events, repo, settings, range, provider !== 'explorer')
    events.emit('run:start', {
      runId: options.runId,
      provider,
      model: provider === 'explorer' ? undefined : settings.llm.model,
      modules: planned.plan.modules.length
    })
    const outcomes = emptyOutcomes()
    const ordered = await testModules(stages, options, {
      repoRoot,
      llm,
      planned,
      outcomes,
      llmCosts: provider !== 'explorer'
    })
    return await reportPhase(stages, {
      resolved: options.resolved,
      events,
      llm,
      runId: options.runId,
      startedAt,
      repoRoot,
      provider,
      isolation,
      range,
      planned,
      ordered,
      outcomes
    })
  } finally {
    llm.dispose()
  }
}

/** Probed once per process; a run without a sandbox says so in every rendering of the report. */
function announceIsolation(events: EventBus): ReturnType<typeof currentIsolation> {
  const isolation = currentIsolation()
  if (isolation.mechanism === 'none')
    events.log('warning', `the tests run without a sandbox: ${isolation.detail}`)
  return isolation
}

/** The repository, refused when the checkout is not the head the run was requested for. */
async function openPinnedRepository(
  repoRoot: string,
  headSha: string | undefined
): Promise<GitRepository> {
  const repo = await GitRepository.open(repoRoot)
  if (!headSha) return repo
  const actual = await repo.headSha()
  if (actual !== headSha) {
    throw new GitError(
      'HEAD_MOVED',
      `the pull request head moved: the command was for ${headSha.slice(0, 12)} but the checkout is at ${actual.slice(0, 12)}`,
      'run the command again on the new head'
    )
  }
  return repo
}

/**
 * The LLM session owns the client, the budget and the session record; explorer-only runs still
 * get a budget (all limits, zero spend) so the report has one shape.
 */
function startLlmSession(options: RunOptions, provider: ProviderName): Promise<LlmSession> {
  return createLlmSession({
    provider,
    settings: options.resolved.settings,
    apiKey: options.secrets.apiKey,
    ...(options.secretGuard ? { secretGuard: options.secretGuard } : {}),
    events: options.events,
    prSpentBeforeUsd: options.prSpentBeforeUsd,
    signal: options.signal
  })
}

/**
 * Baseline then generate, unless this is a dry run or there is nothing to test; either way every
 * planned module ends with an outcome. Returns the order the modules were worked in.
 */
async function testModules(
  stages: Stages,
  options: RunOptions,
  work: {
    readonly repoRoot: string
    readonly llm: LlmSession
    readonly planned: PlannedRun
    readonly outcomes: RunOutcomes
    /** Whether the plan carries LLM estimates (not for the explorer, which makes no call). */
    readonly llmCosts: boolean
  }
): Promise<readonly PlannedModule[]> {
  const { settings } = options.resolved
  const { plan } = work.planned
  if (settings.dryRun) {
    markDryRun(stages, plan.modules, work.outcomes, work.llmCosts)
    return plan.modules
  }
  if (plan.modules.length === 0) {
    const why = nothingToTestReason(work.planned)
    stages.notRun('baseline', why)
    stages.notRun('generate', why)
    return plan.modules
  }
  const runners = new Map<string, PackageRunners>()
  try {
    const baselines = await baselinePhase(
      stages,
      options.events,
      settings,
      work.repoRoot,
      plan.modules,
      work.outcomes,
      runners
    )
    await generatePhase(stages, {
      settings,
      repoRoot: work.repoRoot,
      events: options.events,
      llm: work.llm,
      baselines,
      outcomes: work.outcomes,
      healOnly: options.mode === 'heal',
      limitLayers: options.resolved.layers
    })
    return baselines.ordered
  } finally {
    await closeRunners(runners)
  }
}

function markDryRun(
  stages: Stages,
  modules: readonly PlannedModule[],
  outcomes: RunOutcomes,
  llmCosts: boolean
): void {
  for (const planned of modules)
    outcomes.modules.set(
      planned.analysis.path,
      emptyModuleReport(
        planned,
        'not-run',
        llmCosts ? 'dry run: planned and estimated only' : 'dry run: planned only'
      )
    )
  stages.notRun('baseline', 'dry run')
  stages.notRun('generate', 'dry run')
}

function nothingToTestReason(planned: PlannedRun): string {
  const skipped = planned.plan.skipped
  if (skipped.length === 0) return 'no changed module to test'
  const reasons = [...new Set(skipped.map((s) => s.reason))].slice(0, 3).join('; ')
  return `no changed module to test: all ${skipped.length} changed file(s) skipped (${reasons})`
}
