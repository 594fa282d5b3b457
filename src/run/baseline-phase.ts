import { join } from 'node:path'
import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { Framework } from '../analysis/module-model.js'
import { rerankByUncovered, type PlannedModule } from '../analysis/plan.js'
import { isGeneratedTestPath } from '../analysis/test-location.js'
import type { Settings } from '../config/schema.js'
import { measureBaseline } from '../coverage/baseline.js'
import { emptyCoverage } from '../coverage/empty-coverage.js'
import { patchCoverage } from '../coverage/patch-coverage.js'
import { RunnerError } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import type { BaselineReport } from '../report/report-schema.js'
import { createTestRunner } from '../runner/create-test-runner.js'
import { RepoCommandRunner } from '../runner/repo-command-runner.js'
import type { TestRunner } from '../runner/test-runner.js'
import { emptyModuleReport, frameworkFor, type RunOutcomes } from './module-reports.js'
import type { Stages } from './stages.js'

/** Per package and framework: our runner, and the repository's own command as the final check. */
export interface PackageRunners {
  readonly runner: TestRunner
  readonly finalCheck: RepoCommandRunner
}

/** What the generate phase starts from: runners, coverage before, and the order to work in. */
export interface Baselines {
  /** Keyed by `runnerKey()`; closed by `closeRunners()`. */
  readonly runners: Map<string, PackageRunners>
  readonly coverage: Map<string, CoverageMapData>
  /** How each module's "coverage before" was measured. */
  readonly methods: Map<string, BaselineReport>
  /** Most uncovered change first, now that "covered" is known. */
  readonly ordered: PlannedModule[]
}

export function runnerKey(packageRoot: string, framework: Framework | undefined): string {
  return `${packageRoot}\0${framework ?? ''}`
}

/**
 * Phase 2: start a runner per package, measure the coverage the repository's own tests give each
 * module, and order the modules by what is left uncovered. Modules with no framework are reported
 * as skipped in `outcomes`. The caller closes the runners (`closeRunners`), also on a throw: they
 * are in `runners` as soon as they start.
 */
export async function baselinePhase(
  stages: Stages,
  events: EventBus,
  settings: Settings,
  repoRoot: string,
  modules: readonly PlannedModule[],
  outcomes: RunOutcomes,
  runners: Map<string, PackageRunners>
): Promise<Baselines> {
  const methods = new Map<string, BaselineReport>()
  const coverage = await stages.run(
    'baseline',
    async () => {
      const byPackage = await startRunners(settings, repoRoot, modules, outcomes, runners)
      const result = new Map<string, CoverageMapData>()
      for (const [key, packageModules] of byPackage) {
        const entry = runners.get(key)
        if (!entry) continue
        await measurePackage(events, settings, repoRoot, entry.runner, packageModules, {
          coverage: result,
          methods
        })
      }
      return result
    },
    (b) => `existing tests measured for ${b.size} module(s)`
  )
  const ordered = rerankByUncovered([...modules], (m) => {
    const baseline = coverage.get(m.analysis.path)
    if (!baseline) return undefined
    const patch = patchCoverage(baseline, join(repoRoot, m.analysis.path), m.analysis.changedLines)
    return patch.lines.total - patch.lines.covered + patch.branches.total - patch.branches.covered
  })
  return { runners, coverage, methods, ordered }
}

export async function closeRunners(runners: Map<string, PackageRunners>): Promise<void> {
  await Promise.all([...runners.values()].flatMap((r) => [r.runner.close(), r.finalCheck.close()]))
}

/** Groups the modules by package and framework, starting one runner per group. */
async function startRunners(
  settings: Settings,
  repoRoot: string,
  modules: readonly PlannedModule[],
  outcomes: RunOutcomes,
  runners: Map<string, PackageRunners>
): Promise<Map<string, PlannedModule[]>> {
  const byPackage = new Map<string, PlannedModule[]>()
  for (const planned of modules) {
    const framework = frameworkFor(settings, planned.analysis)
    if (!framework) {
      outcomes.modules.set(
        planned.analysis.path,
        emptyModuleReport(
          planned,
          'skipped',
          `no jest or vitest found for package '${planned.analysis.package.root || '.'}'; set test-framework`
        )
      )
      continue
    }
    const key = runnerKey(planned.analysis.package.root, framework)
    byPackage.set(key, [...(byPackage.get(key) ?? []), planned])
    if (!runners.has(key)) {
      const packageRoot = join(repoRoot, planned.analysis.package.root)
      const runner = await createTestRunner({ framework, packageRoot })
      runners.set(key, { runner, finalCheck: RepoCommandRunner.create({ framework, packageRoot }) })
    }
  }
  return byPackage
}

/**
 * The repository's own tests that reach any of these modules through the import graph. Our own
 * earlier tests are not the baseline: the pipeline re-runs (and heals) them.
 */
async function measurePackage(
  events: EventBus,
  settings: Settings,
  repoRoot: string,
  runner: TestRunner,
  modules: readonly PlannedModule[],
  into: { coverage: Map<string, CoverageMapData>; methods: Map<string, BaselineReport> }
): Promise<void> {
  const existing = [...new Set(modules.flatMap((m) => m.analysis.placement.existingTests))]
    .filter((p) => !isGeneratedTestPath(p))
    .map((p) => join(repoRoot, p))
  let timedOut = false
  const files = modules.map((m) => join(repoRoot, m.analysis.path))
  const data = await measureBaseline(
    runner,
    existing,
    files,
    settings.testTimeoutSeconds * 1000
  ).catch((error: unknown) => {
    // One hanging existing test must not stop the run: measure from zero and say so.
    // A crash is different (the framework cannot run here), and stays an error.
    if (!(error instanceof RunnerError) || error.code !== 'RUNNER_BASELINE_TIMEOUT') throw error
    events.log(
      'warning',
      `${error.message}; coverage "before" is measured as zero for ${files.length} module(s)`
    )
    timedOut = true
    return emptyCoverage(files)
  })
  for (const m of modules) {
    into.coverage.set(m.analysis.path, data)
    const tests = m.analysis.placement.existingTests.filter((p) => !isGeneratedTestPath(p))
    into.methods.set(m.analysis.path, {
      method: timedOut ? 'timed-out' : tests.length > 0 ? 'existing-tests' : 'no-tests',
      tests
    })
  }
}
