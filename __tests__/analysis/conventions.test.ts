import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import ts from 'typescript'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import { detectPackage } from '../../src/analysis/detect-package.js'
import { readModuleFacts } from '../../src/analysis/module-facts.js'
import { isGeneratedTestPath, placeTest, TestIndex } from '../../src/analysis/test-location.js'

let root: string
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'tm-conventions-')))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), content)
  }
}

describe('detectPackage', () => {
  it('finds the nearest package and reads manager, type and framework', async () => {
    await write({
      'package.json': JSON.stringify({ name: 'root', packageManager: 'bun@1.2.0' }),
      'apps/web/package.json': JSON.stringify({ name: 'web', type: 'module' }),
      'apps/web/vitest.config.ts': 'export default {}\n',
      'apps/api/package.json': JSON.stringify({ name: 'api', jest: { testEnvironment: 'node' } }),
      'tools/cli/package.json': JSON.stringify({ name: 'cli' }),
      'tools/cli/npm-shrinkwrap.json': '{}'
    })
    expect(detectPackage(root, 'apps/web/src/deep/x.ts')).toEqual({
      root: 'apps/web',
      name: 'web',
      packageManager: 'bun',
      framework: 'vitest',
      moduleType: 'esm'
    })
    expect(detectPackage(root, 'apps/api/index.js')).toMatchObject({
      root: 'apps/api',
      framework: 'jest',
      moduleType: 'cjs'
    })
    expect(detectPackage(root, 'tools/cli/main.ts')).toMatchObject({
      packageManager: 'npm',
      framework: undefined
    })
    expect(detectPackage(root, 'scripts/x.ts')).toMatchObject({ root: '', name: 'root' })
    expect(detectPackage(root, 'tools/cli/main.ts', 'vitest').framework).toBe('vitest')
  })

  it('falls back to the workspace root for the framework', async () => {
    await write({
      'package.json': JSON.stringify({ name: 'root', devDependencies: { jest: '30' } }),
      'yarn.lock': '',
      'packages/a/package.json': JSON.stringify({ name: 'a' })
    })
    expect(detectPackage(root, 'packages/a/src/a.ts')).toMatchObject({
      root: 'packages/a',
      framework: 'jest',
      packageManager: 'yarn'
    })
  })
})

describe('test placement', () => {
  it('mirrors a separate test/ tree and keeps .ts import extensions when the tests do', async () => {
    await write({
      'package.json': JSON.stringify({
        name: 'p',
        type: 'module',
        devDependencies: { vitest: '5' }
      }),
      'test/src/a.test.ts': "import { a } from '../../src/a.ts'\n",
      'test/src/lib/b.test.ts': "import { b } from '../../../src/lib/b.ts'\n",
      'src/a.ts': 'export const a = 1\n',
      'src/lib/b.ts': 'export const b = 1\n',
      'src/lib/c.ts': 'export const c = 1\n'
    })
    const index = TestIndex.build(root, '')
    expect(index.conventions).toMatchObject({
      layout: 'separate',
      separateRoot: 'test',
      mirrorsSrc: true,
      suffix: 'test',
      extension: 'ts',
      explicitImports: false
    })
    expect(
      placeTest(index, {
        modulePath: 'src/lib/c.ts',
        packageRoot: '',
        framework: 'vitest',
        extensionRequired: true
      })
    ).toEqual({
      testPath: 'test/src/lib/c.testmaster.test.ts',
      importSpecifier: '../../../src/lib/c.ts',
      explicitImports: false,
      existingTests: []
    })
    expect(
      placeTest(index, {
        modulePath: 'src/lib/b.ts',
        packageRoot: '',
        framework: 'vitest',
        extensionRequired: true
      }).existingTests
    ).toEqual(['test/src/lib/b.test.ts'])
  })

  it("defaults to co-located tests, and never counts earlier generated tests as the user's", async () => {
    await write({
      'package.json': JSON.stringify({ name: 'p' }),
      'src/x.ts': 'export const x = 1\n',
      'src/x.testmaster.test.ts': "import { x } from './x'\n"
    })
    const index = TestIndex.build(root, '')
    const placement = placeTest(index, {
      modulePath: 'src/x.ts',
      packageRoot: '',
      framework: 'jest',
      extensionRequired: false
    })
    expect(placement).toEqual({
      testPath: 'src/x.testmaster.test.ts',
      importSpecifier: './x',
      explicitImports: false,
      existingTests: []
    })
    expect(isGeneratedTestPath(placement.testPath)).toBe(true)
    expect(isGeneratedTestPath('src/x.test.ts')).toBe(false)
  })

  it('gives a .cjs module an ESM test under vitest (it cannot be required): .mjs when the tests are', async () => {
    await write({
      'package.json': JSON.stringify({ name: 'p', type: 'module' }),
      'src/pad.cjs': 'module.exports = { pad: (n) => String(n) }\n',
      'test/slug.test.mjs': "import { it } from 'vitest'\n"
    })
    const index = TestIndex.build(root, '')
    const input = { modulePath: 'src/pad.cjs', packageRoot: '', extensionRequired: true }
    expect(placeTest(index, { ...input, framework: 'vitest' })).toMatchObject({
      testPath: 'test/pad.testmaster.test.mjs',
      importSpecifier: '../src/pad.cjs'
    })
    // jest requires it from a .cjs test, as the module is written
    expect(placeTest(index, { ...input, framework: 'jest' }).testPath).toBe(
      'test/pad.testmaster.test.cjs'
    )
  })
})

