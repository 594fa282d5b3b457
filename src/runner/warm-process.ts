import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { messageOf } from '../errors.js'
import { OutputCollector } from './run-support.js'
import { killSandbox, nodeScriptArgs, spawnSandboxed } from './sandboxed-process.js'
import type { RunMessage, WorkerMessage } from './warm-protocol.js'

/** How a request to a warm process ended. */
export type RequestEnd =
  | { readonly kind: 'done'; readonly errors: readonly string[] }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'exit'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'output-cap' }

export interface RequestOutcome {
  readonly end: RequestEnd
  /** What the process printed during the request (and, for the first, while starting). */
  readonly output: string
  readonly truncated: boolean
  readonly durationMs: number
}

export interface WarmProcessOptions {
  /** Our child script: a `.ts` path from source, a `.js` path in the bundle. */
  readonly script: string
  /** JSON-serialisable start configuration, passed as argv[2]. */
  readonly config: unknown
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** Node flags before the script (e.g. `--experimental-vm-modules`). */
  readonly nodeArgs?: readonly string[]
  readonly maxOutputBytes: number
  /** Directories the process writes (its reports and coverage); the package itself is read-only. */
  readonly writable: readonly string[]
  /** Tool scratch directories in the package: writable in the sandbox, discarded after. */
  readonly scratch?: readonly string[]
}

/**
 * Splits a stream at an end-of-run marker, which may arrive cut across chunks: bytes before it go
 * to `onData`, each marker to `onMarker`, and the marker itself nowhere.
 */
class MarkerSplitter {
  private carry: Buffer = Buffer.alloc(0)

  constructor(
    private readonly marker: Buffer,
    private readonly onData: (chunk: Buffer) => void,
    private readonly onMarker: () => void
  ) {}

  push(chunk: Buffer): void {
    let buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk
    for (;;) {
      const at = buffer.indexOf(this.marker)
      if (at < 0) break
      if (at > 0) this.onData(buffer.subarray(0, at))
      buffer = buffer.subarray(at + this.marker.length)
      this.onMarker()
    }
    // Keep what could be the start of a marker cut by the chunk boundary.
    const keep = Math.min(buffer.length, this.marker.length - 1)
    if (buffer.length > keep) this.onData(buffer.subarray(0, buffer.length - keep))
    this.carry = Buffer.from(buffer.subarray(buffer.length - keep))
  }
}

/** Path of one of our child scripts beside this module: `.ts` from source, `.js` in the bundle. */
export function childScriptPath(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
  return fileURLToPath(new URL(`./${name}.${ext}`, import.meta.url))
}

/**
 * A long-lived framework process of ours (warm-jest.ts, warm-vitest.ts) in the sandbox (see
 * sandboxed-process.ts), serving one request at a time over IPC (the channel's descriptor passes
 * through bubblewrap like stdio). Any request that ends
 * other than `done` or `failed` leaves the process dead or killed: the owner starts another.
 */
export class WarmProcess<Payload> {
  private readonly child: ChildProcess
  readonly pid: number
  private exitedFlag = false
  private readonly ready: Promise<void>
  private output: OutputCollector
  private listener: ((message: WorkerMessage) => void) | undefined
  private exitListener: ((code: number | null, signal: string | null) => void) | undefined
  private nextId = 1
  /** End-of-run markers seen (one per stream per run) and who waits for them. */
  private markersSeen = 0
  private markerListener: (() => void) | undefined
  /** Requests served, so owners can recycle a process that has run many. */
  served = 0

