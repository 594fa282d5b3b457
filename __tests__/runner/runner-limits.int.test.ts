import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { measureBaseline } from '../../src/coverage/baseline.js'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import type { TestRunner } from '../../src/runner/test-runner.js'
import {
  createFixtureProject,
  type FixtureName,
  type FixtureProject
} from '../helpers/fixture-project.js'
import { itWithProc, processesWith, untilNone } from '../helpers/processes.js'

const RUN_TIMEOUT_MS = 30_000
const OUTPUT_CAP = 256 * 1024

const CASES: ReadonlyArray<{ fixture: FixtureName; framework: 'jest' | 'vitest'; header: string }> =
  [
    { fixture: 'jest-babel-cjs', framework: 'jest', header: '' },
    { fixture: 'vitest-esm', framework: 'vitest', header: "import { it, expect } from 'vitest'\n" }
  ]

/**
 * Test-file lines that start a process in a session of its own with `token` on its command line
 * (how the test finds it from outside the sandbox's pid namespace).
 */
function detachedProcess(token: string): string {
  return `import { spawn } from 'node:child_process'
function leaveBehind() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ${JSON.stringify(token)}], { detached: true, stdio: 'ignore' })
  child.unref()
}
`
}

describe.each(CASES)('runner limits on $fixture', ({ fixture, framework, header }) => {
  let project: FixtureProject
  let runner: TestRunner

  beforeAll(async () => {
    project = await createFixtureProject(fixture)
    runner = await createTestRunner({
      framework,
      packageRoot: project.root,
      maxOutputBytes: OUTPUT_CAP
    })
  })
  afterAll(async () => {
    await runner?.close()
    await project?.remove()
  })

  it('SECURITY 20: 100 MB of output is cut at the cap, the run stopped with a reason, and the runner goes on', async () => {
    const flood = await project.write(
      'tests/flood.test.js',
      `${header}it('floods', () => {
  const chunk = 'x'.repeat(1 << 20)
  for (let i = 0; i < 100; i++) process.stdout.write(chunk)
  expect(1).toBe(1)
})
`
    )
    const result = await runner.run({ testFiles: [flood], timeoutMs: RUN_TIMEOUT_MS })
    expect(result.status).toBe('crashed')
    if (result.status === 'crashed') expect(result.message).toMatch(/more than 262144 bytes/)
    expect(result.outputTruncated).toBe(true)
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(OUTPUT_CAP)

    const next = await runner.run({
      testFiles: [project.path(`tests/pass.test.${fixture.startsWith('vitest') ? 'ts' : 'js'}`)],
      timeoutMs: RUN_TIMEOUT_MS
    })
    expect(next.status).toBe('completed')
  })

  it('with outputOverflow truncate, cuts a flood at the cap and lets the run complete', async () => {
    const flood = await project.write(
      'tests/verbose.test.js',
      `${header}it('talks', () => {
  process.stdout.write('x'.repeat(3 * 1024 * 1024))
  expect(1).toBe(1)
})
`
    )
    const result = await runner.run({
      testFiles: [flood],
      timeoutMs: RUN_TIMEOUT_MS,
      outputOverflow: 'truncate'
    })
    expect(result.status).toBe('completed')
    if (result.status === 'completed') expect(result.files[0]?.status).toBe('passed')
    expect(result.outputTruncated).toBe(true)
    expect(Buffer.byteLength(result.output)).toBeLessThanOrEqual(OUTPUT_CAP)
  })

  itWithProc(
    'SECURITY 20: a detached process a flooding test started is killed with the warm process',
    async () => {
      const token = `tm-flood-${randomUUID()}`
      const flood = await project.write(
        'tests/flood-detached.test.js',
        `${header}${detachedProcess(token)}it('floods', () => {
  leaveBehind()
  const chunk = 'x'.repeat(1 << 20)
  for (let i = 0; i < 10; i++) process.stdout.write(chunk)
})
`
      )
      const result = await runner.run({ testFiles: [flood], timeoutMs: RUN_TIMEOUT_MS })
      expect(result.status).toBe('crashed')
      expect(await untilNone(() => processesWith(token))).toEqual([])
    }
  )

  itWithProc(
    'SECURITY 20: a detached process a passing test left behind is killed when the runner closes',
    async () => {
      const token = `tm-left-behind-${randomUUID()}`
      const leaves = await project.write(
        'tests/left-behind.test.js',
        `${header}${detachedProcess(token)}it('leaves', () => {
  leaveBehind()
})
`
      )
      const own = await createTestRunner({ framework, packageRoot: project.root })
      try {
        const result = await own.run({ testFiles: [leaves], timeoutMs: RUN_TIMEOUT_MS })
        expect(result.status === 'completed' && result.files[0]?.status).toBe('passed')
        // It outlived its test: the warm process serves on, and it with it.
        expect(processesWith(token)).toHaveLength(1)
      } finally {
        await own.close()
      }
      expect(await untilNone(() => processesWith(token))).toEqual([])
    }
  )

  it('stops a run when the caller aborts, as a result', async () => {
    const controller = new AbortController()
    const slow = await project.write(
      'tests/slow.test.js',
      `${header}it('waits', async () => {
  await new Promise((resolve) => setTimeout(resolve, 20000))
}, 30000)
`
    )
    setTimeout(() => controller.abort(), 1500)
    const result = await runner.run({
      testFiles: [slow],
      timeoutMs: RUN_TIMEOUT_MS,
      signal: controller.signal
    })
    expect(result.status).toBe('crashed')
    if (result.status === 'crashed') expect(result.message).toMatch(/aborted/)
  })

  // jest runs a lone test file in its own process, which dies with it; vitest runs files in a pool
  // whose loss it reports as a failed file, so there the run completes.
  const itInProcess = framework === 'jest' ? it : it.skip
  itInProcess(
    'a run that dies quotes the fatal line it printed (a heap out of memory), not only its exit code',
    async () => {
      const dying = await project.write(
        'tests/dying.test.js',
        `${header}it('dies', () => {
  process.stderr.write('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\\n')
  process.abort()
})
`
      )
      const result = await runner.run({ testFiles: [dying], timeoutMs: RUN_TIMEOUT_MS })
      expect(result.status).toBe('crashed')
      if (result.status === 'crashed') {
        expect(result.message).toMatch(/exited unexpectedly/)
        expect(result.message).toMatch(
          /: FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory$/
        )
      }
      // The baseline run says so, with a hint about memory rather than blaming the user's own run.
      const baseline = await measureBaseline(
        runner,
        [dying],
        [project.path('src/math.js')],
        RUN_TIMEOUT_MS
      ).catch((e: unknown) => e)
      expect(baseline).toMatchObject({
        code: 'RUNNER_BASELINE_CRASHED',
        message: expect.stringMatching(/ran out of memory: .*JavaScript heap out of memory/),
        hint: expect.stringMatching(/needed more memory/)
      })
    }
  )

  it('picks up a candidate rewritten in place (healing) instead of a stale transform', async () => {
    const file = 'tests/healed.test.js'
    const body = (value: number) => `${header}it('heals', () => {\n  expect(${value}).toBe(2)\n})\n`
    const path = await project.write(file, body(1))
    const first = await runner.run({ testFiles: [path], timeoutMs: RUN_TIMEOUT_MS })
    expect(first.status === 'completed' && first.files[0]?.status).toBe('failed')
    await project.write(file, body(2))
    const second = await runner.run({ testFiles: [path], timeoutMs: RUN_TIMEOUT_MS })
    expect(second.status === 'completed' && second.files[0]?.status).toBe('passed')
  })
  it('collects coverage of exactly the requested modules, switching between them', async () => {
    const ext = fixture.startsWith('vitest') ? 'ts' : 'js'
    const math = project.path(`src/math.${ext}`)
    const other = await project.write(
      `src/other.${ext}`,
      ext === 'ts'
        ? 'export function twice(x: number): number {\n  return x * 2\n}\n'
        : 'function twice(x) {\n  return x * 2\n}\nmodule.exports = { twice }\n'
    )
    const pass = project.path(`tests/pass.test.${ext}`)
    const onlyMath = await runner.run({
      testFiles: [pass],
      coverageOf: [math],
      timeoutMs: RUN_TIMEOUT_MS
    })
    expect(onlyMath.status === 'completed' && Object.keys(onlyMath.coverage ?? {})).toEqual([math])
    const onlyOther = await runner.run({
      testFiles: [pass],
      coverageOf: [other],
      timeoutMs: RUN_TIMEOUT_MS
    })
    expect(onlyOther.status === 'completed' && Object.keys(onlyOther.coverage ?? {})).toEqual([
      other
    ])
    // Not loaded by the test, yet reported, all at zero.
    if (onlyOther.status === 'completed')
      expect(Object.values(onlyOther.coverage![other]!.s)).toContain(0)
    const none = await runner.run({ testFiles: [pass], timeoutMs: RUN_TIMEOUT_MS })
    expect(none.status === 'completed' && none.coverage).toBeUndefined()
    const both = await runner.run({
      testFiles: [pass],
      coverageOf: [math, other],
      timeoutMs: RUN_TIMEOUT_MS
    })
    expect(both.status === 'completed' && Object.keys(both.coverage ?? {}).sort()).toEqual(
      [math, other].sort()
    )
  })
})
