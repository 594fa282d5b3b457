import { spawnSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { formatLikeRepository } from '../../src/generate/repository-style.js'
import { createFixtureProject, REPO_ROOT, type FixtureProject } from '../helpers/fixture-project.js'

/**
 * A repository without prettier whose own tests use double quotes and semicolons: the delivered
 * file comes out in that style and still passes under the repository's real jest.
 */

const TIMEOUT_MS = 120_000

const OWN_TEST = [
  'const { add, classify } = require("../src/math");',
  '',
  'describe("math", () => {',
  '  it("adds", () => {',
  '    expect(add(1, 2)).toBe(3);',
  '  });',
  '  it("classifies", () => {',
  '    expect(classify(0)).toBe("zero");',
  '    expect(classify(-1)).toBe("negative");',
  '  });',
  '});',
  ''
].join('\n')

/** What a generator writes: single quotes, no semicolons, quotes and a template inside. */
const GENERATED = [
  "const { add, classify } = require('../src/math')",
  '',
  "describe('classify', () => {",
  "  it('says \\'large\\' past 100', () => {",
  '    const label = classify(101)',
  "    expect(label).toBe('large')",
  "    ;[1, 50].forEach((n) => expect(classify(n)).toBe('positive'))",
  "    expect(`${label}!`).toBe('large!')",
  '  })',
  '  it(\'adds "numbers"\', () => {',
  '    expect(add(2, 2)).toBe(4)',
  '  })',
  '})',
  ''
].join('\n')

describe('formatLikeRepository without prettier', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await createFixtureProject('jest-babel-cjs')
    // The fixture's own tests are replaced by ones in a double-quote, semicolon style.
    await rm(project.path('tests'), { recursive: true, force: true })
    await project.write('tests/math.test.js', OWN_TEST)
  })

  afterAll(async () => {
    await project?.remove()
  })

  it(
    "delivers the file in the style of the repository's own tests, and it passes under jest",
    async () => {
      const path = project.path('tests/math.testmaster.test.js')
      const styled = await formatLikeRepository(GENERATED, path, {
        repoRoot: project.root,
        packageRoot: project.root
      })
      expect(styled).toBe(
        [
          'const { add, classify } = require("../src/math");',
          '',
          'describe("classify", () => {',
          '  it("says \'large\' past 100", () => {',
          '    const label = classify(101);',
          '    expect(label).toBe("large");',
          // The no-semicolon guard before `[` moves to the end of the line above.
          '    [1, 50].forEach((n) => expect(classify(n)).toBe("positive"));',
          '    expect(`${label}!`).toBe("large!");',
          '  });',
          '  it(\'adds "numbers"\', () => {',
          '    expect(add(2, 2)).toBe(4);',
          '  });',
          '});',
          ''
        ].join('\n')
      )
      await project.write('tests/math.testmaster.test.js', styled)
      const run = spawnSync(
        process.execPath,
        [join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', 'tests/'],
        {
          cwd: project.root,
          encoding: 'utf8',
          env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0' },
          timeout: TIMEOUT_MS
        }
      )
      const output = `${run.stdout}${run.stderr}`
      expect(output).toContain('Tests:       4 passed, 4 total')
      expect(run.status).toBe(0)
    },
    TIMEOUT_MS * 2
  )
})