  private constructor(private readonly options: WarmProcessOptions) {
    this.output = new OutputCollector(options.maxOutputBytes)
    const marker = Buffer.from(`@@testmaster-end-of-run-${randomUUID()}@@`)
    this.child = spawnSandboxed({
      command: process.execPath,
      args: [
        ...(options.nodeArgs ?? []),
        ...nodeScriptArgs(options.script, [JSON.stringify(options.config), marker.toString()])
      ],
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
      writable: options.writable,
      ...(options.scratch ? { scratch: options.scratch } : {}),
      ipc: true
    })
    this.pid = this.child.pid ?? 0
    let markReady: () => void = () => undefined
    let markFailed: (error: Error) => void = () => undefined
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve
      markFailed = reject
    })
    this.ready.catch(() => undefined)
    for (const stream of [this.child.stdout, this.child.stderr]) {
      const splitter = new MarkerSplitter(
        marker,
        (chunk) => this.output.add(chunk),
        () => {
          this.markersSeen++
          this.markerListener?.()
        }
      )
      stream?.on('data', (chunk: Buffer) => splitter.push(chunk))
    }
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') markReady()
      if (message.type === 'fatal') markFailed(new Error(message.message))
      this.listener?.(message)
    })
    this.child.once('error', (error) => markFailed(error))
    this.child.once('exit', (code, signal) => {
      this.exitedFlag = true
      markFailed(
        new Error(
          `the process exited during start (code ${code ?? 'none'}, signal ${signal ?? 'none'})`
        )
      )
      this.exitListener?.(code, signal)
    })
  }

  /** Spawns the process; it loads its framework while the first request waits. */
  static start<Payload>(options: WarmProcessOptions): WarmProcess<Payload> {
    return new WarmProcess<Payload>(options)
  }

  get exited(): boolean {
    return this.exitedFlag
  }

  /**
   * Sends one request and waits for its end, the time limit (which includes the start of a fresh
   * process), an abort, or (with `stopOnOverflow`) the output cap; without it, output past the
   * cap is dropped and the request goes on. The caller kills the process on anything but
   * done/failed.
   */
  async request(
    payload: Payload,
    timeoutMs: number,
    signal?: AbortSignal,
    stopOnOverflow = true
  ): Promise<RequestOutcome> {
    const started = performance.now()
    const output = this.output
    const id = this.nextId++
    this.served++
    this.markersSeen = 0
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    const end = await new Promise<RequestEnd>((resolve) => {
      if (this.exitedFlag) {
        resolve({ kind: 'exit', code: this.child.exitCode, signal: this.child.signalCode })
        return
      }
      timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs)
      onAbort = () => resolve({ kind: 'aborted' })
      if (signal?.aborted) resolve({ kind: 'aborted' })
      signal?.addEventListener('abort', onAbort, { once: true })
      if (stopOnOverflow) output.onOverflow = () => resolve({ kind: 'output-cap' })
      this.listener = (message) => {
        if (message.type === 'done' && message.id === id)
          resolve({ kind: 'done', errors: message.errors })
        if (message.type === 'failed' && message.id === id)
          resolve({ kind: 'failed', message: message.message })
        if (message.type === 'fatal') resolve({ kind: 'failed', message: message.message })
      }
      this.exitListener = (code, exitSignal) => resolve({ kind: 'exit', code, signal: exitSignal })
      this.ready
        .then(() => {
          const message: RunMessage<Payload> = { type: 'run', id, payload }
          this.child.send(message)
        })
        .catch((error: unknown) =>
          resolve({
            kind: 'failed',
            message: messageOf(error)
          })
        )
    })
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
    this.listener = undefined
    this.markerListener = undefined
    this.exitListener = undefined
    output.onOverflow = undefined
    // The next request starts with a fresh collector.
    this.output = new OutputCollector(this.options.maxOutputBytes)
    return {
      end,
      output: output.text(),
      truncated: output.truncated,
      durationMs: Math.round(performance.now() - started)
    }
  }

  /**
   * Kills the whole process group and every process that left it, then waits (briefly) for the
   * exit. Safe to call twice. Background processes a run's tests leave behind live until here:
   * they cannot be told from the framework's own long-lived helpers (vitest's pool workers, an
   * esbuild service) while the process serves, so they go when it stops (an abnormal end of a
   * run, recycling, or the runner's close).
   */
  async stop(): Promise<void> {
    if (this.pid) killSandbox(this.pid)
    // A process that never started (its cwd missing, say) never sends 'exit'.
    if (this.exitedFlag || !this.pid) return
    await new Promise<void>((resolve) => {
      // Not unref'd: a promise the caller awaits must settle even when nothing else keeps the
      // event loop alive (else Node ends with exit code 13, "unsettled top-level await").
      const timer = setTimeout(resolve, 2000)
      this.child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
