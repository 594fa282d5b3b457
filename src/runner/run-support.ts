import { readFile } from 'node:fs/promises'
import type { Framework } from '../analysis/module-model.js'
import { parseJsonReport, stripAnsi } from './json-report.js'
import { canonicalPath, pathTranslator, readCoverageFor } from './target-files.js'
import type { RunRequest, RunResult, TestFileResult } from './test-runner.js'
import type { RequestEnd } from './warm-process.js'

/** Collects a child's output up to a byte cap; `onOverflow` fires once when the cap is passed. */
export class OutputCollector {
  private readonly chunks: Buffer[] = []
  private bytes = 0
  truncated = false
  onOverflow: (() => void) | undefined

  constructor(readonly limit: number) {}

  add(chunk: Buffer): void {
    if (this.truncated) return
    const room = this.limit - this.bytes
    if (chunk.length > room) {
      this.chunks.push(chunk.subarray(0, Math.max(0, room)))
      this.bytes = this.limit
      this.truncated = true
      this.onOverflow?.()
      return
    }
    this.chunks.push(chunk)
    this.bytes += chunk.length
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/**
 * Requested test files the framework did not report on (outside its test patterns, ignored, or
 * not found), as `error` results that say so, so the caller never mistakes silence for a pass.
 */
export function missingFiles(
  requested: readonly string[],
  reported: readonly TestFileResult[],
  framework: Framework
): TestFileResult[] {
  const seen = new Set(reported.map((result) => canonicalPath(result.file)))
  return requested
    .filter((file) => !seen.has(canonicalPath(file)))
    .map((file) => ({
      file,
      status: 'error' as const,
      tests: [],
      failureMessage: `${framework} did not run '${file}': it does not match the project's test file patterns, is ignored, or does not exist`
    }))
}

/** Time, output and truncation of a run, common to every RunResult. */
export interface RunBase {
  readonly durationMs: number
  readonly output: string
  readonly outputTruncated: boolean
}

/**
 * The result of a run that ended normally: the framework's json report (and coverage of the
 * requested sources) read from disk. No report means the framework crashed.
 */
export async function completedResult(
  framework: Framework,
  request: RunRequest,
  files: { readonly reportFile: string; readonly coverageFile: string },
  base: RunBase,
  errors: readonly string[] = []
): Promise<RunResult> {
  let report: unknown
  try {
    report = JSON.parse(await readFile(files.reportFile, 'utf8'))
  } catch {
    const detail = errors.length > 0 ? `: ${errors.join('\n')}` : ''
    return {
      ...base,
      status: 'crashed',
      message: `${framework} wrote no report${detail}`,
      exitCode: null
    }
  }
  const results = parseJsonReport(report, pathTranslator(request.testFiles))
  const coverageOf = request.coverageOf ?? []
  const coverage =
    coverageOf.length > 0 ? await readCoverageFor(files.coverageFile, coverageOf) : undefined
  // Errors outside any test (unhandled rejections after a test ended, a broken global setup).
  const output = errors.length > 0 ? `${base.output}\n${errors.join('\n')}` : base.output
  return {
    ...base,
    output,
    status: 'completed',
    files: [...results, ...missingFiles(request.testFiles, results, framework)],
    ...(coverage ? { coverage } : {})
  }
}

/** The RunResult for a warm request that did not end normally. */
export function abnormalResult(
  framework: Framework,
  end: Exclude<RequestEnd, { kind: 'done' }>,
  request: RunRequest,
  base: RunBase,
  outputLimit: number
): RunResult {
  switch (end.kind) {
    case 'timeout':
      return { ...base, status: 'timeout', timeoutMs: request.timeoutMs }
    case 'aborted':
      return { ...base, status: 'crashed', message: 'the run was aborted', exitCode: null }
    case 'output-cap':
      return {
        ...base,
        status: 'crashed',
        message: `the tests printed more than ${outputLimit} bytes; the run was stopped`,
        exitCode: null
      }
    case 'exit':
      return {
        ...base,
        status: 'crashed',
        message: `${framework} exited unexpectedly (code ${end.code ?? 'none'}, signal ${end.signal ?? 'none'})${fatalCause(base.output)}`,
        exitCode: end.code
      }
    case 'failed':
      return { ...base, status: 'crashed', message: end.message, exitCode: null }
  }
}

/**
 * The line Node or V8 prints as it dies ("FATAL ERROR: ... JavaScript heap out of memory"), so a
 * crash says why (a suite that outgrew the memory limit) rather than only its exit code.
 */
function fatalCause(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => stripAnsi(line).trim())
    .filter((line) =>
      /^FATAL ERROR: |^Fatal process out of memory|JavaScript heap out of memory/.test(line)
    )
  const last = lines[lines.length - 1]
  return last ? `: ${last}` : ''
}
