/**
 * The delivered tests as the user's CI sees them: run by the repository's own runner through
 * `npx` (its config, its transform, no Node flags of ours), with coverage of the changed module.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Shape } from './package-set.js'
import { plain, runCommand } from './run-command.js'

export interface FileOutcome {
  readonly file: string
  readonly passed: boolean
  /** The first line that says why it failed. */
  readonly error?: string
}

export interface Measurement {
  readonly files: readonly FileOutcome[]
  readonly tests: number
  readonly passedTests: number
  readonly statements: number | undefined
  readonly branches: number | undefined
  readonly seconds: number
  readonly command: string
  /** Set when the runner gave no per-file results at all. */
  readonly error?: string
}

/** jest's `--json` and vitest's json reporter share this shape. */
interface JsonResults {
  numTotalTests?: number
  numPassedTests?: number
  testResults?: {
    name: string
    status: string
    message?: string
    assertionResults?: { status: string; failureMessages?: string[] }[]
  }[]
}

interface SummaryEntry {
  statements: { pct: number | 'Unknown' }
  branches: { pct: number | 'Unknown' }
}

/** Runs `files` (repository-relative) with the repository's runner and measures `module`. */
export async function measureDelivered(
  shape: Shape,
  root: string,
  module: string,
  files: readonly string[],
  outDir: string
): Promise<Measurement> {
  const coverageDir = join(outDir, 'coverage')
  const resultsFile = join(outDir, 'results.json')
  const args =
    shape === 'vitest'
      ? [
          'vitest',
          'run',
          '--coverage.enabled',
          '--coverage.provider=v8',
          '--coverage.reporter=json-summary',
          `--coverage.reportsDirectory=${coverageDir}`,
          `--coverage.include=${module}`,
          '--reporter=json',
          `--outputFile=${resultsFile}`,
          ...files
        ]
      : [
          'jest',
          '--ci',
          '--maxWorkers=1',
          '--coverage',
          '--coverageReporters=json-summary',
          `--coverageDirectory=${coverageDir}`,
          `--collectCoverageFrom=${module}`,
          '--json',
          `--outputFile=${resultsFile}`,
          '--runTestsByPath',
          ...files
        ]
  const { NODE_OPTIONS: _ours, ...env } = process.env
  const result = await runCommand('npx', ['--no-install', ...args], {
    cwd: root,
    env: { ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    timeoutMs: 600_000
  })
  const output = plain(`${result.stdout}\n${result.stderr}`)
  const results = await readJson<JsonResults>(resultsFile)
  const coverage = await readJson<Record<string, SummaryEntry>>(
    join(coverageDir, 'coverage-summary.json')
  )
  const entry = Object.entries(coverage ?? {}).find(
    ([file]) => file !== 'total' && file.endsWith(`/${module}`)
  )?.[1]
  const outcomes = files.map((file): FileOutcome => {
    const found = results?.testResults?.find((r) => r.name.endsWith(`/${file}`))
    if (!found) return { file, passed: false, error: firstErrorLine(output) ?? 'not run' }
    const failed =
      found.status !== 'passed' || (found.assertionResults ?? []).some((a) => a.status === 'failed')
    if (!failed) return { file, passed: true }
    const message = [
      found.message ?? '',
      ...(found.assertionResults ?? []).flatMap((a) => a.failureMessages ?? [])
    ].join('\n')
    const failing = (found.assertionResults ?? []).filter((a) => a.status === 'failed').length
    const line = firstErrorLine(plain(message)) ?? 'failed'
    return { file, passed: false, error: failing > 0 ? `${failing} failing: ${line}` : line }
  })
  return {
    files: outcomes,
    tests: results?.numTotalTests ?? 0,
    passedTests: results?.numPassedTests ?? 0,
    statements: percent(entry?.statements.pct),
    branches: percent(entry?.branches.pct),
    seconds: result.seconds,
    command: `npx ${args.slice(0, 2).join(' ')} …`,
    ...(results?.testResults?.length
      ? {}
      : {
          error: result.timedOut
            ? 'runner timed out'
            : (firstErrorLine(output) ?? `exit ${result.exitCode}`)
        })
  }
}

function percent(value: number | 'Unknown' | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch {
    return undefined
  }
}

const ERROR_LINE =
  /(\berror\b|Error\b|TS\d{3,5}|Cannot |Must use import|is not (a function|defined|a constructor)|exited|Expected|Received|expect\()/

/** The first line of `text` that names the cause, not a header ("● Test suite failed to run"). */
export function firstErrorLine(text: string): string | undefined {
  const all = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const lines = all.filter((line) => !line.startsWith('●') && !/^(FAIL|PASS)\b/.test(line))
  // A text that is nothing but a header is quoted as it is: that is the cause it gives.
  const line = lines.find((l) => ERROR_LINE.test(l)) ?? lines[0] ?? all[0]
  return line?.slice(0, 240)
}
