import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseJsonReport, stripAnsi } from './json-report.js'
import { missingFiles } from './run-support.js'
import { runSandboxed } from './sandboxed-process.js'
import {
  canonicalPath,
  exactGlob,
  pathTranslator,
  readCoverageFor,
  resolveTargetPackageFile
} from './target-files.js'
import type { RunRequest, RunResult, TestRunner } from './test-runner.js'

export interface JestRunnerOptions {
  readonly packageRoot: string
  readonly env?: NodeJS.ProcessEnv
  readonly maxOutputBytes?: number
}

/** How much of stderr a crash message quotes. */
const CRASH_TAIL_CHARS = 4000

/**
 * Runs tests with the target repository's own jest and its own config (ts-jest, babel-jest,
 * @swc/jest: whatever the repo's transform says), in a sandboxed child per run. A run takes any
 * number of files, so independent candidates share one jest start and its workers. Results come
 * from `--json --outputFile`, coverage from the istanbul `coverage-final.json` of the requested
 * source files only.
 */
export class JestRunner implements TestRunner {
  readonly framework = 'jest' as const

  private constructor(
    readonly cwd: string,
    private readonly jestBin: string,
    private readonly options: JestRunnerOptions
  ) {}

  /** Resolves the repository's jest; a RunnerError when it is not installed. */
  static async create(options: JestRunnerOptions): Promise<JestRunner> {
    const cwd = canonicalPath(options.packageRoot)
    const jestBin = resolveTargetPackageFile(cwd, 'jest', join('bin', 'jest.js'))
    return Promise.resolve(new JestRunner(cwd, jestBin, options))
  }

  async run(request: RunRequest): Promise<RunResult> {
    if (request.testFiles.length === 0) {
      return { status: 'completed', files: [], durationMs: 0, output: '', outputTruncated: false }
    }
    const dir = await mkdtemp(join(tmpdir(), 'testmaster-jest-'))
    try {
      return await this.runIn(dir, request)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  async close(): Promise<void> {
    // Nothing stays warm between jest runs.
  }

  private async runIn(dir: string, request: RunRequest): Promise<RunResult> {
    const reportFile = join(dir, 'report.json')
    const coverageDirectory = join(dir, 'coverage')
    const coverageOf = request.coverageOf ?? []
    const coverageArgs =
      coverageOf.length > 0
        ? [
            '--coverage',
            ...coverageOf.map((file) => `--collectCoverageFrom=${exactGlob(this.cwd, file)}`),
            '--coverageReporters=json',
            `--coverageDirectory=${coverageDirectory}`,
            // The repository's thresholds are about its whole suite, not our candidates.
            '--coverageThreshold={}'
          ]
        : ['--coverage=false']
    const args = [
      // ESM projects need it, CommonJS ones are unaffected: cheaper than guessing per repo.
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      this.jestBin,
      '--ci',
      '--no-watchman',
      // Tests that leave handles open must not turn a finished run into a timeout.
      '--forceExit',
      '--json',
      `--outputFile=${reportFile}`,
      ...coverageArgs,
      '--runTestsByPath',
      '--',
      ...request.testFiles.map(canonicalPath)
    ]
    const result = await runSandboxed({
      command: process.execPath,
      args,
      cwd: this.cwd,
      env: { ...this.options.env, FORCE_COLOR: '0', NO_COLOR: '1', JEST_WORKER_ID: undefined },
      timeoutMs: request.timeoutMs,
      ...(this.options.maxOutputBytes !== undefined
        ? { maxOutputBytes: this.options.maxOutputBytes }
        : {}),
      ...(request.signal ? { signal: request.signal } : {})
    })
    const base = {
      durationMs: result.durationMs,
      output: result.stdout + result.stderr,
      outputTruncated: result.truncated
    }
    if (result.status === 'timeout')
      return { ...base, status: 'timeout', timeoutMs: request.timeoutMs }
    if (result.status === 'aborted') {
      return { ...base, status: 'crashed', message: 'the run was aborted', exitCode: null }
    }
    let report: unknown
    try {
      report = JSON.parse(await readFile(reportFile, 'utf8'))
    } catch {
      const why = result.truncated
        ? `the tests printed more than the output cap; the run was stopped`
        : `jest exited with code ${result.exitCode ?? 'none'} without a report: ${stripAnsi(result.stderr.slice(-CRASH_TAIL_CHARS)).trim()}`
      return { ...base, status: 'crashed', message: why, exitCode: result.exitCode }
    }
    const files = parseJsonReport(report, pathTranslator(request.testFiles))
    const coverage =
      coverageOf.length > 0
        ? await readCoverageFor(join(coverageDirectory, 'coverage-final.json'), coverageOf)
        : undefined
    return {
      ...base,
      status: 'completed',
      files: [...files, ...missingFiles(request.testFiles, files, 'jest')],
      ...(coverage ? { coverage } : {})
    }
  }
}
