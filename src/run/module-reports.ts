import type { Framework, ModuleAnalysis } from '../analysis/module-model.js'
import type { PlannedModule } from '../analysis/plan.js'
import type { Settings } from '../config/schema.js'
import type { ModuleReport, Report } from '../report/report-schema.js'

/** What the phases of one run fill in, module by module, for the report. */
export interface RunOutcomes {
  readonly modules: Map<string, ModuleReport>
  readonly tests: Report['tests']
  readonly possibleBugs: Report['possibleBugs']
  readonly errors: Report['errors']
  /** A module whose strategies a limit (or a cancel) stopped part-way, though it has tests. */
  cutShort: boolean
}

export function emptyOutcomes(): RunOutcomes {
  return { modules: new Map(), tests: [], possibleBugs: [], errors: [], cutShort: false }
}

export function frameworkFor(settings: Settings, module: ModuleAnalysis): Framework | undefined {
  return settings.testFramework === 'auto' ? module.package.framework : settings.testFramework
}

export function changedLineCount(module: ModuleAnalysis): number {
  return module.changedLines.reduce((n, r) => n + r.end - r.start + 1, 0)
}

/** The report of a module no strategy ran on (skipped, not reached, failed before a verdict). */
export function emptyModuleReport(
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
    changedLines: changedLineCount(m),
    candidates: [],
    llm: { calls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    durationMs: 0
  }
}
