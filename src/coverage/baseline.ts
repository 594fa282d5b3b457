import type { CoverageMapData } from 'istanbul-lib-coverage'
import { RunnerError } from '../errors.js'
import { DEFAULT_SANDBOX_LIMITS } from '../runner/isolation.js'
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
    if (result.status === 'crashed') throw crashError(runner, result.message)
    measured = result.coverage ?? {}
  }
  const missing = modules.filter((file) => !findFileCoverage(measured, file))
  return { ...measured, ...(await emptyCoverage(missing)) }
}

/** A crash of the baseline run, told apart by what the user can do about it. */
function crashError(runner: TestRunner, message: string): RunnerError {
  const provider = /Cannot find (?:package|module) '(@vitest\/coverage-(?:v8|istanbul))'/.exec(message)
  if (provider) {
    // vitest measures coverage only through a provider package the repository installs itself.
    return new RunnerError(
      'RUNNER_COVERAGE_PROVIDER_MISSING',
      `vitest needs a coverage provider to measure coverage, and ${provider[1]} is not installed in ${runner.cwd}`,
      `install it at the same version as vitest: npm install -D ${provider[1]}@<your vitest version> (or set coverage.provider to the one you have)`
    )
  }
  if (/adapter cannot drive/.test(message)) {
    return new RunnerError(
      'RUNNER_FRAMEWORK_UNSUPPORTED',
      message.split('\n')[0] ?? message,
      'the README lists the jest and vitest versions TestMaster supports'
    )
  }
  if (/heap out of memory|Fatal process out of memory/.test(message)) {
    return new RunnerError(
      'RUNNER_BASELINE_CRASHED',
      `running the existing tests with ${runner.framework} ran out of memory: ${message}`,
      `the existing tests that reach the changed modules, run in one process with coverage, needed more memory than it may use (V8's heap limit; in the sandbox at most ${DEFAULT_SANDBOX_LIMITS.memoryBytes / 1024 ** 3} GB)`
    )
  }
  return new RunnerError(
    'RUNNER_BASELINE_CRASHED',
    `running the existing tests with ${runner.framework} failed: ${message}`,
    `check that the repository's own \`${runner.framework}\` run works in ${runner.cwd}`
  )
}
