import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { readdir, rm, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import type { Framework } from '../../src/analysis/module-model.js'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/**
 * The whole run with the offline explorer (no key, no network) on a real git repository under
 * vitest and under jest: plan main...HEAD, baseline with the repo's own framework, explore each
 * changed module, gate, write the accepted tests, report. Everything checked from the outside:
 * the report against its schema, the files on disk, the framework run by us, and `git status`.
 */

const MATH_BASE = `export function add(a: number, b: number): number {
  return a + b
}
`

const MATH_HEAD = `${MATH_BASE}
/** Keeps n within [lo, hi]. */
export function clamp(n: number, lo: number, hi: number): number {
  if (n < lo) {
    return lo
  }
  if (n > hi) {
    return hi
  }
  return n
}
`

const WORDS = `/** Upper-case first letters of the words of a name. */
export function initials(name: string): string {
  return name
    .split(' ')
    .filter((word) => word.length > 0)
    .map((word) => word.charAt(0).toUpperCase())
    .join('')
}

/** The shortest word, or undefined for a blank text. */
export function shortestWord(text: string): string | undefined {
  let best: string | undefined
  for (const word of text.split(/\\s+/)) {
    if (word === '') continue
    if (best === undefined || word.length < best.length) best = word
  }
  return best
}
`

const existingTest = (framework: Framework): string => `${globalsImport(framework)}
import { add } from '../src/math.js'

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })
})
`

describe.each<Framework>(['vitest', 'jest'])('run() with the explorer under %s', (framework) => {
  let project: RunProject
  let report: Report

  beforeAll(async () => {
    project = await createRunProject({
      framework,
      base: { 'src/math.ts': MATH_BASE, 'tests/math.test.ts': existingTest(framework) },
      head: { 'src/math.ts': MATH_HEAD, 'src/words.ts': WORDS }
    })
    report = await project.run({ llm: { provider: 'explorer' }, stabilityRuns: 2 })
  }, 240_000)

  afterAll(async () => {
    await project?.remove()
  })

  it('returns a report that validates against the schema, explorer-made and free', () => {
    const parsed = ReportSchema.safeParse(report)
    expect(parsed.success ? [] : parsed.error.issues).toEqual([])
    expect(report.provider).toBe('explorer')
    expect(report.errors).toEqual([])
    expect(report.llmCalls).toEqual([])
    expect(report.budget.spentUsd).toBe(0)
    expect(report.plan.modules.map((m) => m.path).sort()).toEqual(['src/math.ts', 'src/words.ts'])
    expect(report.stages.map((s) => [s.name, s.status])).toEqual([
      ['plan', 'ran'],
      ['baseline', 'ran'],
      ['generate', 'ran'],
      ['deliver', 'not-run']
    ])
  })

  it('accepts explorer tests for every changed module', () => {
    for (const module of report.modules) {
      expect({ path: module.path, status: module.status, framework: module.framework }).toEqual({
        path: module.path,
        status: 'done',
        framework
      })
      const accepted = module.candidates.filter((c) => c.verdict.status === 'accepted')
      expect(accepted.length).toBeGreaterThanOrEqual(1)
      expect(accepted.every((c) => c.strategy === 'explorer')).toBe(true)
      expect(accepted.every((c) => c.tests > 0 && c.addedLines > 0)).toBe(true)
    }
    expect(report.totals.accepted).toBeGreaterThanOrEqual(2)
  })

  it('writes each test file at the placement the analysis chose, with the code the report holds', async () => {
    const analyses = await analyzeModules(
      project.root,
      report.modules.map((m) => ({
        path: m.path,
        status: 'modified' as const,
        binary: false,
        lines: [{ start: 1, end: 1000 }]
      })),
      { framework }
    )
    expect(analyses).toHaveLength(2)
    for (const analysis of analyses) {
      const module = report.modules.find((m) => m.path === analysis.path)
      expect(module?.testFile).toBe(analysis.placement.testPath)
      const written = report.tests.find((t) => t.module === analysis.path)
      expect(written?.path).toBe(analysis.placement.testPath)
      expect(existsSync(join(project.root, analysis.placement.testPath))).toBe(true)
      expect(await project.read(analysis.placement.testPath)).toBe(written?.code)
    }
    expect(report.delivery.files.sort()).toEqual(report.tests.map((t) => t.path).sort())
  })

  it('changes nothing but the new test files (git status)', async () => {
    const expected = report.tests.map((t) => `?? ${t.path}`).sort()
    expect(expected.length).toBe(2)
    expect((await project.status()).sort()).toEqual(expected)
  })

  it('the written tests pass when we run the framework ourselves, and raise coverage', () => {
    const before = project.runFramework(['tests/math.test.ts'])
    expect(before.exitCode).toBe(0)
    const after = project.runFramework(['tests/math.test.ts', ...report.tests.map((t) => t.path)])
    expect(after.output).not.toMatch(/\bFAIL\b/)
    expect(after.exitCode).toBe(0)
    expect(after.failed).toBe(0)
    expect(after.passed).toBeGreaterThan(before.passed)
    expect(after.lines.total).toBeGreaterThan(0)
    expect(after.lines.covered).toBeGreaterThan(before.lines.covered)
    expect(after.linePct.get('src/words.ts')).toBeGreaterThanOrEqual(80)
    expect(after.linePct.get('src/math.ts')).toBe(100)
    // the report's own figures agree on the direction
    const totals = report.totals
    expect(totals.coverageAfter!.lines.pct).toBeGreaterThan(totals.coverageBefore!.lines.pct)
    expect(totals.patchCoverageAfter!.lines.pct).toBeGreaterThan(
      totals.patchCoverageBefore!.lines.pct
    )
  })
})

describe('SECURITY 23: a PR that turns the test dir into a symlink into .github', () => {
  let project: RunProject
  let report: Report

  beforeAll(async () => {
    project = await createRunProject({
      framework: 'vitest',
      base: {
        'src/math.ts': MATH_BASE,
        'tests/math.test.ts': existingTest('vitest'),
        '.github/workflows/ci.yml': 'on: push\n'
      },
      head: { 'src/words.ts': WORDS },
      beforeHeadCommit: async (root) => {
        await rm(join(root, 'tests'), { recursive: true })
        await symlink('.github/workflows', join(root, 'tests'))
      }
    })
    // test-dir comes from the base branch's config: the PR cannot move it, only swap what is there
    report = await project.run({
      llm: { provider: 'explorer' },
      stabilityRuns: 1,
      testDir: 'tests'
    })
  }, 240_000)

  afterAll(async () => {
    await project?.remove()
  })

  it('writes nothing through the symlink, and says why', async () => {
    expect(ReportSchema.safeParse(report).success).toBe(true)
    expect(await readdir(join(project.root, '.github', 'workflows'))).toEqual(['ci.yml'])
    expect(await project.status()).toEqual([])
    expect(report.tests).toEqual([])
    expect(report.modules.map((m) => m.status)).toEqual(['failed'])
    expect(report.errors).toEqual([
      expect.objectContaining({
        module: 'src/words.ts',
        code: 'UNSAFE_TEST_PATH',
        message: expect.stringMatching(/symlink that leads into a protected directory/)
      })
    ])
  })
})

describe('one module failing never loses another module’s accepted tests', () => {
  let project: RunProject
  let report: Report

  beforeAll(async () => {
    project = await createRunProject({
      framework: 'vitest',
      base: {
        'src/math.ts': MATH_BASE,
        'tests/math.test.ts': existingTest('vitest'),
        '.github/workflows/ci.yml': 'on: push\n'
      },
      head: { 'src/math.ts': MATH_HEAD, 'src/text/words.ts': WORDS },
      // Only words.ts's test directory is unsafe: its final write fails, math.ts's does not.
      beforeHeadCommit: async (root) => {
        await symlink('../.github/workflows', join(root, 'tests', 'text'))
      }
    })
    report = await project.run({
      llm: { provider: 'explorer' },
      stabilityRuns: 1,
      testDir: 'tests',
      concurrency: 2
    })
  }, 240_000)

  afterAll(async () => {
    await project?.remove()
  })

  it('reports the failed module with its error and keeps the other’s test', async () => {
    expect(ReportSchema.safeParse(report).success).toBe(true)
    const status = Object.fromEntries(report.modules.map((m) => [m.path, m.status]))
    expect(status).toEqual({ 'src/math.ts': 'done', 'src/text/words.ts': 'failed' })
    expect(report.errors).toEqual([
      expect.objectContaining({ module: 'src/text/words.ts', code: 'UNSAFE_TEST_PATH' })
    ])
    expect(report.tests.map((t) => t.path)).toEqual(['tests/math.testmaster.test.ts'])
    expect(await project.status()).toEqual(['?? tests/math.testmaster.test.ts'])
    const run = project.runFramework(['tests/math.testmaster.test.ts'])
    expect(run.failed).toBe(0)
    expect(run.passed).toBeGreaterThan(0)
    expect(await readdir(join(project.root, '.github', 'workflows'))).toEqual(['ci.yml'])
  })
})
