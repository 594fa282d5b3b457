/**
 * Messages between a runner and its warm framework process (warm-jest.ts, warm-vitest.ts) over
 * the IPC channel. Types only: the child scripts stay free of runtime imports of ours.
 */

export interface RunMessage<Payload> {
  readonly type: 'run'
  readonly id: number
  readonly payload: Payload
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly errors: readonly string[] }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }

/** What a warm vitest is told at start (argv[2], JSON). */
export interface VitestWorkerConfig {
  /** Where the json reporter writes, overwritten by each run. */
  readonly reportFile: string
  readonly coverageDirectory: string
  /** Globs relative to the package root; null: no coverage. */
  readonly coverageInclude: readonly string[] | null
}

export interface VitestRunPayload {
  /** Real paths of the test files. */
  readonly files: readonly string[]
}

export interface JestRunPayload {
  readonly files: readonly string[]
  readonly reportFile: string
  readonly coverageDirectory: string
  /** Globs relative to the package root; null: no coverage. */
  readonly collectCoverageFrom: readonly string[] | null
}
