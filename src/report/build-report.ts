import type { Settings } from '../config/schema.js'
import type { Clamp } from '../config/resolve-config.js'
import { ratio } from '../coverage/coverage-map.js'
import {
  REPORT_SCHEMA_VERSION,
  ReportSchema,
  type CoverageFigures,
  type Funnel,
  type LlmUsage,
  type ModuleReport,
  type PatchCoverage,
  type Ratio,
  type Report
} from './report-schema.js'
import { gateFunnels, sumFunnels } from './funnel.js'
import { formatUsd } from './render-comment.js'

export { ratio }

function sumRatios(items: readonly Ratio[]): Ratio {
  return ratio(
    items.reduce((n, r) => n + r.covered, 0),
    items.reduce((n, r) => n + r.total, 0)
  )
}

export function sumCoverage(items: readonly CoverageFigures[]): CoverageFigures | undefined {
  if (items.length === 0) return undefined
  return {
    lines: sumRatios(items.map((c) => c.lines)),
    branches: sumRatios(items.map((c) => c.branches)),
    functions: sumRatios(items.map((c) => c.functions))
  }
}

export function sumPatch(items: readonly PatchCoverage[]): PatchCoverage | undefined {
  if (items.length === 0) return undefined
  return {
    lines: sumRatios(items.map((c) => c.lines)),
    branches: sumRatios(items.map((c) => c.branches))
  }
}

export function sumUsage(items: readonly LlmUsage[]): LlmUsage {
  return {
    calls: items.reduce((n, u) => n + u.calls, 0),
    tokensIn: items.reduce((n, u) => n + u.tokensIn, 0),
    tokensOut: items.reduce((n, u) => n + u.tokensOut, 0),
    costUsd: items.reduce((n, u) => n + u.costUsd, 0)
  }
}

export function totalsOf(modules: readonly ModuleReport[]): Report['totals'] {
  const present = <T>(v: T | undefined): v is T => v !== undefined
  const candidates = modules.flatMap((m) => m.candidates)
  return {
    modules: modules.length,
    candidates: candidates.length,
    accepted: candidates.filter((c) => c.verdict.status === 'accepted').length,
    rejected: candidates.filter((c) => c.verdict.status === 'rejected').length,
    llm: sumUsage(modules.map((m) => m.llm)),
    ...funnelTotal(modules),
    ...(gateFunnels(modules).length > 0 ? { funnels: gateFunnels(modules) } : {}),
    coverageBefore: sumCoverage(modules.map((m) => m.coverageBefore).filter(present)),
    coverageAfter: sumCoverage(modules.map((m) => m.coverageAfter).filter(present)),
    patchCoverageBefore: sumPatch(modules.map((m) => m.patchCoverageBefore).filter(present)),
    patchCoverageAfter: sumPatch(modules.map((m) => m.patchCoverageAfter).filter(present))
  }
}

function funnelTotal(modules: readonly ModuleReport[]): { funnel?: Funnel } {
  const funnel = sumFunnels(modules.map((m) => m.funnel).filter((f) => f !== undefined))
  return funnel ? { funnel } : {}
}

/** The budget gate, from the report alone: what the check run reports, and what `fail-on` fails. */
export function evaluateGate(
  settings: Pick<Settings, 'failOn' | 'patchCoverageThreshold' | 'dryRun'>,
  budget: Report['budget'],
  totals: Report['totals'],
  plan: Report['plan']
): Report['gate'] {
  const findings: { kind: 'budget' | 'coverage'; reason: string }[] = []
  if (budget.exceeded) {
    findings.push({
      kind: 'budget',
      reason:
        budget.stoppedBy === 'cancelled'
          ? 'the run was cancelled before all changed modules were handled'
          : `the budget ran out (${budget.stoppedBySetting ?? budget.stoppedBy ?? 'limit'}) before all changed modules were handled`
    })
  }
  if (settings.dryRun) {
    // With a PR budget the dry run answers "does this PR fit what is left of it?", which a
    // maintainer can change with `/testmaster budget`; without one, the run budget is the cap.
    const prUsd = budget.limits.prUsd
    if (prUsd !== undefined) {
      const left = Math.max(0, prUsd - (budget.prSpentBeforeUsd ?? 0))
      if (plan.estimatedCostUsd > left) {
        findings.push({
          kind: 'budget',
          reason: `the estimated cost ${formatUsd(plan.estimatedCostUsd)} is over what is left of the PR budget (${formatUsd(left)} of ${formatUsd(prUsd)})`
        })
      }
    } else if (plan.estimatedCostUsd > budget.limits.runUsd) {
      findings.push({
        kind: 'budget',
        reason: `the estimated cost $${plan.estimatedCostUsd.toFixed(4)} is over the run budget $${budget.limits.runUsd.toFixed(2)}`
      })
    }
  } else {
    const patch = totals.patchCoverageAfter
    if (patch && patch.lines.total > 0 && patch.lines.pct < settings.patchCoverageThreshold) {
      findings.push({
        kind: 'coverage',
        reason: `patch coverage ${patch.lines.pct}% is below the threshold ${settings.patchCoverageThreshold}%`
      })
    }
  }
  const failing =
    settings.failOn === 'budget-exceeded'
      ? 'budget'
      : settings.failOn === 'coverage-below'
        ? 'coverage'
        : undefined
  const reasons = findings.filter((f) => f.kind === failing).map((f) => f.reason)
  return { failed: reasons.length > 0, reasons, findings }
}

/**
 * Whether the run is over budget: it ran out, or (a dry run) its estimate does not fit. The output
 * `budget-exceeded` and the check's "over budget" say the same thing.
 */
export function overBudget(report: Pick<Report, 'budget' | 'gate'>): boolean {
  return report.budget.exceeded || (report.gate.findings ?? []).some((f) => f.kind === 'budget')
}

/** Validates a report before anything renders or writes it: a bug here must not reach users. */
export function finalizeReport(report: Omit<Report, 'schemaVersion'>): Report {
  return ReportSchema.parse({ schemaVersion: REPORT_SCHEMA_VERSION, ...report })
}

export function settingsForReport(
  settings: Settings,
  clamps: readonly Clamp[]
): { settings: Record<string, unknown>; clamps: Clamp[] } {
  return {
    settings: JSON.parse(JSON.stringify(settings)) as Record<string, unknown>,
    clamps: [...clamps]
  }
}
