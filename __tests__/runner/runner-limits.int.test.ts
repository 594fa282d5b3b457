import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import type { TestRunner } from '../../src/runner/test-runner.js'
import {
  createFixtureProject,
  type FixtureName,
  type FixtureProject
} from '../helpers/fixture-project.js'

const RUN_TIMEOUT_MS = 30_000
const OUTPUT_CAP = 256 * 1024

const CASES: ReadonlyArray<{ fixture: FixtureName; framework: 'jest' | 'vitest'; header: string }> =
  [
    { fixture: 'jest-babel-cjs', framework: 'jest', header: '' },
    { fixture: 'vitest-esm', framework: 'vitest', header: "import { it, expect } from 'vitest'\n" }
  ]

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
