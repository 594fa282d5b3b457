import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseJsonReport } from './json-report.js'
import {
  killGroup,
  nodeScriptArgs,
  spawnSandboxed,
  DEFAULT_MAX_OUTPUT_BYTES
} from './sandboxed-process.js'
import {
  canonicalPath,
  exactGlob,
  pathTranslator,
  readCoverageFor,
  resolveTargetPackageFile
} from './target-files.js'
import { missingFiles, OutputCollector } from './run-support.js'
import type { RunRequest, RunResult, TestRunner } from './test-runner.js'
import type { ParentMessage, VitestWorkerConfig, WorkerMessage } from './vitest-worker.js'

export interface VitestRunnerOptions {
  readonly packageRoot: string
  readonly env?: NodeJS.ProcessEnv
  readonly maxOutputBytes?: number
  /** Path of the worker script; defaults to the one beside this module (source or bundle). */
  readonly workerScript?: string
}

/** Our worker script: `vitest-worker.ts` from source, `vitest-worker.js` beside the bundle. */
export function defaultVitestWorkerScript(): string {
  const fromSource = import.meta.url.endsWith('.ts')
  return fileURLToPath(
    new URL(fromSource ? './vitest-worker.ts' : './vitest-worker.js', import.meta.url)
  )
}

interface Worker {
  readonly child: ChildProcess
  readonly pid: number
  /** Coverage globs the worker was configured with ('' for none): another set needs another worker. */
  readonly coverageKey: string
  readonly config: VitestWorkerConfig
  readonly ready: Promise<void>
  output?: OutputCollector
  onMessage?: (message: WorkerMessage) => void
  onExit?: (code: number | null, signal: string | null) => void
  exited: boolean
}

type RunEnd =
  | { kind: 'done'; errors: readonly string[] }
  | { kind: 'failed'; message: string }
  | { kind: 'exit'; code: number | null; signal: string | null }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
  | { kind: 'output-cap' }

/**
 * Runs tests with the target repository's own vitest, kept warm in one sandboxed child across
 * runs (its Node API, its own config). A timeout, abort or output overflow kills the child's whole
 * process group; the next run starts a fresh one. Runs are serialised.
 */
export class VitestRunner implements TestRunner {
  readonly framework = 'vitest' as const
  private worker: Worker | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private nextId = 1
  private closed = false

  private constructor(
    readonly cwd: string,
    private readonly options: VitestRunnerOptions
  ) {}

  /** Checks that the package has vitest installed; the worker starts on the first run. */
  static async create(options: VitestRunnerOptions): Promise<VitestRunner> {
    const cwd = canonicalPath(options.packageRoot)
    resolveTargetPackageFile(cwd, 'vitest', 'package.json')
    return Promise.resolve(new VitestRunner(cwd, options))
  }