describe('existing tests through the import graph', () => {
  it('follows re-exports, helpers, the package name and tsconfig paths aliases', async () => {
    await write({
      'packages/lib/package.json': JSON.stringify({ name: '@acme/lib' }),
      'packages/lib/tsconfig.json':
        '{ // comments are allowed\n "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["src/*"], "#config": ["src/config.ts"] } } }',
      'packages/lib/src/math.ts': 'export const add = (a: number, b: number) => a + b\n',
      'packages/lib/src/other.ts': 'export const other = 1\n',
      'packages/lib/src/config.ts': 'export const config = {}\n',
      'packages/lib/src/index.ts': "export * from './math.js'\nexport * from './other'\n",
      'packages/lib/src/deep/helper.ts': "import '../index'\n",
      'packages/lib/test/index.test.ts': "import { add } from '../src'\n",
      'packages/lib/test/helper.test.ts': "const h = require('../src/deep/helper.ts')\n",
      'packages/lib/test/alias.test.ts': "import { add } from '@lib/math'\n",
      'packages/lib/test/config.test.ts': "import { config } from '#config'\n",
      'packages/lib/test/by-name.test.ts': "import { add } from '@acme/lib'\n",
      'packages/lib/test/unrelated.test.ts':
        "import { other } from '../src/other.js'\nimport x from 'lodash'\n",
      'packages/lib/test/math.testmaster.test.ts': "import { add } from '../src/math.js'\n"
    })
    const index = TestIndex.build(root, 'packages/lib')
    expect(index.testsOf('packages/lib/src/math.ts')).toEqual([
      'packages/lib/test/alias.test.ts',
      'packages/lib/test/by-name.test.ts',
      'packages/lib/test/helper.test.ts',
      'packages/lib/test/index.test.ts'
    ])
    expect(index.testsOf('packages/lib/src/config.ts')).toEqual([
      'packages/lib/test/by-name.test.ts',
      'packages/lib/test/config.test.ts'
    ])
  })
})

describe('module facts', () => {
  const facts = (code: string, fileName = '/m.ts'): ReturnType<typeof readModuleFacts> =>
    readModuleFacts(
      ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true),
      (s) => `resolved:${s}`
    )

  it('hints network, child processes, randomness and env', () => {
    expect(
      facts(
        "import { spawn } from 'node:child_process'\nexport const f = () => fetch('http://x')\n"
      ).sideEffects
    ).toEqual(['network', 'child-process'])
    expect(
      facts(
        "import axios from 'axios'\nexport const id = () => crypto.randomUUID() + import.meta.env.X\n"
      ).sideEffects
    ).toEqual(['network', 'random', 'env'])
    expect(
      facts('export const pure = (a: number) => a * 2\nexport const d = new Date(0)\n').sideEffects
    ).toEqual([])
  })

  it('lists ESM, CJS and dynamic imports with their names', () => {
    const esm = facts(
      "import def, { a as b, c } from './x.js'\nimport * as ns from 'lodash'\nexport * from './y.js'\nconst m = await import('./z.js')\n"
    )
    expect(esm.syntax).toBe('esm')
    expect(esm.imports).toEqual([
      {
        specifier: './x.js',
        kind: 'relative',
        resolvedPath: 'resolved:./x.js',
        names: ['default', 'a', 'c']
      },
      { specifier: 'lodash', kind: 'package', names: ['*'] },
      { specifier: './y.js', kind: 'relative', resolvedPath: 'resolved:./y.js', names: ['*'] },
      { specifier: './z.js', kind: 'relative', resolvedPath: 'resolved:./z.js', names: ['*'] }
    ])
    const cjs = facts(
      "const { join, dirname } = require('path')\nconst x = require('./x').y\nmodule.exports = { join }\n",
      '/m.js'
    )
    expect(cjs.syntax).toBe('cjs')
    expect(cjs.imports).toEqual([
      { specifier: 'path', kind: 'builtin', names: ['join', 'dirname'] },
      { specifier: './x', kind: 'relative', resolvedPath: 'resolved:./x', names: ['y'] }
    ])
  })
})

describe('analyzeModules without a tsconfig', () => {
  it('analyses plain JS and TS with default options, one package each', async () => {
    await write({
      'package.json': JSON.stringify({ name: 'plain', type: 'module' }),
      'src/a.js':
        '/** @param {number} n @returns {number} */\nexport function twice(n) {\n  return n * 2\n}\n',
      'src/b.ts': "import { twice } from './a.js'\nexport const four = (): number => twice(2)\n"
    })
    const [a, b] = await analyzeModules(root, [
      { path: 'src/a.js', status: 'added', binary: false, lines: [{ start: 1, end: 4 }] },
      { path: 'src/b.ts', status: 'added', binary: false, lines: [{ start: 1, end: 2 }] }
    ])
    expect(a?.exports[0]?.signatures?.[0]?.text).toBe('twice(n: number): number')
    expect(a?.placement.importSpecifier).toBe('./a.js')
    expect(b?.imports[0]?.resolvedPath).toBe('src/a.js')
    expect(b?.exports[0]?.signatures?.[0]?.text).toBe('four(): number')
  })

  it('fails clearly on a module missing from the work tree', async () => {
    await write({ 'package.json': '{}' })
    await expect(
      analyzeModules(root, [
        { path: 'src/gone.ts', status: 'modified', binary: false, lines: [{ start: 1, end: 1 }] }
      ])
    ).rejects.toMatchObject({ code: 'ANALYSIS_FILE_MISSING' })
  })
})
