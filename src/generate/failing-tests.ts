import { basename } from 'node:path'
import { describeFailure } from '../runner/failure-line.js'
import { canonicalPath } from '../runner/target-files.js'
import type { RunResult, TestFileResult } from '../runner/test-runner.js'

/**
 * What a run says about one test file, in the terms the pipeline acts on: it passed, some of its
 * tests failed (those can be dropped and the rest kept), or the file as a whole failed (it did not
 * load, the run crashed or timed out). Reasons quote the real error line, never the framework's
 * header ("● Test suite failed to run") or a bare exit code.
 */

export interface FailedTest {
  /** Full name as the runner reports it (`suite > test`). */
  readonly name: string
  /** The error line and its first frame in the repository. */
  readonly error: string
}

export type FileVerdict =
  | { readonly kind: 'passed'; readonly passed: number }
  | {
      readonly kind: 'some-failed'
      readonly passed: number
      readonly failed: readonly FailedTest[]
    }
  | {
      readonly kind: 'file-failed'
      readonly reason: string
      /** Tests the runner saw (passed or failed) before the file failed, when it saw any. */
      readonly tests: number
    }

export function fileResultFor(result: RunResult, file: string): TestFileResult | undefined {
  if (result.status !== 'completed') return undefined
  const wanted = canonicalPath(file)
  return (
    result.files.find((f) => canonicalPath(f.file) === wanted) ??
    result.files.find((f) => basename(f.file) === basename(file))
  )
}

/** The verdict of `file` in `result`, with paths in reasons relative to `repoRoot`. */
export function fileVerdict(result: RunResult, file: string, repoRoot: string): FileVerdict {
  if (result.status === 'timeout')
    return {
      kind: 'file-failed',
      reason: `the test run timed out after ${Math.round(result.timeoutMs / 1000)} s`,
      tests: 0
    }
  if (result.status === 'crashed') {
    // The cause is in what the process printed before it died, not in our summary of it.
    const cause = describeFailure(result.output, repoRoot)
    const detail = cause && !result.message.includes(cause) ? `: ${cause}` : ''
    return { kind: 'file-failed', reason: `${result.message}${detail}`, tests: 0 }
  }
  const fileResult = fileResultFor(result, file)
  if (!fileResult)
    return {
      kind: 'file-failed',
      reason: `the framework did not run ${basename(file)} (is it matched by the test configuration?)`,
      tests: 0
    }
  const passed = fileResult.tests.filter((t) => t.status === 'passed').length
  const failed = fileResult.tests.filter((t) => t.status === 'failed' || t.status === 'timeout')
  const seen = passed + failed.length
  if (fileResult.status === 'error')
    return {
      kind: 'file-failed',
      reason: describeFailure(
        fileResult.failureMessage ?? 'the test file failed to load',
        repoRoot
      ),
      tests: seen
    }
  if (failed.length > 0) {
    const failedTests = failed.map((t) => ({
      name: t.name,
      error:
        t.status === 'timeout'
          ? `timed out: ${describeFailure(t.failureMessage ?? '', repoRoot)}`
          : describeFailure(t.failureMessage ?? 'failed', repoRoot)
    }))
    // Names are how failing tests are found in the file; a nameless one cannot be cut out.
    if (passed === 0 || failedTests.some((t) => t.name === ''))
      return { kind: 'file-failed', reason: firstFailedReason(failedTests), tests: seen }
    return { kind: 'some-failed', passed, failed: failedTests }
  }
  if (fileResult.status === 'failed')
    return {
      kind: 'file-failed',
      reason: describeFailure(fileResult.failureMessage ?? 'failed', repoRoot),
      tests: seen
    }
  if (passed === 0)
    return { kind: 'file-failed', reason: 'the file contains no passing test', tests: 0 }
  return { kind: 'passed', passed }
}

function firstFailedReason(failed: readonly FailedTest[]): string {
  const first = failed[0]
  if (!first) return 'failed'
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more failing test(s))` : ''
  return `${first.name ? `'${first.name}': ` : ''}${first.error}${more}`
}

/** The failing tests as one line each, for the healer and the report. */
export function listFailedTests(failed: readonly FailedTest[]): string {
  return failed.map((t) => `${t.name}: ${t.error}`).join('\n')
}
