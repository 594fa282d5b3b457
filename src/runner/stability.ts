import type { RunResult, TestFileResult, TestRunner } from './test-runner.js'

export type StabilityResult =
  | { readonly stable: true; readonly durationMs: number }
  | {
      readonly stable: false
      readonly reason: string
      /**
       * The tests that failed or changed outcome, when the file itself ran each time: cutting
       * them out may leave a stable file. Absent when the file as a whole failed or crashed.
       */
      readonly unstableTests?: readonly string[]
    }

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

/** The tests whose outcome differs between two runs (the file's own line left out). */
function differingTests(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter(
    (name) => name !== '<file>' && a.get(name) !== b.get(name)
  )
}

/** Failing tests of a file that ran (not one that failed to load). */
function failingTests(result: RunResult, testFile: string): string[] | undefined {
  if (result.status !== 'completed') return undefined
  const file = result.files.find((candidate) => candidate.file === testFile) ?? result.files[0]
  if (!file || file.status === 'error') return undefined
  const failed = file.tests.filter((test) => test.status === 'failed' || test.status === 'timeout')
  return failed.length > 0 && failed.every((test) => test.name !== '')
    ? failed.map((test) => test.name)
    : undefined
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
      const failing = failingTests(result, testFile)
      return {
        stable: false,
        reason: `run ${run} of ${runs}: ${failure}`,
        ...(failing ? { unstableTests: failing } : {})
      }
    }
    if (result.status !== 'completed') continue
    slowest = Math.max(slowest, result.durationMs)
    const file = result.files.find((candidate) => candidate.file === testFile) ?? result.files[0]
    if (!file) continue
    const current = outcome(file)
    if (reference) {
      const difference = firstDifference(reference, current)
      if (difference) {
        const tests = differingTests(reference, current)
        return {
          stable: false,
          reason: `run ${run} of ${runs} differs: ${difference}`,
          ...(tests.length > 0 && !difference.startsWith('the file')
            ? { unstableTests: tests }
            : {})
        }
      }
    } else {
      reference = current
    }
  }
  return { stable: true, durationMs: slowest }
}
