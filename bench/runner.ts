/**
 * Validating 20 candidate test files on a fixture project: the naive way (a fresh
 * `npx jest FILE --coverage` / `npx vitest run FILE --coverage` per file) against ours (one
 * batched run of all 20, and one warm run per file). Target: ours at most 0.3x the naive time.
 *
 *   npx tsx bench/runner.ts [--files 20]
 */
import { spawnSync } from 'node:child_process'
import { createTestRunner } from '../src/runner/create-test-runner.js'
import type { RunResult } from '../src/runner/test-runner.js'
import {
  createFixtureProject,
  type FixtureName,
  type FixtureProject
} from '../__tests__/helpers/fixture-project.js'

const COUNT = Number(process.argv[process.argv.indexOf('--files') + 1]) || 20
const TIMEOUT_MS = 120_000

interface Setup {
  readonly framework: 'jest' | 'vitest'
  readonly fixture: FixtureName
  readonly naive: (file: string) => { command: string; args: string[]; env: NodeJS.ProcessEnv }
  readonly header: string
}

const SETUPS: readonly Setup[] = [
  {
    framework: 'jest',
    fixture: 'jest-ts-esm',
    header: '',
    naive: (file) => ({
      command: 'npx',
      args: ['jest', file, '--coverage'],
      env: { NODE_OPTIONS: '--experimental-vm-modules' }
    })
  },
  {
    framework: 'vitest',
    fixture: 'vitest-esm',
    header: "import { describe, it, expect } from 'vitest'\n",
    naive: (file) => ({ command: 'npx', args: ['vitest', 'run', file, '--coverage'], env: {} })
  }
]

function candidate(header: string, i: number): string {
  return `${header}import { add, classify } from '../src/math.js'

describe('candidate ${i}', () => {
  it('adds', () => {
    expect(add(${i}, 1)).toBe(${i + 1})
  })
  it('classifies', () => {
    expect(classify(${i * 10 - 50})).toBe('${i * 10 - 50 < 0 ? 'negative' : i * 10 - 50 === 0 ? 'zero' : i * 10 - 50 > 100 ? 'large' : 'positive'}')
  })
})
`
}

async function writeCandidates(project: FixtureProject, setup: Setup): Promise<string[]> {
  const files: string[] = []
  for (let i = 1; i <= COUNT; i++) {
    files.push(
      await project.write(
        `tests/cand-${String(i).padStart(2, '0')}.test.ts`,
        candidate(setup.header, i)
      )
    )
  }
  return files
}

function check(result: RunResult, expected: number): void {
  if (result.status !== 'completed')
    throw new Error(`run ${result.status}: ${result.output.slice(-2000)}`)
  const passed = result.files.filter((file) => file.status === 'passed').length
  if (passed !== expected) throw new Error(`expected ${expected} passing files, got ${passed}`)
  if (!result.coverage || Object.keys(result.coverage).length !== 1)
    throw new Error('no coverage of the module')
}

function timeNaive(project: FixtureProject, setup: Setup, files: readonly string[]): number {
  const started = performance.now()
  for (const file of files) {
    const { command, args, env } = setup.naive(file)
    const result = spawnSync(command, args, {
      cwd: project.root,
      env: { ...process.env, ...env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8'
    })
    if (result.status !== 0)
      throw new Error(`naive ${command} ${args.join(' ')} failed:\n${result.stderr.slice(-2000)}`)
  }
  return performance.now() - started
}

interface Row {
  framework: string
  naiveMs: number
  batchedMs: number
  warmMs: number
}

async function measure(setup: Setup): Promise<Row> {
  const project = await createFixtureProject(setup.fixture)
  try {
    const files = await writeCandidates(project, setup)
    const source = project.path('src/math.ts')
    // Warm the frameworks' disk caches (transforms) for both sides alike.
    timeNaive(project, setup, files.slice(0, 1))

    const naiveMs = timeNaive(project, setup, files)

    // Each mode starts from a fresh runner, so its own start is part of its time.
    const fresh = () => createTestRunner({ framework: setup.framework, packageRoot: project.root })
    let runner = await fresh()
    let started = performance.now()
    try {
      check(
        await runner.run({ testFiles: files, coverageOf: [source], timeoutMs: TIMEOUT_MS }),
        files.length
      )
    } finally {
      await runner.close()
    }
    const batchedMs = performance.now() - started

    runner = await fresh()
    started = performance.now()
    try {
      for (const file of files) {
        check(
          await runner.run({ testFiles: [file], coverageOf: [source], timeoutMs: TIMEOUT_MS }),
          1
        )
      }
    } finally {
      await runner.close()
    }
    const warmMs = performance.now() - started
    return { framework: setup.framework, naiveMs, batchedMs, warmMs }
  } finally {
    await project.remove()
  }
}

const rows: Row[] = []
for (const setup of SETUPS) rows.push(await measure(setup))

const s = (ms: number): string => (ms / 1000).toFixed(2)
const x = (ms: number, base: number): string => (ms / base).toFixed(3)
console.log(
  `\nValidating ${COUNT} candidate test files with coverage (one fixture project per framework)\n`
)
console.log(
  '| framework | naive: fresh npx per file (s) | ours: one batched run (s) | ratio | ours: warm, one run per file (s) | ratio |'
)
console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
for (const row of rows) {
  console.log(
    `| ${row.framework} | ${s(row.naiveMs)} | ${s(row.batchedMs)} | ${x(row.batchedMs, row.naiveMs)} | ${s(row.warmMs)} | ${x(row.warmMs, row.naiveMs)} |`
  )
}
console.log('\nTarget: ours <= 0.3x naive.')
