import type { TestCaseResult, TestCaseStatus, TestFileResult } from './test-runner.js'

/**
 * Parses the machine-readable report jest writes with `--json --outputFile` and vitest's `json`
 * reporter writes (the same jest-compatible shape), never the human output.
 */

interface JsonAssertion {
  ancestorTitles?: string[]
  title?: string
  fullName?: string
  status?: string
  duration?: number | null
  failureMessages?: string[]
}

interface JsonTestFile {
  name?: string
  status?: string
  message?: string
  assertionResults?: JsonAssertion[]
}

interface JsonReport {
  testResults?: JsonTestFile[]
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

/** Removes terminal colour codes (ts-jest diagnostics carry them even without a TTY). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

const TIMEOUT_MESSAGE = /Exceeded timeout of \d+ ?ms|Test timed out in \d+ ?ms/

function caseStatus(assertion: JsonAssertion): TestCaseStatus {
  switch (assertion.status) {
    case 'passed':
      return 'passed'
    case 'failed': {
      const messages = (assertion.failureMessages ?? []).join('\n')
      return TIMEOUT_MESSAGE.test(messages) ? 'timeout' : 'failed'
    }
    default:
      // pending, skipped, todo, disabled
      return 'skipped'
  }
}

function caseResult(assertion: JsonAssertion): TestCaseResult {
  const title = assertion.title ?? assertion.fullName ?? ''
  const name = [...(assertion.ancestorTitles ?? []), title]
    .filter((part) => part !== '')
    .join(' > ')
  const status = caseStatus(assertion)
  const failure = stripAnsi((assertion.failureMessages ?? []).join('\n')).trim()
  return {
    name,
    status,
    durationMs: Math.round(assertion.duration ?? 0),
    ...(status === 'failed' || status === 'timeout' ? { failureMessage: failure } : {})
  }
}

/**
 * Turns a parsed report into per-file results. `canonical` maps a path as the framework reports it
 * to the path the caller asked for (so results come back under the caller's names).
 */
export function parseJsonReport(
  report: unknown,
  canonical: (reportedPath: string) => string
): TestFileResult[] {
  const files = (report as JsonReport | null)?.testResults ?? []
  return files.map((file): TestFileResult => {
    const tests = (file.assertionResults ?? []).map(caseResult)
    const message = stripAnsi(file.message ?? '').trim()
    const path = canonical(file.name ?? '')
    const anyFailed = tests.some((test) => test.status === 'failed' || test.status === 'timeout')
    if (file.status === 'failed' && !anyFailed) {
      // No test failed, yet the file did: it broke before or around its tests (import, compile).
      return {
        file: path,
        status: 'error',
        tests,
        failureMessage: message || 'the test file failed to run'
      }
    }
    if (file.status === 'failed' || anyFailed) {
      return {
        file: path,
        status: 'failed',
        tests,
        ...(message ? { failureMessage: message } : {})
      }
    }
    return { file: path, status: 'passed', tests }
  })
}