  run(request: RunRequest): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(request))
    this.queue = next.catch(() => undefined)
    return next
  }

  async close(): Promise<void> {
    this.closed = true
    await this.stopWorker()
  }

  private async runNow(request: RunRequest): Promise<RunResult> {
    const started = performance.now()
    const elapsed = (): number => Math.round(performance.now() - started)
    if (request.testFiles.length === 0) {
      return { status: 'completed', files: [], durationMs: 0, output: '', outputTruncated: false }
    }
    if (this.closed) {
      return {
        status: 'crashed',
        message: 'the runner was closed',
        exitCode: null,
        durationMs: 0,
        output: '',
        outputTruncated: false
      }
    }
    const coverageOf = request.coverageOf ?? []
    const globs = coverageOf.map((file) => exactGlob(this.cwd, file)).sort()
    const coverageKey = globs.join('\n')
    if (this.worker && (this.worker.coverageKey !== coverageKey || this.worker.exited))
      await this.stopWorker()
    const worker = this.worker ?? (this.worker = await this.startWorker(globs, coverageKey))

    const output = new OutputCollector(this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES)
    worker.output = output
    const id = this.nextId++
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    const end = await new Promise<RunEnd>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), request.timeoutMs)
      onAbort = () => resolve({ kind: 'aborted' })
      if (request.signal?.aborted) resolve({ kind: 'aborted' })
      request.signal?.addEventListener('abort', onAbort, { once: true })
      output.onOverflow = () => resolve({ kind: 'output-cap' })
      worker.onMessage = (message) => {
        if (message.type === 'done' && message.id === id)
          resolve({ kind: 'done', errors: message.errors })
        if (message.type === 'failed' && message.id === id)
          resolve({ kind: 'failed', message: message.message })
        if (message.type === 'fatal') resolve({ kind: 'failed', message: message.message })
      }
      worker.onExit = (code, signal) => resolve({ kind: 'exit', code, signal })
      worker.ready
        .then(() => {
          const message: ParentMessage = {
            type: 'run',
            id,
            files: request.testFiles.map(canonicalPath)
          }
          worker.child.send(message)
        })
        .catch((error: unknown) =>
          resolve({
            kind: 'failed',
            message: error instanceof Error ? error.message : String(error)
          })
        )
    })
    clearTimeout(timer)
    if (onAbort) request.signal?.removeEventListener('abort', onAbort)
    worker.onMessage = undefined
    worker.onExit = undefined
    output.onOverflow = undefined
    const base = { durationMs: elapsed(), output: output.text(), outputTruncated: output.truncated }

    switch (end.kind) {
      case 'timeout':
        await this.stopWorker()
        return { ...base, status: 'timeout', timeoutMs: request.timeoutMs }
      case 'aborted':
        await this.stopWorker()
        return { ...base, status: 'crashed', message: 'the run was aborted', exitCode: null }
      case 'output-cap':
        await this.stopWorker()
        return {
          ...base,
          status: 'crashed',
          message: `the tests printed more than ${output.limit} bytes; the run was stopped`,
          exitCode: null
        }
      case 'exit':
        this.worker = undefined
        return {
          ...base,
          status: 'crashed',
          message: `vitest exited unexpectedly (code ${end.code ?? 'none'}, signal ${end.signal ?? 'none'})`,
          exitCode: end.code
        }
      case 'failed':
        await this.stopWorker()
        return { ...base, status: 'crashed', message: end.message, exitCode: null }
      case 'done':
        return this.completed(worker, request, base)
    }
  }

  private async completed(
    worker: Worker,
    request: RunRequest,
    base: { durationMs: number; output: string; outputTruncated: boolean }
  ): Promise<RunResult> {
    let report: unknown
    try {
      report = JSON.parse(await readFile(worker.config.reportFile, 'utf8'))
    } catch {
      return { ...base, status: 'crashed', message: 'vitest wrote no json report', exitCode: null }
    }
    const files = parseJsonReport(report, pathTranslator(request.testFiles))
    const coverage =
      request.coverageOf && request.coverageOf.length > 0
        ? await readCoverageFor(
            join(worker.config.coverageDirectory, 'coverage-final.json'),
            request.coverageOf
          )
        : undefined
    return {
      ...base,
      status: 'completed',
      files: [...files, ...missingFiles(request.testFiles, files, 'vitest')],
      ...(coverage ? { coverage } : {})
    }
  }

  private async startWorker(globs: readonly string[], coverageKey: string): Promise<Worker> {
    const dir = await mkdtemp(join(tmpdir(), 'testmaster-vitest-'))
    const config: VitestWorkerConfig = {
      reportFile: join(dir, 'report.json'),
      coverageDirectory: join(dir, 'coverage'),
      coverageInclude: globs.length > 0 ? globs : null
    }
    const script = this.options.workerScript ?? defaultVitestWorkerScript()
    const child = spawnSandboxed({
      command: process.execPath,
      args: nodeScriptArgs(script, [JSON.stringify(config)]),
      cwd: this.cwd,
      env: { ...this.options.env, FORCE_COLOR: '0', NO_COLOR: '1', TESTMASTER_TMP: dir },
      ipc: true
    })
    let markReady: () => void = () => undefined
    let markFailed: (error: Error) => void = () => undefined
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve
      markFailed = reject
    })
    ready.catch(() => undefined)
    const worker: Worker = {
      child,
      pid: child.pid ?? 0,
      coverageKey,
      config,
      ready,
      exited: false
    }
    const collect = (chunk: Buffer): void => worker.output?.add(chunk)
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') markReady()
      if (message.type === 'fatal') markFailed(new Error(message.message))
      worker.onMessage?.(message)
    })
    child.once('error', (error) => markFailed(error))
    child.once('exit', (code, signal) => {
      worker.exited = true
      markFailed(new Error(`vitest worker exited (code ${code ?? 'none'})`))
      worker.onExit?.(code, signal)
      void rm(dir, { recursive: true, force: true })
    })
    return worker
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (!worker) return
    if (worker.pid) killGroup(worker.pid)
    if (!worker.exited) {
      await new Promise<void>((resolve) => {
        worker.child.once('exit', () => resolve())
        setTimeout(resolve, 2000).unref()
      })
    }
  }
}
