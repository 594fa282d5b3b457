import { DEFAULT_MAX_OUTPUT_BYTES } from './sandboxed-process.js'
import type { RunRequest, RunResult, TestRunner } from './test-runner.js'
import type { Framework } from '../analysis/module-model.js'

/**
 * What every framework adapter shares: runs are serialised on one warm child (a framework run is
 * not re-entrant), an empty request costs nothing, and a closed runner answers with a result
 * rather than a throw. Adapters implement `runNow` and `stop`.
 */
export abstract class SerialRunner implements TestRunner {
  abstract readonly framework: Framework
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false

  protected constructor(
    readonly cwd: string,
    private readonly maxOutputBytes: number | undefined
  ) {}

  run(request: RunRequest): Promise<RunResult> {
    const next = this.queue.then(() => this.runGuarded(request))
    this.queue = next.catch(() => undefined)
    return next
  }

  async close(): Promise<void> {
    this.closed = true
    await this.queue
    await this.stop()
  }

  protected get outputLimit(): number {
    return this.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  }

  /** Runs one request on the warm child; called one at a time. */
  protected abstract runNow(request: RunRequest): Promise<RunResult>

  /** Stops the warm child, if any. */
  protected abstract stop(): Promise<void>

  private runGuarded(request: RunRequest): Promise<RunResult> {
    if (request.testFiles.length === 0) {
      return Promise.resolve({
        status: 'completed',
        files: [],
        durationMs: 0,
        output: '',
        outputTruncated: false
      })
    }
    if (this.closed) {
      return Promise.resolve({
        status: 'crashed',
        message: 'the runner was closed',
        exitCode: null,
        durationMs: 0,
        output: '',
        outputTruncated: false
      })
    }
    return this.runNow(request)
  }
}
