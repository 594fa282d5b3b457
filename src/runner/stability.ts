import type { RunResult, TestFileResult, TestRunner } from './test-runner.js'

export type StabilityResult =
  | { readonly stable: true; readonly durationMs: number }
  | { readonly stable: false; readonly reason: string }

/** One line per test: what a run's outcome is, for comparing runs. */
function outcome(file: TestFileResult): Map<string, string> {
  const map = new Map<string, string>([['<file>', file.status]])
  for (const test of file.tests) map.set(test.name, test.status)
  return map
}

function firstDifference(a: Map<string, string>, b: Map<string, string>): string | undefined {
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const before = a.get(name) ?? 'absent'
    const after = b.get(name) ?? 'absent'
    if (before !== after)
      return name === '<file>'
        ? `the file ${before} then ${after}`
        : `'${name}' ${before} then ${after}`
  }
  return undefined
}

function notPassing(result: RunResult, testFile: string): string | undefined {
  if (result.status === 'timeout') return `timed out after ${result.timeoutMs} ms`
  if (result.status === 'crashed') return `crashed: ${result.message}`
  const file = result.files.find((candidate) => candidate.file === testFile) ?? result.files[0]
  if (!file) return 'no result for the file'
  if (file.status === 'passed') return undefined
  const failed = file.tests.find((test) => test.status === 'failed' || test.status === 'timeout')
  return failed
    ? `'${failed.name}' ${failed.status}: ${failed.failureMessage ?? ''}`.trim()
    : `the file ${file.status}: ${file.failureMessage ?? ''}`.trim()
}

/**
 * Runs a test file `runs` times and says whether every run passed with the same outcome per test.
 * Any differing outcome (a test that passes then fails, a timeout, a crash) makes it flaky. The runs
 * share the runner's warm jest or vitest process, so they cost a test run each, not a start.
 * `durationMs` is the slowest run's, a fair basis for later time limits.
 */
export async function checkStability(
  runner: TestRunner,
  testFile: string,
  runs: number,
  timeoutMs: number,
  signal?: AbortSignal
): Promise<StabilityResult> {
  let reference: Map<string, string> | undefined
  let slowest = 0
  for (let run = 1; run <= runs; run++) {
    if (signal?.aborted)
      return { stable: false, reason: `stopped after ${run - 1} of ${runs} run(s)` }
    const result = await runner.run({ testFiles: [testFile], timeoutMs, signal })
    const failure = notPassing(result, testFile)
    if (failure !== undefined) {
      return { stable: false, reason: `run ${run} of ${runs}: ${failure}` }
    }
    if (result.status !== 'completed') continue
    slowest = Math.max(slowest, result.durationMs)
    const file = result.files.find((candidate) => candidate.file === testFile) ?? result.files[0]
    if (!file) continue
    const current = outcome(file)
    if (reference) {
      const difference = firstDifference(reference, current)
      if (difference)
        return { stable: false, reason: `run ${run} of ${runs} differs: ${difference}` }
    } else {
      reference = current
    }
  }
  return { stable: true, durationMs: slowest }
}
