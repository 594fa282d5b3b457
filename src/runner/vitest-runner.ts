import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testScriptNodeFlags } from '../analysis/module-style.js'
import { abnormalResult, completedResult } from './run-support.js'
import { SerialRunner } from './serial-runner.js'
import { canonicalPath, exactGlob, resolveTargetPackageFile } from './target-files.js'
import type { RunRequest, RunResult } from './test-runner.js'
import { childScriptPath, WarmProcess } from './warm-process.js'
import type { VitestRunPayload, VitestWorkerConfig } from './warm-protocol.js'

export interface VitestRunnerOptions {
  readonly packageRoot: string
  readonly env?: NodeJS.ProcessEnv
  readonly maxOutputBytes?: number
}

interface Worker {
  readonly process: WarmProcess<VitestRunPayload>
  /**
   * Coverage globs it was started with (empty: coverage off). vitest fixes them at start, so a
   * request for files outside them needs another process; reports are filtered per request.
   */
  readonly coverageGlobs: ReadonlySet<string>
  readonly config: VitestWorkerConfig
  readonly dir: string
}

/**
 * Runs tests with the target repository's own vitest and its own config, kept warm in one
 * sandboxed child across runs (vitest's Node API: see warm-vitest.ts), so a candidate costs a
 * test run, not a vitest start. A timeout, abort or output overflow kills the child's whole
 * process group; the next run starts a fresh one. Runs are serialised.
 */
export class VitestRunner extends SerialRunner {
  readonly framework = 'vitest' as const
  private worker: Worker | undefined

  private constructor(
    cwd: string,
    private readonly options: VitestRunnerOptions
  ) {
    super(cwd, options.maxOutputBytes)
  }

  /** Checks that the package has vitest installed; the warm process starts with the first run. */
  static async create(options: VitestRunnerOptions): Promise<VitestRunner> {
    const cwd = canonicalPath(options.packageRoot)
    resolveTargetPackageFile(cwd, 'vitest', 'package.json')
    return Promise.resolve(new VitestRunner(cwd, options))
  }

  protected async runNow(request: RunRequest): Promise<RunResult> {
    const globs = (request.coverageOf ?? []).map((file) => exactGlob(this.cwd, file))
    const current = this.worker
    if (
      current &&
      (current.process.exited || globs.some((glob) => !current.coverageGlobs.has(glob)))
    ) {
      // Grow the set rather than swap it, so alternating modules do not restart vitest each time.
      const keep = current.process.exited ? [] : [...current.coverageGlobs]
      await this.stopWorker()
      this.worker = await this.startWorker([...new Set([...keep, ...globs])])
    }
    const worker = this.worker ?? (this.worker = await this.startWorker(globs))
    const outcome = await worker.process.request(
      { files: request.testFiles.map(canonicalPath) },
      request.timeoutMs,
      request.signal,
      request.outputOverflow !== 'truncate'
    )
    const base = {
      durationMs: outcome.durationMs,
      output: outcome.output,
      outputTruncated: outcome.truncated
    }
    if (outcome.end.kind !== 'done') {
      await this.stopWorker()
      return abnormalResult('vitest', outcome.end, request, base, this.outputLimit)
    }
    return completedResult(
      'vitest',
      request,
      {
        reportFile: worker.config.reportFile,
        coverageFile: join(worker.config.coverageDirectory, 'coverage-final.json')
      },
      base,
      outcome.end.errors
    )
  }

  private async startWorker(globs: readonly string[]): Promise<Worker> {
    const dir = await mkdtemp(join(tmpdir(), 'testmaster-vitest-'))
    const config: VitestWorkerConfig = {
      reportFile: join(dir, 'report.json'),
      coverageDirectory: join(dir, 'coverage'),
      coverageInclude: globs.length > 0 ? [...globs].sort() : null
    }
    const warm = WarmProcess.start<VitestRunPayload>({
      script: childScriptPath('warm-vitest'),
      config,
      cwd: this.cwd,
      // The repo's own test script's Node flags; vitest's workers inherit them.
      nodeArgs: testScriptNodeFlags(this.cwd),
      env: { ...this.options.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      maxOutputBytes: this.outputLimit,
      writable: [dir],
      // Vite bundles the config into .vite-temp and keeps its caches in .vite.
      scratch: [
        join(this.cwd, 'node_modules', '.vite-temp'),
        join(this.cwd, 'node_modules', '.vite')
      ]
    })
    return { process: warm, coverageGlobs: new Set(globs), config, dir }
  }

  protected stop(): Promise<void> {
    return this.stopWorker()
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (!worker) return
    await worker.process.stop()
    await rm(worker.dir, { recursive: true, force: true })
  }
}
