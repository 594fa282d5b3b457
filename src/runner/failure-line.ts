import { isAbsolute, relative, sep } from 'node:path'
import { stripAnsi } from './json-report.js'

/**
 * The line of a jest or vitest failure that says what went wrong, with the first stack frame in
 * the repository: the TS diagnostic, the thrown error, the failed matcher. Frameworks wrap these in
 * headers and boilerplate ("● Test suite failed to run", "Jest encountered an unexpected token"
 * and its advice) that a reader of a rejection must not be left with.
 */

/** Lines that are framing, never the cause. */
const BOILERPLATE = [
  /^●/,
  /^Test suite failed to run$/,
  /^FAIL\b/,
  /^Jest encountered an unexpected token/,
  /^Jest failed to parse a file/,
  /^This usually means that you are trying to import a file which Jest cannot parse/,
  /^Out of the box Jest supports Babel/,
  /^By default "node_modules" folder is ignored/,
  /^Here's what you can do:/,
  /^•/,
  /^You'll find more details/,
  /^https?:\/\//,
  /^Details:$/,
  /^Consider using the "jsdom" test environment/,
  /^\[vitest\]/,
  /^⎯+/,
  /^Error: Test file failed to run$/
]

const TS_DIAGNOSTIC = /\berror TS\d+:|^TS\d+:/
const ERROR_LINE = /^(?:[A-Z][A-Za-z]*)?(?:Error|Exception)(?: \[[A-Z_0-9]+\])?:\s*\S/
const MATCHER_LINE = /^expect\(.*\)\.|^Expected[: ]|^AssertionError\b/
const FRAME = /^at (?:.*? \()?((?:file:\/\/)?[^\s()]+?:\d+(?::\d+)?)\)?$/
/** A `path:line` header as jest prints it above a syntax error in a file it loaded. */
const LOCATION_HEADER = /^((?:\/|[A-Za-z]:\\)[^\s:]+\.[cm]?[jt]sx?):(\d+)$/

export interface FailureCause {
  /** The line that says what went wrong. */
  readonly message: string
  /** The first stack frame (or syntax error location) inside the repository, repo-relative. */
  readonly location?: string
}

function isBoilerplate(line: string): boolean {
  return BOILERPLATE.some((pattern) => pattern.test(line))
}

function shorten(line: string, max = 300): string {
  return line.length > max ? `${line.slice(0, max - 3)}...` : line
}

function inRepo(location: string, repoRoot: string | undefined): string | undefined {
  const path = location.replace(/^file:\/\//, '')
  if (/node_modules|^node:|^internal\/|<anonymous>/.test(path)) return undefined
  if (!repoRoot) return path
  const file = path.replace(/(:\d+)+$/, '')
  if (!isAbsolute(file)) return path
  const rel = relative(repoRoot, file)
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined
  return `${rel.split(sep).join('/')}${path.slice(file.length)}`
}

/** The cause of a failure in `text` (a framework's failure message or its output). */
export function failureCause(text: string, repoRoot?: string): FailureCause | undefined {
  const lines = stripAnsi(text)
    .split('\n')
    .map((line) => line.trim())
  // jest's "unexpected token" advice ends at "Details:"; the cause follows it.
  const details = lines.indexOf('Details:')
  const body = details >= 0 ? lines.slice(details + 1) : lines
  const meaningful = body.filter((line) => line.length > 0 && !isBoilerplate(line))
  const at =
    meaningful.findIndex((line) => TS_DIAGNOSTIC.test(line)) >= 0
      ? meaningful.findIndex((line) => TS_DIAGNOSTIC.test(line))
      : meaningful.findIndex((line) => ERROR_LINE.test(line) || MATCHER_LINE.test(line))
  const index = at >= 0 ? at : meaningful.findIndex((line) => !FRAME.test(line))
  if (index < 0) return undefined
  // jest prefixes a failed matcher with `Error: `; the matcher is the cause.
  let message = (meaningful[index] ?? '').replace(/^Error: (?=expect\()/, '')
  if (/^expect\(/.test(message)) {
    // The matcher line alone says which matcher; what was expected and received says why.
    const expected = meaningful.slice(index + 1).find((line) => /^Expected\b/.test(line))
    const received = meaningful.slice(index + 1).find((line) => /^Received\b/.test(line))
    message = [message, expected, received].filter(Boolean).join('; ')
  }
  const location = locationIn(body, repoRoot)
  // Paths on the runner's disk mean nothing to a reader of the report: make them repo-relative.
  if (repoRoot) message = message.split(`${repoRoot}${sep}`).join('')
  return { message: shorten(message), ...(location ? { location } : {}) }
}

function locationIn(lines: readonly string[], repoRoot: string | undefined): string | undefined {
  for (const line of lines) {
    const frame = FRAME.exec(line)?.[1]
    const found = frame ? inRepo(frame, repoRoot) : undefined
    if (found) return found
  }
  for (const line of lines) {
    const header = LOCATION_HEADER.exec(line)
    const found = header ? inRepo(`${header[1]}:${header[2]}`, repoRoot) : undefined
    if (found) return found
  }
  return undefined
}

/** `message (at location)`, or the first non-empty line of `text` when no cause is found. */
export function describeFailure(text: string, repoRoot?: string): string {
  const cause = failureCause(text, repoRoot)
  if (cause) return cause.location ? `${cause.message} (at ${cause.location})` : cause.message
  const first = stripAnsi(text)
    .split('\n')
    .find((line) => line.trim().length > 0)
  return shorten((first ?? text).trim())
}
