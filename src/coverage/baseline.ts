import type { CoverageMapData } from 'istanbul-lib-coverage'
import { RunnerError } from '../errors.js'
import type { TestRunner } from '../runner/test-runner.js'
import { findFileCoverage } from './coverage-map.js'
import { emptyCoverage } from './empty-coverage.js'

/**
 * The existing tests' coverage of the changed modules, measured once per run in one batch and
 * reused for every candidate: the report's "before" figures. Modules no test loads, and every
 * module of a repository with no tests at all, get an all-zero (but coverable) entry: a baseline
 * of zero, not an error. Failing existing tests still count for what they cover, and so does a
 * verbose suite: its output is cut at the runner's cap while the run goes on, since coverage
 * comes from the framework's files, not from what the tests print.
 */
export async function measureBaseline(
  runner: TestRunner,
  existingTests: readonly string[],
  modules: readonly string[],
  timeoutMs: number
): Promise<CoverageMapData> {
  if (modules.length === 0) return {}
  let measured: CoverageMapData = {}
  if (existingTests.length > 0) {
    const result = await runner.run({
      testFiles: existingTests,
      coverageOf: modules,
      timeoutMs,
      outputOverflow: 'truncate'
    })
    if (result.status === 'timeout') {
      throw new RunnerError(
        'RUNNER_BASELINE_TIMEOUT',
        `the existing tests (${existingTests.length} files) did not finish within ${timeoutMs} ms`,
        'raise the test time limit, or check the repository for a hanging test'
      )
    }
    if (result.status === 'crashed') {
      throw new RunnerError(
        'RUNNER_BASELINE_CRASHED',
        `running the existing tests with ${runner.framework} failed: ${result.message}`,
        `check that the repository's own \`${runner.framework}\` run works in ${runner.cwd}`
      )
    }
    measured = result.coverage ?? {}
  }
  const missing = modules.filter((file) => !findFileCoverage(measured, file))
  return { ...measured, ...(await emptyCoverage(missing)) }
}
