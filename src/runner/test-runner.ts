import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { Framework } from '../analysis/module-model.js'

/**
 * The interface every framework adapter implements. Adapters load the target repository's own
 * jest or vitest (never a copy bundled in dist/) and run in sandboxed child processes. A timeout
 * or a crash is a result, not an exception.
 */

export type TestCaseStatus = 'passed' | 'failed' | 'skipped' | 'timeout'

export interface TestCaseResult {
  /** Full name: describe blocks and test title joined by ' > '. */
  readonly name: string
  readonly status: TestCaseStatus
  readonly durationMs: number
  readonly failureMessage?: string
}

export type TestFileStatus = 'passed' | 'failed' | 'error'

export interface TestFileResult {
  /** Absolute path of the test file. */
  readonly file: string
  /** `error`: the file failed before its tests ran (compile error, throw at import). */
  readonly status: TestFileStatus
  readonly tests: readonly TestCaseResult[]
  readonly failureMessage?: string
}

interface RunResultBase {
  readonly durationMs: number
  /** Captured stdout + stderr, capped. */
  readonly output: string
  readonly outputTruncated: boolean
}

export type RunResult =
  | (RunResultBase & {
      readonly status: 'completed'
      readonly files: readonly TestFileResult[]
      /** Istanbul coverage of the requested source files, when coverage was asked for. */
      readonly coverage?: CoverageMapData
    })
  | (RunResultBase & { readonly status: 'timeout'; readonly timeoutMs: number })
  | (RunResultBase & {
      readonly status: 'crashed'
      readonly message: string
      readonly exitCode: number | null
    })

export interface RunRequest {
  /** Absolute paths of test files to run. */
  readonly testFiles: readonly string[]
  /** Absolute paths of source files to collect coverage for; none means no coverage. */
  readonly coverageOf?: readonly string[]
  /** Wall-time limit for the whole run. */
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  /**
   * What output past the cap does. `stop` (the default): the run ends there as `crashed`, the
   * right answer for a candidate that floods. `truncate`: the rest of the output is dropped and
   * the run goes on to its end or its time limit, since results and coverage come from the
   * framework's report files, not from what it prints (the repository's own, verbose suite).
   */
  readonly outputOverflow?: 'stop' | 'truncate'
}

export interface TestRunner {
  readonly framework: Framework
  /** Absolute package root the runner works in. */
  readonly cwd: string
  run(request: RunRequest): Promise<RunResult>
  /** Releases warm workers or servers. Safe to call twice. */
  close(): Promise<void>
}
