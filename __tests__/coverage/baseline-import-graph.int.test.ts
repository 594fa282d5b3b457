import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { placeTest, TestIndex } from '../../src/analysis/test-location.js'
import { measureBaseline } from '../../src/coverage/baseline.js'
import { coverageFigures } from '../../src/coverage/coverage-figures.js'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import type { TestRunner } from '../../src/runner/test-runner.js'
import {
  createFixtureProject,
  REPO_ROOT,
  type FixtureName,
  type FixtureProject
} from '../helpers/fixture-project.js'

const run = promisify(execFile)
const TIMEOUT_MS = 120_000

/*
 * A suite that never imports src/math.ts itself: it imports src/index.ts, which re-exports it,
 * and a helper that uses it. The baseline must be what the repository's own coverage run reports
 * for src/math.ts, not zero.
 */
const CASES: ReadonlyArray<{
  fixture: FixtureName
  framework: 'jest' | 'vitest'
  vitestImport: string
  ownCoverage: readonly string[]
}> = [
  {
    fixture: 'jest-ts-esm',
    framework: 'jest',
    vitestImport: '',
    ownCoverage: [
      join(REPO_ROOT, 'node_modules/jest/bin/jest.js'),
      '--coverage',
      '--coverageReporters=json-summary',
      '--collectCoverageFrom=src/math.ts'
    ]
  },
  {
    fixture: 'vitest-esm',
    framework: 'vitest',
    vitestImport: "import { describe, it, expect } from 'vitest'\n",
    ownCoverage: [
      join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--coverage.enabled',
      '--coverage.reporter=json-summary',
      '--coverage.include=src/math.ts'
    ]
  }
]

describe.each(CASES)(
  'coverage before through the import graph ($fixture)',
  ({ fixture, framework, vitestImport, ownCoverage }) => {
    let project: FixtureProject
    let runner: TestRunner

    beforeAll(async () => {
      project = await createFixtureProject(fixture)
      // Only the suite below: the fixture's hanging and failing tests are for other tests.
      await rm(project.path('tests'), { recursive: true })
      await project.write('src/index.ts', "export * from './math.js'\n")
      await project.write(
        'src/describe.ts',
        "import { classify } from './math.js'\nexport const describeNumber = (n: number): string => `${n} is ${classify(n)}`\n"
      )
      await project.write(
        'tests/index.test.ts',
        `${vitestImport}import { add, classify } from '../src/index.js'\n\ndescribe('through the index', () => {\n  it('adds', () => {\n    expect(add(1, 2)).toBe(3)\n  })\n  it('classifies', () => {\n    expect(classify(-1)).toBe('negative')\n  })\n})\n`
      )
      await project.write(
        'tests/helper.test.ts',
        `${vitestImport}import { describeNumber } from '../src/describe.js'\n\nit('describes', () => {\n  expect(describeNumber(0)).toBe('0 is zero')\n})\n`
      )
      // Our own earlier output is never the user's test.
      await project.write(
        'tests/math.testmaster.test.ts',
        `${vitestImport}import { classify } from '../src/math.js'\n\nit('large', () => {\n  expect(classify(1000)).toBe('large')\n})\n`
      )
      runner = await createTestRunner({ framework, packageRoot: project.root })
    })
    afterAll(async () => {
      await runner?.close()
      await project?.remove()
    })

    it("finds the repository's tests that reach the module through an index or a helper", () => {
      const placement = placeTest(TestIndex.build(project.root, ''), {
        modulePath: 'src/math.ts',
        packageRoot: '',
        framework,
        extensionRequired: true
      })
      expect(placement.existingTests).toEqual(['tests/helper.test.ts', 'tests/index.test.ts'])
    })

    it("matches the repository's own coverage run within a point", async () => {
      const placement = placeTest(TestIndex.build(project.root, ''), {
        modulePath: 'src/math.ts',
        packageRoot: '',
        framework,
        extensionRequired: true
      })
      // The repository's own run, without the file we generated earlier.
      await rm(project.path('tests/math.testmaster.test.ts'))
      const math = project.path('src/math.ts')
      const baseline = await measureBaseline(
        runner,
        placement.existingTests.map((p) => project.path(p)),
        [math],
        TIMEOUT_MS
      )
      const ours = coverageFigures(baseline, math)
      await run(process.execPath, ownCoverage, {
        cwd: project.root,
        env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules', CI: 'true' },
        timeout: TIMEOUT_MS
      })
      const summary = JSON.parse(
        await readFile(project.path('coverage/coverage-summary.json'), 'utf8')
      ) as Record<string, { lines: { pct: number }; branches: { pct: number } }>
      const theirs = Object.entries(summary).find(([file]) => file.endsWith('math.ts'))?.[1]
      expect(theirs).toBeDefined()
      // add, classify(-1) and classify(0) run: everything but the last line's branches.
      expect(ours.lines.pct).toBeGreaterThan(50)
      expect(Math.abs(ours.lines.pct - (theirs?.lines.pct ?? -100))).toBeLessThanOrEqual(1)
      expect(Math.abs(ours.branches.pct - (theirs?.branches.pct ?? -100))).toBeLessThanOrEqual(1)
    })
  }
)
