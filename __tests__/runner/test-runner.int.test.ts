import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import { detectFramework } from '../../src/runner/detect-framework.js'
import { checkStability } from '../../src/runner/stability.js'
import type { RunResult, TestFileResult, TestRunner } from '../../src/runner/test-runner.js'
import {
  createFixtureProject,
  type FixtureName,
  type FixtureProject
} from '../helpers/fixture-project.js'
import { processesIn, untilNone } from '../helpers/processes.js'

/** Secrets handed to the runner as if they were in the job's environment. */
const SECRETS: Record<string, string> = {
  OPENAI_API_KEY: 'sk-fixture-openai-key-0001',
  TESTMASTER_API_KEY: 'sk-fixture-testmaster-key-0002',
  GITHUB_TOKEN: 'ghs_fixturegithubtoken0003',
  'INPUT_API-KEY': 'fixture-input-api-key-0004',
  ACTIONS_RUNTIME_TOKEN: 'fixture-actions-runtime-0005',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'fixture-actions-id-token-0006',
  GITHUB_ENV: '/tmp/fixture-github-env-0007',
  GITHUB_OUTPUT: '/tmp/fixture-github-output-0008',
  GITHUB_PATH: '/tmp/fixture-github-path-0009',
  OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer fixture-otel-0010'
}

interface Case {
  readonly fixture: FixtureName
  readonly ext: 'ts' | 'js'
}

const CASES: readonly Case[] = [
  { fixture: 'jest-ts-esm', ext: 'ts' },
  { fixture: 'jest-ts-cjs', ext: 'ts' },
  { fixture: 'jest-babel-esm', ext: 'js' },
  { fixture: 'jest-babel-cjs', ext: 'js' },
  { fixture: 'vitest-esm', ext: 'ts' },
  { fixture: 'vitest-cjs', ext: 'js' }
]

/** Generous for a loaded 2-core CI box, short enough to keep the suite quick. */
const RUN_TIMEOUT_MS = 30_000
const HANG_TIMEOUT_MS = 6_000

function completed(result: RunResult): Extract<RunResult, { status: 'completed' }> {
  if (result.status !== 'completed') {
    throw new Error(
      `expected a completed run, got ${result.status}: ${JSON.stringify(result).slice(0, 2000)}`
    )
  }
  return result
}

function only(result: RunResult): TestFileResult {
  const files = completed(result).files
  expect(files).toHaveLength(1)
  return files[0]!
}

/** Running (not zombie) according to /proc. */
describe.each(CASES)('$fixture', ({ fixture, ext }) => {
  let project: FixtureProject
  let runner: TestRunner
  const test = (name: string): string => project.path(`tests/${name}.test.${ext}`)
  const source = (): string => project.path(`src/math.${ext}`)

  beforeAll(async () => {
    project = await createFixtureProject(fixture)
    const framework = await detectFramework(project.root)
    expect(framework).toBe(fixture.startsWith('vitest') ? 'vitest' : 'jest')
    runner = await createTestRunner({
      framework: framework!,
      packageRoot: project.root,
      env: SECRETS
    })
  })

  afterAll(async () => {
    await runner?.close()
    await project?.remove()
  })

  it('runs passing, failing and import-throwing files in one batch with coverage of the module', async () => {
    const result = completed(
      await runner.run({
        testFiles: [test('pass'), test('fail'), test('import-throw')],
        coverageOf: [source()],
        timeoutMs: RUN_TIMEOUT_MS
      })
    )
    const byName = new Map(result.files.map((file) => [file.file, file]))
    expect(result.files).toHaveLength(3)

    const pass = byName.get(test('pass'))!
    expect(pass.status).toBe('passed')
    expect(pass.tests.map((t) => [t.name, t.status])).toEqual([
      ['math > adds', 'passed'],
      ['math > classifies negatives', 'passed']
    ])

    const fail = byName.get(test('fail'))!
    expect(fail.status).toBe('failed')
    const wrong = fail.tests.find((t) => t.name === 'math > adds wrongly')!
    expect(wrong.status).toBe('failed')
    expect(wrong.failureMessage).toMatch(/4/)
    expect(fail.tests.find((t) => t.name === 'math > classifies zero')!.status).toBe('passed')

    const thrown = byName.get(test('import-throw'))!
    expect(thrown.status).toBe('error')
    expect(thrown.failureMessage).toContain('boom at import')

    // Coverage of the requested module only, keyed by the path we asked with. Branches of
    // classify(): `n < 0` (taken by -1, not by 0), `n === 0` (taken by 0), `n > 100 ? :` (neither).
    expect(Object.keys(result.coverage ?? {})).toEqual([source()])
    const fileCoverage = result.coverage![source()]!
    expect(fileCoverage.path).toBe(source())
    expect(Object.values(fileCoverage.b)).toEqual([
      [1, 1],
      [1, 0],
      [0, 0]
    ])
  })

  it('reports a file outside the run as an error rather than a pass', async () => {
    const missing = project.path(`tests/missing.test.${ext}`)
    const file = only(await runner.run({ testFiles: [missing], timeoutMs: RUN_TIMEOUT_MS }))
    expect(file.status).toBe('error')
    expect(file.file).toBe(missing)
  })

  it('SECURITY 18: a test printing process.env shows no secret in the captured output', async () => {
    const result = await runner.run({ testFiles: [test('env')], timeoutMs: RUN_TIMEOUT_MS })
    expect(only(result).status).toBe('passed')
    // The environment was printed (PATH is kept), but none of the secrets.
    expect(result.output).toContain('"PATH"')
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(result.output).not.toContain(value)
      expect(result.output).not.toContain(`"${name}"`)
    }
  })

  it('rejects a flaky test and accepts a stable one', async () => {
    const flaky = await checkStability(runner, test('flaky'), 3, RUN_TIMEOUT_MS)
    expect(flaky.stable).toBe(false)
    if (!flaky.stable) expect(flaky.reason).toMatch(/run 2 of 3/)

    const stable = await checkStability(runner, test('pass'), 3, RUN_TIMEOUT_MS)
    expect(stable).toEqual({ stable: true, durationMs: expect.any(Number) })
  })

  it('SECURITY 20: a hanging test is killed at the limit, reported as a timeout, with no process left', async () => {
    const result = await runner.run({ testFiles: [test('hang')], timeoutMs: HANG_TIMEOUT_MS })
    expect(result.status).toBe('timeout')
    if (result.status === 'timeout') expect(result.timeoutMs).toBe(HANG_TIMEOUT_MS)
    // Nothing runs in the project any more: neither the framework nor the spinning test.
    expect(await untilNone(() => processesIn(project.root))).toEqual([])

    // The runner recovers: the next run works.
    expect(
      only(await runner.run({ testFiles: [test('pass')], timeoutMs: RUN_TIMEOUT_MS })).status
    ).toBe('passed')
  })
})
