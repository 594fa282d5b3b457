import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pLimit from 'p-limit'
import type { ModuleAnalysis } from '../analysis/module-model.js'
import type { PlannedModule } from '../analysis/plan.js'
import { isGeneratedTestPath } from '../analysis/test-location.js'
import type { ResolvedConfig } from '../config/resolve-config.js'
import { DEPTH_PROFILES, type Settings } from '../config/schema.js'
import { isTestMasterError, messageOf } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import type { LlmSession } from '../generate/llm-session.js'
import { processModule, type PipelineSettings } from '../generate/pipeline.js'
import { createExplorerStrategy } from '../generate/strategies/explorer/explorer-strategy.js'
import type { Strategy } from '../generate/strategy.js'
import type { ModuleReport } from '../report/report-schema.js'
import { runnerKey, type Baselines } from './baseline-phase.js'
import { emptyModuleReport, frameworkFor, type RunOutcomes } from './module-reports.js'
import type { Stages } from './stages.js'

export interface GenerateContext {
  readonly settings: Settings
  readonly repoRoot: string
  readonly events: EventBus
  readonly llm: LlmSession
  readonly baselines: Baselines
  readonly outcomes: RunOutcomes
  /** `heal`: only the tests TestMaster committed earlier are re-run and healed. */
  readonly healOnly: boolean
  /** Which layer set each limit, to name a stopping limit as the user set it. */
  readonly limitLayers?: ResolvedConfig['layers']
}

/**
 * Phase 3: every module through the pipeline (strategies, gates, healing, final check), a few at a
 * time. One module's failure never loses another module's accepted tests.
 */
export async function generatePhase(stages: Stages, context: GenerateContext): Promise<void> {
  const { settings, outcomes } = context
  const pipelineSettings = {
    ...pipelineSettingsOf(settings, context.healOnly),
    limitLayers: context.limitLayers
  }
  const explorer = createExplorerStrategy()
  const limit = pLimit(settings.concurrency)
  await stages.run(
    'generate',
    async () => {
      await Promise.all(
        context.baselines.ordered
          .filter((planned) => !outcomes.modules.has(planned.analysis.path))
          .map((planned) =>
            limit(() => generateForModule(context, planned, pipelineSettings, explorer))
          )
      )
    },
    () => `${outcomes.tests.length} test file(s) written`
  )
}

function pipelineSettingsOf(settings: Settings, healOnly: boolean): PipelineSettings {
  const profile = DEPTH_PROFILES[settings.depth]
  return {
    testTimeoutMs: settings.testTimeoutSeconds * 1000,
    stabilityRuns: settings.stabilityRuns,
    healingRounds: settings.maxHealingRounds ?? profile.healingRounds,
    mutantGate: profile.mutantGate,
    candidatesPerModule: profile.candidatesPerModule,
    includeCovered: settings.includeCovered,
    testDir: settings.testDir,
    healOnly
  }
}

async function generateForModule(
  context: GenerateContext,
  planned: PlannedModule,
  pipelineSettings: PipelineSettings,
  explorer: Strategy
): Promise<void> {
  const { settings, repoRoot, events, llm, baselines, outcomes } = context
  const module = planned.analysis
  const runners = baselines.runners.get(
    runnerKey(module.package.root, frameworkFor(settings, module))
  )
  const baseline = baselines.coverage.get(module.path)
  if (!runners || !baseline) return
  if (llm.signal.aborted) {
    outcomes.modules.set(
      module.path,
      emptyModuleReport(planned, 'not-run', 'the time budget ran out before this module started')
    )
    return
  }
  const strategies = strategiesFor(settings, llm.strategyFor(module.path), explorer)
  events.emit('module:start', { module: module.path, strategies: strategies.map((s) => s.name) })
  const started = Date.now()
  try {
    const outcome = await processModule(
      {
        module,
        source: planned.source,
        moduleFile: join(repoRoot, module.path),
        repoRoot,
        baseline,
        runner: runners.runner,
        strategies,
        styleExample: await readStyleExample(repoRoot, module),
        finalCheck: { runner: runners.finalCheck, description: runners.finalCheck.description }
      },
      pipelineSettings,
      events,
      llm.signal
    )
    const report: ModuleReport = {
      ...outcome.report,
      baseline: baselines.methods.get(module.path),
      llm: llm.usageFor(module.path),
      durationMs: Date.now() - started
    }
    outcomes.modules.set(module.path, report)
    if (outcome.stoppedBy) outcomes.cutShort = true
    for (const file of outcome.testFiles) outcomes.tests.push({ module: module.path, ...file })
    outcomes.possibleBugs.push(...outcome.possibleBugs)
    events.emit('module:end', {
      module: module.path,
      status: report.status,
      accepted: report.candidates.filter((c) => c.verdict.status === 'accepted').length,
      rejected: report.candidates.filter((c) => c.verdict.status === 'rejected').length
    })
  } catch (error) {
    recordModuleFailure(context, planned, error, started)
  }
}

/** The explorer goes first (it is free) unless the config asks for the model alone. */
function strategiesFor(
  settings: Settings,
  llmStrategy: Strategy | undefined,
  explorer: Strategy
): Strategy[] {
  const strategies: Strategy[] = llmStrategy && !settings.explorer ? [] : [explorer]
  if (llmStrategy) strategies.push(llmStrategy)
  return strategies
}

function recordModuleFailure(
  context: GenerateContext,
  planned: PlannedModule,
  error: unknown,
  started: number
): void {
  const { events, outcomes } = context
  const path = planned.analysis.path
  const message = messageOf(error)
  outcomes.errors.push({
    module: path,
    code: isTestMasterError(error) ? error.code : 'UNEXPECTED',
    message
  })
  outcomes.modules.set(path, {
    ...emptyModuleReport(planned, 'failed', message.split('\n')[0] ?? message),
    durationMs: Date.now() - started
  })
  events.emit('module:end', { module: path, status: 'failed', accepted: 0, rejected: 0 })
  if (isTestMasterError(error) && !error.userFixable) events.log('error', `${path}: ${message}`)
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
