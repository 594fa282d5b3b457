import { spawnSync } from 'node:child_process'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { deliverTests, type DeliveryInput } from '../../src/generate/deliver-tests.js'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import { RepoCommandRunner } from '../../src/runner/repo-command-runner.js'
import type { TestRunner } from '../../src/runner/test-runner.js'
import { createFixtureProject, REPO_ROOT, type FixtureProject } from '../helpers/fixture-project.js'

/**
 * From accepted candidates to delivered files, on real jest and vitest fixture projects: merging
 * one candidate at a time loses no passing test, and the final check through the repository's own
 * command cuts what fails there, quoting the real error.
 */

const TIMEOUT_MS = 120_000

/** The user's own `npm test` on the files, as their CI runs it: exit code and output. */
function npxJest(root: string, files: readonly string[]): { code: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--ci',
      '--config',
      'jest.ci.config.js',
      ...files
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0' },
      timeout: TIMEOUT_MS
    }
  )
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}

async function generatedFiles(project: FixtureProject): Promise<string[]> {
  return (await readdir(project.path('tests'))).filter((f) => f.includes('testmaster')).sort()
}

describe('deliverTests on a CommonJS jest project whose test script names its own config', () => {
  let project: FixtureProject
  let warm: TestRunner
  let own: RepoCommandRunner
  const input = (accepted: DeliveryInput['accepted']): DeliveryInput => ({
    accepted,
    finalPath: project.path('tests/math.testmaster.test.js'),
    repoRoot: project.root,
    runner: warm,
    finalCheck: { runner: own, description: own.description },
    timeoutMs: TIMEOUT_MS,
    signal: new AbortController().signal
  })

  beforeAll(async () => {
    project = await createFixtureProject('jest-babel-cjs')
    // CI runs `jest --config jest.ci.config.js`, which transforms nothing: there `import` in a
    // .js test of this CommonJS package cannot load. The default config (babel) would pass it.
    await project.write(
      'package.json',
      JSON.stringify({
        name: 'p',
        private: true,
        scripts: { test: 'jest --config jest.ci.config.js' }
      })
    )
    await project.write(
      'jest.ci.config.js',
      "module.exports = { testEnvironment: 'node', transform: {} }\n"
    )
    await rm(project.path('tests'), { recursive: true })
    warm = await createTestRunner({ framework: 'jest', packageRoot: project.root })
    own = RepoCommandRunner.create({ framework: 'jest', packageRoot: project.root })
  })

  afterAll(async () => {
    await warm.close()
    await own.close()
    await project.remove()
  })

  it('drops a candidate with ESM syntax that our warm runner passes and the repo command cannot load, quoting the error', async () => {
    const esm =
      "import { add } from '../src/math'\n\nit('adds', () => {\n  expect(add(1, 2)).toBe(3)\n})\n"
    const cjs =
      "const { classify } = require('../src/math')\n\nit('classifies zero', () => {\n  expect(classify(0)).toBe('zero')\n})\n"
    // The premise: the warm runner (our fast path) passes the ESM file.
    const scratch = await project.write('tests/premise.test.js', esm)
    const premise = await warm.run({ testFiles: [scratch], timeoutMs: TIMEOUT_MS })
    await rm(scratch)
    expect(premise.status === 'completed' && premise.files[0]?.status).toBe('passed')

    const delivery = await deliverTests(
      input([
        { id: 'explorer-1', code: esm },
        { id: 'llm-2', code: cjs }
      ])
    )

    const esmFate = delivery.fates.get('explorer-1')
    expect(esmFate?.rejected).toMatch(
      /^fails under the repository's own jest \(--config=jest\.ci\.config\.js\): Must use import to load ES Module: tests\/math\.testmaster\.test\.js$/
    )
    expect(esmFate?.rejected).not.toMatch(/Test suite failed to run|exited unexpectedly/)
    expect(esmFate?.file).toBeUndefined()
    expect(delivery.fates.get('llm-2')).toMatchObject({ tests: 1, dropped: [] })
    expect(delivery.fates.get('llm-2')?.rejected).toBeUndefined()
    expect(delivery.lostTests).toBe(true)
    // What is delivered is what passes under the user's own command, and nothing else is left.
    const files = delivery.files.map((f) => f.path)
    expect(npxJest(project.root, files).code).toBe(0)
    expect(await generatedFiles(project)).toEqual(
      files.map((f) => f.slice(project.path('tests/').length)).sort()
    )
    for (const file of files) await rm(file)
  })

  it('cuts the one failing test out of a candidate and keeps the other tests', async () => {
    const code = [
      "const { add, classify } = require('../src/math')",
      '',
      "describe('math', () => {",
      "  it('adds', () => {",
      '    expect(add(1, 2)).toBe(3)',
      '  })',
      "  describe('classify', () => {",
      "    it('classifies a negative', () => {",
      "      expect(classify(-1)).toBe('negative')",
      '    })',
      "    it('classifies zero wrongly', () => {",
      "      expect(classify(0)).toBe('positive')",
      '    })',
      "    it('classifies a large number', () => {",
      "      expect(classify(1000)).toBe('large')",
      '    })',
      '  })',
      '})',
      ''
    ].join('\n')
    const delivery = await deliverTests(input([{ id: 'explorer-1', code }]))

    const fate = delivery.fates.get('explorer-1')
    expect(fate?.rejected).toBeUndefined()
    expect(fate?.tests).toBe(3)
    expect(fate?.dropped).toEqual([
      {
        name: 'math > classify > classifies zero wrongly',
        error: expect.stringMatching(
          /^expect\(received\)\.toBe\(expected\).*Expected: "positive".*Received: "zero"/
        )
      }
    ])
    const [file] = delivery.files
    expect(file?.code).not.toContain('classifies zero wrongly')
    expect(file?.code).toContain('classifies a large number')
    const run = npxJest(project.root, [file!.path])
    expect(run.code).toBe(0)
    expect(run.output).toMatch(/Tests:\s+3 passed, 3 total/)
    await rm(file!.path)
  })

  it('keeps both of two candidates that mock the same module differently, in two files', async () => {
    await project.write('src/dep.js', "module.exports = { value: () => 'real' }\n")
    await project.write(
      'src/uses-dep.js',
      "const dep = require('./dep')\nmodule.exports = { show: () => `value ${dep.value()}` }\n"
    )
    const mocking = (value: string): string =>
      [
        `jest.mock('../src/dep', () => ({ value: () => '${value}' }))`,
        "const { show } = require('../src/uses-dep')",
        '',
        `it('shows ${value}', () => {`,
        `  expect(show()).toBe('value ${value}')`,
        '})',
        ''
      ].join('\n')
    const delivery = await deliverTests(
      input([
        { id: 'llm-1', code: mocking('one') },
        { id: 'llm-2', code: mocking('two') }
      ])
    )

    expect(delivery.files.map((f) => f.path)).toEqual([
      project.path('tests/math.testmaster.test.js'),
      project.path('tests/math.testmaster-2.test.js')
    ])
    expect(delivery.fates.get('llm-2')?.note).toMatch(
      /^kept in its own file math\.testmaster-2\.test\.js: with llm-1: both mock '\.\.\/src\/dep', differently/
    )
    expect(delivery.lostTests).toBe(false)
    const run = npxJest(
      project.root,
      delivery.files.map((f) => f.path)
    )
    expect(run.code).toBe(0)
    expect(run.output).toMatch(/Tests:\s+2 passed, 2 total/)
    for (const file of delivery.files) await rm(file.path)
  })

  it('keeps tests delivered earlier in their own numbered file, which new candidates may join', async () => {
    const earlier =
      "const { add } = require('../src/math')\n\nit('adds', () => {\n  expect(add(1, 2)).toBe(3)\n})\n"
    const fresh =
      "const { classify } = require('../src/math')\n\nit('classifies zero', () => {\n  expect(classify(0)).toBe('zero')\n})\n"
    const delivery = await deliverTests(
      input([
        { id: 'previous-2', code: earlier, path: project.path('tests/math.testmaster-2.test.js') },
        { id: 'explorer-1', code: fresh }
      ])
    )
    expect(delivery.files.map((f) => [f.path, f.candidates])).toEqual([
      [project.path('tests/math.testmaster-2.test.js'), ['previous-2', 'explorer-1']]
    ])
    for (const file of delivery.files) await rm(file.path)
  })

  it('merges candidates that import the same binding into one file that passes', async () => {
    const one =
      "const { add } = require('../src/math')\n\nit('adds', () => {\n  expect(add(1, 2)).toBe(3)\n})\n"
    const two =
      "const { add } = require('../src/math')\n\nit('adds negatives', () => {\n  expect(add(-1, -2)).toBe(-3)\n})\n"
    const delivery = await deliverTests(
      input([
        { id: 'explorer-1', code: one },
        { id: 'llm-2', code: two }
      ])
    )
    expect(delivery.files).toHaveLength(1)
    expect(delivery.files[0]?.candidates).toEqual(['explorer-1', 'llm-2'])
    expect(npxJest(project.root, [delivery.files[0]!.path]).output).toMatch(/Tests:\s+2 passed/)
    await rm(delivery.files[0]!.path)
  })
})

