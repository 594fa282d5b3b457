import { afterAll, describe, expect, it } from '@jest/globals'
import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import type { RunResult, TestFileResult, TestRunner } from '../../src/runner/test-runner.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/**
 * Our warm jest gives a test the Node flags of the repo's own test script and no others, so its
 * verdict is the one the repo's `npm test` gives: ESM syntax in a CommonJS package's .js test fails
 * here as it fails there, and an ESM package passes only because its own script asks for
 * `--experimental-vm-modules`.
 */

const SHAPES = join(REPO_ROOT, '__tests__', 'fixtures', 'module-shapes')
const RUN_TIMEOUT_MS = 60_000
const temps: string[] = []
const runners: TestRunner[] = []
afterAll(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()))
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function copyShape(shape: string): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), `tm-flags-${shape}-`)))
  temps.push(root)
  await cp(join(SHAPES, shape), root, { recursive: true })
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  return root
}

async function runOne(root: string, file: string): Promise<TestFileResult> {
  const runner = await createTestRunner({ framework: 'jest', packageRoot: root })
  runners.push(runner)
  const result: RunResult = await runner.run({
    testFiles: [join(root, file)],
    timeoutMs: RUN_TIMEOUT_MS
  })
  if (result.status !== 'completed') throw new Error(`${result.status}: ${result.output}`)
  const [only] = result.files
  if (!only) throw new Error('no file result')
  return only
}

const IMPORTING_TEST = `import convert from '../src/temperature'

test('converts', () => {
  expect(convert(100, 'C', 'F')).toBe(212)
})
`

const REQUIRING_TEST = `const convert = require('../src/temperature')

test('converts', () => {
  expect(convert(100, 'C', 'F')).toBe(212)
})
`

describe('the jest runner uses the Node flags of the repo’s own test script', () => {
  it(
    'an import in a .js test of a CommonJS package fails, as under plain jest',
    async () => {
      const root = await copyShape('js-cjs')
      await writeFile(join(root, 'tests', 'esm.test.js'), IMPORTING_TEST)
      const result = await runOne(root, 'tests/esm.test.js')
      expect(result.status).not.toBe('passed')
      expect(result.failureMessage ?? '').toMatch(
        /Must use import to load ES Module|Cannot use import statement outside a module/
      )
    },
    RUN_TIMEOUT_MS * 2
  )

  it(
    'the same test with require passes',
    async () => {
      const root = await copyShape('js-cjs')
      await writeFile(join(root, 'tests', 'cjs.test.js'), REQUIRING_TEST)
      expect((await runOne(root, 'tests/cjs.test.js')).status).toBe('passed')
    },
    RUN_TIMEOUT_MS * 2
  )

  it(
    'an ESM package passes with the flag its own script gives, and fails without it',
    async () => {
      const root = await copyShape('js-esm')
      expect((await runOne(root, 'tests/range.test.js')).status).toBe('passed')

      const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>
      }
      manifest.scripts.test = 'jest'
      await writeFile(join(root, 'package.json'), JSON.stringify(manifest))
      const without = await runOne(root, 'tests/range.test.js')
      expect(without.status).not.toBe('passed')
      expect(without.failureMessage ?? '').toMatch(
        /Must use import to load ES Module|Cannot use import statement outside a module/
      )
    },
    RUN_TIMEOUT_MS * 2
  )
})
