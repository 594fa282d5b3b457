import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testScriptNodeFlags } from '../analysis/module-style.js'
import { abnormalResult, completedResult } from './run-support.js'
import { SerialRunner } from './serial-runner.js'
import { canonicalPath, exactGlob, resolveTargetPackageFile } from './target-files.js'
import type { RunRequest, RunResult } from './test-runner.js'
import { childScriptPath, WarmProcess } from './warm-process.js'
import type { JestRunPayload } from './warm-protocol.js'

export interface JestRunnerOptions {
  readonly packageRoot: string
  readonly env?: NodeJS.ProcessEnv
  readonly maxOutputBytes?: number
}

/** A warm jest is replaced after this many runs, so leaks in tests or transformers stay bounded. */
const RUNS_PER_PROCESS = 100

/**
 * Runs tests with the target repository's own jest and its own config (ts-jest, babel-jest,
 * @swc/jest: whatever the repo's transform says), kept warm in one sandboxed child across runs
 * (jest's `runCLI`, in band: see warm-jest.ts). A run takes any number of files, so independent
 * candidates share one run. Results come from jest's json output, coverage from the istanbul
 * `coverage-final.json` of the requested source files only. A timeout, abort or output overflow
 * kills the child's whole process group; the next run starts a fresh one. Runs are serialised.
 */
export class JestRunner extends SerialRunner {
  readonly framework = 'jest' as const
  private process: WarmProcess<JestRunPayload> | undefined
  /** The warm process's own writable directory: one per process, a subdirectory per run. */
  private exchangeDir: string | undefined

  private constructor(
    cwd: string,
    private readonly options: JestRunnerOptions
  ) {
    super(cwd, options.maxOutputBytes)
  }

  /** Checks that the package has jest installed; the warm process starts with the first run. */
  static async create(options: JestRunnerOptions): Promise<JestRunner> {
    const cwd = canonicalPath(options.packageRoot)
    resolveTargetPackageFile(cwd, 'jest', 'package.json')
    return Promise.resolve(new JestRunner(cwd, options))
  }

  protected async runNow(request: RunRequest): Promise<RunResult> {
    if (this.process && (this.process.exited || this.process.served >= RUNS_PER_PROCESS)) {
      await this.stopProcess()
    }
    if (!this.process) {
      this.exchangeDir = await mkdtemp(join(tmpdir(), 'testmaster-jest-'))
      this.process = this.startProcess(this.exchangeDir)
    }
    const warm = this.process
    const dir = await mkdtemp(join(this.exchangeDir ?? tmpdir(), 'run-'))
    try {
      const coverageOf = request.coverageOf ?? []
      const payload: JestRunPayload = {
        files: request.testFiles.map(canonicalPath),
        reportFile: join(dir, 'report.json'),
        coverageDirectory: join(dir, 'coverage'),
        collectCoverageFrom:
          coverageOf.length > 0 ? coverageOf.map((file) => exactGlob(this.cwd, file)) : null
      }
      const outcome = await warm.request(
        payload,
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
        await this.stopProcess()
        return abnormalResult('jest', outcome.end, request, base, this.outputLimit)
      }
      return await completedResult(
        'jest',
        request,
        {
          reportFile: payload.reportFile,
          coverageFile: join(payload.coverageDirectory, 'coverage-final.json')
        },
        base,
        outcome.end.errors
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  private startProcess(exchangeDir: string): WarmProcess<JestRunPayload> {
    return WarmProcess.start<JestRunPayload>({
      script: childScriptPath('warm-jest'),
      config: {},
      cwd: this.cwd,
      // The Node flags of the repo's own test script and no others: a test that needs a flag the
      // repo's CI does not give it must fail here too (e.g. ESM syntax without --experimental-vm-modules).
      nodeArgs: [...testScriptNodeFlags(this.cwd), '--disable-warning=ExperimentalWarning'],
      env: {
        ...this.options.env,
        FORCE_COLOR: '0',
        NO_COLOR: '1',
        NODE_ENV: 'test',
        JEST_WORKER_ID: undefined
      },
      maxOutputBytes: this.outputLimit,
      writable: [exchangeDir]
    })
  }

  protected stop(): Promise<void> {
    return this.stopProcess()
  }

  private async stopProcess(): Promise<void> {
    const warm = this.process
    const dir = this.exchangeDir
    this.process = undefined
    this.exchangeDir = undefined
    await warm?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  }
}