describe('deliverTests on a vitest project', () => {
  let project: FixtureProject
  let warm: TestRunner
  let own: RepoCommandRunner

  beforeAll(async () => {
    project = await createFixtureProject('vitest-esm')
    await rm(project.path('tests'), { recursive: true })
    warm = await createTestRunner({ framework: 'vitest', packageRoot: project.root })
    own = RepoCommandRunner.create({ framework: 'vitest', packageRoot: project.root })
  })

  afterAll(async () => {
    await warm.close()
    await own.close()
    await project.remove()
  })

  const input = (accepted: DeliveryInput['accepted']): DeliveryInput => ({
    accepted,
    finalPath: project.path('tests/math.testmaster.test.js'),
    repoRoot: project.root,
    runner: warm,
    finalCheck: { runner: own, description: own.description },
    timeoutMs: TIMEOUT_MS,
    signal: new AbortController().signal
  })
  const file = (imports: string, body: readonly string[]): string =>
    [imports, "import { add, classify } from '../src/math.js'", '', ...body, ''].join('\n')

  it('merges two candidates that import the same names, spelled differently, into one file', async () => {
    const one = file("import { describe, expect, it } from 'vitest'", [
      "describe('add', () => {",
      "  it('adds', () => expect(add(1, 2)).toBe(3))",
      '})'
    ])
    const two = file("import { it, describe, expect } from 'vitest'", [
      "describe('classify', () => {",
      "  it('classifies zero', () => expect(classify(0)).toBe('zero'))",
      '})'
    ])
    const delivery = await deliverTests(
      input([
        { id: 'explorer-1', code: one },
        { id: 'llm-2', code: two }
      ])
    )

    expect(delivery.files.map((f) => f.candidates)).toEqual([['explorer-1', 'llm-2']])
    const check = await own.run({ testFiles: [delivery.files[0]!.path], timeoutMs: TIMEOUT_MS })
    expect(check.status === 'completed' && check.files[0]?.tests.map((t) => t.status)).toEqual([
      'passed',
      'passed'
    ])
    await rm(delivery.files[0]!.path)
  })

  it('a re-run: the earlier file in bare blocks, repeated tests and a clashing helper come out as one describe per function that passes', async () => {
    const earlierBody = [
      'const sum = (a) => add(a, a)',
      "describe('add', () => {",
      "  it('doubles', () => expect(sum(2)).toBe(4))",
      '})'
    ]
    const earlier = [
      "import { describe, expect, it } from 'vitest'",
      "import { add, classify } from '../src/math.js'",
      '',
      '{',
      ...earlierBody,
      '}',
      '',
      '{',
      ...earlierBody,
      "describe('classify', () => {",
      "  it('classifies zero', () => expect(classify(0)).toBe('zero'))",
      '})',
      '}',
      ''
    ].join('\n')
    const next = file("import { describe, expect, it } from 'vitest'", [
      'const sum = (a) => add(a, 1)',
      "describe('add', () => {",
      "  it('adds one', () => expect(sum(2)).toBe(3))",
      '})',
      "describe('classify', () => {",
      "  it('classifies a large number', () => expect(classify(sum(100))).toBe('large'))",
      '})'
    ])
    const delivery = await deliverTests(
      input([
        { id: 'previous', code: earlier, path: project.path('tests/math.testmaster.test.js') },
        { id: 'explorer-1', code: next }
      ])
    )

    expect(delivery.files.map((f) => f.candidates)).toEqual([['previous', 'explorer-1']])
    const delivered = delivery.files[0]!.code
    expect(delivered).not.toMatch(/^\{$/m)
    expect(delivered.match(/^describe\('add'/gm)).toHaveLength(1)
    expect(delivered.match(/^describe\('classify'/gm)).toHaveLength(1)
    expect(delivered).toContain('const sum_2 = (a) => add(a, 1)')
    const check = await own.run({ testFiles: [delivery.files[0]!.path], timeoutMs: TIMEOUT_MS })
    expect(check.status === 'completed' && check.files[0]?.tests.map((t) => t.name)).toEqual([
      'add > doubles',
      'add > adds one',
      'classify > classifies zero',
      'classify > classifies a large number'
    ])
    expect(
      check.status === 'completed' && check.files[0]?.tests.every((t) => t.status === 'passed')
    ).toBe(true)
    await rm(delivery.files[0]!.path)
  })

  it('cuts the one failing test of three at the final check', async () => {
    const code = file("import { describe, expect, it } from 'vitest'", [
      "describe('classify', () => {",
      "  it('classifies zero', () => expect(classify(0)).toBe('zero'))",
      "  it('is wrong about large numbers', () => expect(classify(add(100, 1))).toBe('small'))",
      "  it('classifies a negative', () => expect(classify(-1)).toBe('negative'))",
      '})'
    ])
    const delivery = await deliverTests(input([{ id: 'explorer-1', code }]))

    expect(delivery.fates.get('explorer-1')).toMatchObject({
      tests: 2,
      dropped: [
        {
          name: 'classify > is wrong about large numbers',
          error: expect.stringMatching(/expected 'large' to be 'small'/)
        }
      ]
    })
    const check = await own.run({ testFiles: [delivery.files[0]!.path], timeoutMs: TIMEOUT_MS })
    expect(check.status === 'completed' && check.files[0]?.tests.map((t) => t.name)).toEqual([
      'classify > classifies zero',
      'classify > classifies a negative'
    ])
  })
})
