import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Framework } from '../analysis/module-model.js'
import { describeFailure } from './failure-line.js'
import { resolveRepoTestCommand, type RepoTestCommand } from './repo-test-command.js'
import { completedResult } from './run-support.js'
import { runSandboxed } from './sandboxed-process.js'
import { SerialRunner } from './serial-runner.js'
import { canonicalPath } from './target-files.js'
import type { RunRequest, RunResult } from './test-runner.js'

export interface RepoCommandRunnerOptions {
  readonly packageRoot: string
  readonly framework: Framework
  readonly env?: NodeJS.ProcessEnv
  readonly maxOutputBytes?: number
}

/**
 * Runs test files the way the repository's own CI does: a fresh `jest` or `vitest run` of the
 * package, with its config and only the Node flags its test script uses (see
 * repo-test-command.ts), in a sandboxed child per run. Slower than the warm runners, so it is the
 * final check before delivery, not the fast path. Results come from the framework's json report;
 * no coverage is collected.
 */
export class RepoCommandRunner extends SerialRunner {
  readonly framework: Framework

  private constructor(
    cwd: string,
    readonly command: RepoTestCommand,
    private readonly options: RepoCommandRunnerOptions
  ) {
    super(cwd, options.maxOutputBytes)
    this.framework = command.framework
  }

  /** Throws a RunnerError when the framework is not installed in the package. */
  static create(options: RepoCommandRunnerOptions): RepoCommandRunner {
    const cwd = canonicalPath(options.packageRoot)
    return new RepoCommandRunner(cwd, resolveRepoTestCommand(cwd, options.framework), options)
  }

  /** How reasons name this check: `the repository's own jest (--experimental-vm-modules)`. */
  get description(): string {
    const { command } = this
    const flags = [...command.nodeArgs, ...command.frameworkArgs]
    return `the repository's own ${command.framework}${flags.length > 0 ? ` (${flags.join(' ')})` : ''}`
  }

  /** The argument list after `node`, for a run of `files` reporting to `reportFile`. */
  argumentsFor(files: readonly string[], reportFile: string): string[] {
    const { command } = this
    const reporting =
      command.framework === 'jest'
        ? ['--ci', '--json', `--outputFile=${reportFile}`, '--watchman=false', '--runTestsByPath']
        : ['run', '--reporter=json', `--outputFile=${reportFile}`, '--watch=false']
    return [
      ...command.nodeArgs,
      command.bin,
      ...reporting,
      ...command.frameworkArgs,
      ...files.map(canonicalPath)
    ]
  }

  protected async runNow(request: RunRequest): Promise<RunResult> {
    const dir = await mkdtemp(join(tmpdir(), 'testmaster-repo-command-'))
    try {
      const reportFile = join(dir, 'report.json')
      const outcome = await runSandboxed({
        command: process.execPath,
        args: this.argumentsFor(request.testFiles, reportFile),
        cwd: this.cwd,
        env: {
          ...this.options.env,
          // The script's flags are in nodeArgs; ours must not leak in through the environment.
          NODE_OPTIONS: '',
          CI: 'true',
          FORCE_COLOR: '0',
          NO_COLOR: '1',
          JEST_WORKER_ID: undefined
        },
        timeoutMs: request.timeoutMs,
        maxOutputBytes: this.outputLimit,
        signal: request.signal,
        // The report is all it may write outside a private tmpfs.
        writable: [dir],
        ...(this.framework === 'vitest'
          ? {
              // Vite bundles the config into .vite-temp and keeps its caches in .vite.
              scratch: [
                join(this.cwd, 'node_modules', '.vite-temp'),
                join(this.cwd, 'node_modules', '.vite')
              ]
            }
          : {})
      })
      const output = `${outcome.stdout}${outcome.stderr}`
      const base = { durationMs: outcome.durationMs, output, outputTruncated: outcome.truncated }
      if (outcome.status === 'timeout')
        return { ...base, status: 'timeout', timeoutMs: request.timeoutMs }
      if (outcome.status === 'aborted')
        return { ...base, status: 'crashed', message: 'the run was aborted', exitCode: null }
      const result = await completedResult(
        this.framework,
        request,
        { reportFile, coverageFile: join(dir, 'no-coverage.json') },
        base
      )
      if (result.status !== 'crashed') return result
      // No report: the framework itself failed (a config it cannot load, a flag Node refuses).
      return {
        ...result,
        message: `${this.framework} exited with code ${outcome.exitCode ?? 'none'} and wrote no report: ${describeFailure(output, this.cwd)}`,
        exitCode: outcome.exitCode
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  protected stop(): Promise<void> {
    return Promise.resolve()
  }
}
