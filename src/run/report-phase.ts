import { resolve } from 'node:path'
import type { Plan, PlannedModule } from '../analysis/plan.js'
import { limitSettingName } from '../config/limit-setting.js'
import type { ResolvedConfig } from '../config/resolve-config.js'
import type { EventBus } from '../events/event-bus.js'
import { messageOf } from '../errors.js'
import type { LlmSession } from '../generate/llm-session.js'
import {
  evaluateGate,
  finalizeReport,
  settingsForReport,
  totalsOf
} from '../report/build-report.js'
import type { Report } from '../report/report-schema.js'
import type { Isolation } from '../runner/isolation.js'
import { TOOL_VERSION } from '../version.js'
import { isInsideDir } from '../write-inside.js'
import { changedLineCount, emptyModuleReport, type RunOutcomes } from './module-reports.js'
import type { PlannedRun } from './plan-phase.js'
import type { Stages } from './stages.js'

export interface ReportContext {
  readonly resolved: ResolvedConfig
  readonly events: EventBus
  readonly llm: LlmSession
  readonly runId: string
  readonly startedAt: Date
  readonly repoRoot: string
  readonly provider: Report['provider']
  readonly isolation: Isolation
  readonly range: { readonly base: string; readonly head: string }
  readonly planned: PlannedRun
  /** The order the modules were worked in (the plan's order when no baseline ran). */
  readonly ordered: readonly PlannedModule[]
  readonly outcomes: RunOutcomes
}

/**
 * Phase 4: the session record is written and the report assembled, totals and gate included.
 * Delivery (commit, comment, check run) is the caller's and starts from this report.
 */
export async function reportPhase(stages: Stages, context: ReportContext): Promise<Report> {
  const { resolved, planned, outcomes, llm, provider } = context
  const { settings, clamps, digest } = resolved
  const plan = planned.plan
  const modules = plan.modules.map(
    (p) => outcomes.modules.get(p.analysis.path) ?? emptyModuleReport(p, 'not-run', 'not reached')
  )
  const budget = namedStop(
    llm.budgetReport(
      (outcomes.cutShort ||
        modules.some((m) => m.status === 'stopped-by-budget' || m.status === 'not-run')) &&
        !settings.dryRun
    ),
    resolved
  )
  const totals = totalsOf(modules)
  const reportPlan = reportPlanOf(plan, context.ordered, planned.estimatedCostUsd, provider)
  await writeSessionRecord(context)
  const report = finalizeReport({
    runId: context.runId,
    toolVersion: TOOL_VERSION,
    startedAt: context.startedAt.toISOString(),
    durationMs: Date.now() - context.startedAt.getTime(),
    configDigest: digest,
    ...settingsForReport(settings, clamps),
    provider,
    model: provider === 'explorer' ? undefined : settings.llm.model,
    sandbox: context.isolation,
    repo: {
      base: context.range.base,
      head: context.range.head,
      baseSha: plan.baseSha,
      headSha: plan.headSha,
      mergeBase: plan.mergeBase,
      ...(planned.uncommitted.length > 0 ? { uncommitted: planned.uncommitted } : {})
    },
    plan: reportPlan,
    stages: [
      ...stages.list,
      { name: 'deliver', status: 'not-run', detail: 'delivery is done by the caller' }
    ],
    modules,
    llmCalls: llm.calls(),
    possibleBugs: outcomes.possibleBugs,
    budget,
    totals,
    delivery: {
      mode: settings.delivery,
      status: 'not-run',
      files: outcomes.tests.map((t) => t.path)
    },
    gate: evaluateGate(settings, budget, totals, reportPlan),
    errors: outcomes.errors,
    tests: outcomes.tests
  })
  context.events.emit('run:end', {
    runId: context.runId,
    accepted: totals.accepted,
    rejected: totals.rejected,
    costUsd: budget.spentUsd,
    durationMs: report.durationMs
  })
  return report
}

/** The stopping limit named the way the user set it, for every rendering of the report. */
function namedStop(budget: Report['budget'], resolved: ResolvedConfig): Report['budget'] {
  const setting = budget.stoppedBy && limitSettingName(budget.stoppedBy, resolved.layers)
  return setting ? { ...budget, stoppedBySetting: setting } : budget
}

function reportPlanOf(
  plan: Plan,
  ordered: readonly PlannedModule[],
  estimatedCostUsd: number,
  provider: Report['provider']
): Report['plan'] {
  // The explorer makes no LLM call: an LLM estimate would only mislead.
  const llmCosts = provider !== 'explorer'
  return {
    modules: ordered.map((p) => ({
      path: p.analysis.path,
      priority: p.priority,
      changedLines: changedLineCount(p.analysis),
      exports: p.analysis.exports.map((e) => e.name),
      changedExports: p.analysis.exports.filter((e) => e.changed).map((e) => e.name),
      estimatedCostUsd: llmCosts ? p.estimate.costUsd : 0,
      estimatedPromptTokens: llmCosts ? p.estimate.promptTokens : 0
    })),
    skipped: plan.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    ...(plan.included.length > 0 ? { included: plan.included } : {}),
    estimatedCostUsd
  }
}

/** The LLM session record: an audit trail, so failing to write it loses neither tests nor spend. */
async function writeSessionRecord(context: ReportContext): Promise<void> {
  const { settings } = context.resolved
  // resolve, not join: an absolute session-dir (outside the work tree) is honoured as given.
  const sessionDir = resolve(context.repoRoot, settings.sessionDir)
  // Inside the work tree the record stays inside it, whatever PR code made of the directory.
  const within = isInsideDir(sessionDir, context.repoRoot) ? context.repoRoot : sessionDir
  await context.llm.writeSession(sessionDir, context.runId, within).catch((error: unknown) => {
    const message = `the LLM session record could not be written to ${sessionDir} (session-dir): ${messageOf(error)}`
    context.outcomes.errors.push({ code: 'SESSION_RECORD_UNWRITABLE', message })
    context.events.log('warning', message)
  })
}
