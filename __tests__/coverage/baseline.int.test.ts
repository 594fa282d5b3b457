import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { measureBaseline } from '../../src/coverage/baseline.js'
import { coverageFigures } from '../../src/coverage/coverage-figures.js'
import { coverageGain, mergeCoverage } from '../../src/coverage/coverage-gain.js'
import { patchCoverage } from '../../src/coverage/patch-coverage.js'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import type { TestRunner } from '../../src/runner/test-runner.js'
import { createFixtureProject, type FixtureName, type FixtureProject } from '../helpers/fixture-project.js'

const TIMEOUT_MS = 30_000

/*
 * src/math of the fixtures:
 *    1 export function add(a, b) {
 *    2   return a + b
 *    3 }
 *    5 export function classify(n) {
 *    6   if (n < 0) {
 *    7     return 'negative'
 *    9   if (n === 0) {
 *   10     return 'zero'
 *   12   return n > 100 ? 'large' : 'positive'
 * (the CommonJS one adds line 15: module.exports = { add, classify })
 * pass.test calls add(1, 2) and classify(-1); fail.test calls add(1, 2) and classify(0).
 */
const CASES: ReadonlyArray<{ fixture: FixtureName; framework: 'jest' | 'vitest'; ext: string; lines: number }> = [
  { fixture: 'jest-babel-cjs', framework: 'jest', ext: 'js', lines: 7 },
  { fixture: 'vitest-esm', framework: 'vitest', ext: 'ts', lines: 6 }
]

describe.each(CASES)('measureBaseline on $fixture', ({ fixture, framework, ext, lines }) => {
  let project: FixtureProject
  let runner: TestRunner
  const source = (): string => project.path(`src/math.${ext}`)

  beforeAll(async () => {
    project = await createFixtureProject(fixture)
    runner = await createTestRunner({ framework, packageRoot: project.root })
  })
  afterAll(async () => {
    await runner?.close()
    await project?.remove()
  })

  it('is zero, not an error, for a repository with no tests', async () => {
    const baseline = await measureBaseline(runner, [], [source()], TIMEOUT_MS)
    expect(coverageFigures(baseline, source())).toEqual({
      lines: { covered: 0, total: lines, pct: 0 },
      branches: { covered: 0, total: 6, pct: 0 },
      functions: { covered: 0, total: 2, pct: 0 }
    })
    // A candidate measured against the zero baseline adds all it covers, and the union has the
    // framework's own totals.
    const candidate = await runner.run({ testFiles: [project.path(`tests/pass.test.${ext}`)], coverageOf: [source()], timeoutMs: TIMEOUT_MS })
    if (candidate.status !== 'completed') throw new Error(candidate.status)
    const gain = coverageGain(baseline, candidate.coverage!, source(), [{ start: 1, end: 20 }])
    expect(gain.adds).toBe(true)
    expect(coverageFigures(mergeCoverage(baseline, candidate.coverage!), source())).toEqual(
      coverageFigures(candidate.coverage!, source())
    )
  })

  it('keeps the baseline of an existing suite that prints more than the output cap (1 MiB)', async () => {
    // The repository's own suite is verbose: its output is cut at the cap, its coverage (read
    // from the framework's files, not its output) still counts.
    const verbose = await project.write(
      `tests/verbose.test.${ext}`,
      `${await project.read(`tests/pass.test.${ext}`)}\nit('talks a lot', () => {\n  process.stdout.write('x'.repeat(3 * 1024 * 1024))\n})\n`
    )
    const baseline = await measureBaseline(runner, [verbose], [source()], TIMEOUT_MS)
    expect(coverageFigures(baseline, source()).lines).toEqual({
      covered: lines - 3,
      total: lines,
      pct: Math.round(((lines - 3) / lines) * 10000) / 100
    })
  })

  it('measures the existing tests once, and a candidate adds only what they miss', async () => {
    const baseline = await measureBaseline(runner, [project.path(`tests/pass.test.${ext}`)], [source()], TIMEOUT_MS)
    const figures = coverageFigures(baseline, source())
    // add's return, classify's first if and its return (+ module.exports in CommonJS).
    expect(figures.lines).toEqual({ covered: lines - 3, total: lines, pct: Math.round(((lines - 3) / lines) * 10000) / 100 })
    expect(figures.branches).toEqual({ covered: 1, total: 6, pct: 16.67 })
    expect(figures.functions).toEqual({ covered: 2, total: 2, pct: 100 })
    // Changed lines 9-10: `if (n === 0)` and its return, both uncovered so far.
    expect(patchCoverage(baseline, source(), [{ start: 9, end: 10 }])).toEqual({
      lines: { covered: 0, total: 2, pct: 0 },
      branches: { covered: 0, total: 2, pct: 0 }
    })

    const candidate = await runner.run({ testFiles: [project.path(`tests/fail.test.${ext}`)], coverageOf: [source()], timeoutMs: TIMEOUT_MS })
    if (candidate.status !== 'completed') throw new Error(candidate.status)
    // classify(0) newly covers lines 9 and 10, the else arm of `n < 0` and the then arm of `n === 0`.
    expect(coverageGain(baseline, candidate.coverage!, source(), [{ start: 9, end: 10 }])).toEqual({
      addedLines: 2,
      addedBranches: 2,
      addedChangedLines: 2,
      adds: true
    })
  })
})
