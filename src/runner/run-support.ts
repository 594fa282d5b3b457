import type { Framework } from '../analysis/module-model.js'
import type { TestFileResult } from './test-runner.js'
import { canonicalPath } from './target-files.js'

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
