import { afterAll, describe, expect, it } from '@jest/globals'
import { cp, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import { buildGeneratePrompt } from '../../src/llm/prompts/generate-prompt.js'
import type { ModuleAnalysis } from '../../src/analysis/module-model.js'
import ts from 'typescript'
import {
  commonJsMain,
  frameworkImportLine,
  importInstruction,
  learnTestModuleStyle,
  moduleImportLines,
  namedImportLine,
  testScriptNodeFlags,
  type TestModuleStyle
} from '../../src/analysis/module-style.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/**
 * The test module style learned from small projects of each shape users have
 * (`__tests__/fixtures/module-shapes`), read by the real analysis: a CommonJS JavaScript package,
 * a jest + ts-jest TypeScript package without `"type": "module"`, a `.cjs` module, an ESM package,
 * babel-jest; then the import lines, the instruction for a model, and the Node flags of a test
 * script.
 */

const SHAPES = join(REPO_ROOT, '__tests__', 'fixtures', 'module-shapes')
const temps: string[] = []
afterAll(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function copyShape(shape: string): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), `tm-style-${shape}-`)))
  temps.push(root)
  await cp(join(SHAPES, shape), root, { recursive: true })
  return root
}

async function analyze(root: string, path: string): Promise<ModuleAnalysis> {
  const [module] = await analyzeModules(root, [
    { path, status: 'modified', binary: false, lines: [{ start: 1, end: 100 }] }
  ])
  if (!module) throw new Error(`no analysis of ${path}`)
  return module
}

const styleOf = async (shape: string, path: string): Promise<TestModuleStyle> =>
  (await analyze(await copyShape(shape), path)).testStyle

describe('learnTestModuleStyle on fixture projects', () => {
  it('a .js test of a CommonJS package with no transform requires module.exports', async () => {
    const style = await styleOf('js-cjs', 'src/temperature.js')
    expect(style).toMatchObject({ language: 'js', loader: 'require', exports: 'whole' })
  })

  it('a module of exports.x assignments is still reached through one binding', async () => {
    const style = await styleOf('js-cjs', 'src/strings.js')
    expect(style).toMatchObject({ loader: 'require', exports: 'whole' })
  })

  it('a .cjs module gets a .cjs test that requires it', async () => {
    const module = await analyze(await copyShape('js-cjs'), 'src/padding.cjs')
    expect(module.placement.testPath).toMatch(/\.testmaster\.test\.cjs$/)
    expect(module.testStyle).toMatchObject({ loader: 'require', exports: 'whole' })
  })

  it('a ts-jest TypeScript module with named exports, in a package without type module, is imported by name', async () => {
    const style = await styleOf('ts-jest-cjs', 'src/money.ts')
    expect(style).toMatchObject({ language: 'ts', loader: 'import', exports: 'named' })
  })

  it('an ESM package imports', async () => {
    const style = await styleOf('js-esm', 'src/range.js')
    expect(style).toMatchObject({ language: 'js', loader: 'import', exports: 'named' })
  })

  it('babel-jest follows the import style of the repo’s own tests', async () => {
    const style = await styleOf('babel-cjs', 'src/queue.js')
    expect(style).toMatchObject({ loader: 'import', exports: 'named' })
    expect(style.evidence).toContain("the repo's JavaScript tests use import")
  })

  it('babel-jest with tests that require keeps require', async () => {
    const root = await copyShape('babel-cjs')
    await writeFile(
      join(root, 'tests', 'queue.test.js'),
      "const { default: Queue } = require('../src/queue')\n\ntest('q', () => expect(new Queue(1).push(1)).toBe(1))\n"
    )
    expect((await analyze(root, 'src/queue.js')).testStyle.loader).toBe('require')
  })

  it('the same ESM-syntax .js module without a babel config is required (jest cannot convert it)', async () => {
    const root = await copyShape('babel-cjs')
    await rm(join(root, 'babel.config.js'))
    await rm(join(root, 'tests', 'queue.test.js'))
    expect((await analyze(root, 'src/queue.js')).testStyle.loader).toBe('require')
  })

  it('an explicit transform without a converting transformer does not convert', async () => {
    const root = await copyShape('babel-cjs')
    await writeFile(join(root, 'jest.config.js'), 'module.exports = { transform: {} }\n')
    expect((await analyze(root, 'src/queue.js')).testStyle.loader).toBe('require')
  })
})

describe('learnTestModuleStyle decisions', () => {
  const base = {
    repoRoot: SHAPES,
    packageRoot: 'js-cjs',
    framework: 'jest' as const,
    moduleSyntax: 'cjs' as const
  }

  it('a .mjs test always imports', () => {
    expect(
      learnTestModuleStyle({ ...base, testPath: 'js-cjs/tests/x.testmaster.test.mjs' }).loader
    ).toBe('import')
  })

  it('vitest always imports, and default-imports module.exports', () => {
    const style = learnTestModuleStyle({
      ...base,
      framework: 'vitest',
      testPath: 'js-cjs/tests/x.testmaster.test.js'
    })
    expect(style).toMatchObject({ loader: 'import', exports: 'whole', wholeImport: 'default' })
  })

  it('a TypeScript test of a CommonJS module without esModuleInterop uses import * as', () => {
    const style = learnTestModuleStyle({
      ...base,
      testPath: 'js-cjs/tests/x.testmaster.test.ts',
      compilerOptions: { strict: true }
    })
    expect(style.wholeImport).toBe('namespace')
    expect(moduleImportLines(style, './x', { named: [], whole: 'x' })).toEqual([
      "import * as x from './x'"
    ])
  })

  it('with esModuleInterop (or allowSyntheticDefaultImports) it default-imports', () => {
    for (const compilerOptions of [
      { esModuleInterop: true },
      { allowSyntheticDefaultImports: true }
    ])
      expect(
        learnTestModuleStyle({ ...base, testPath: 'js-cjs/t/x.test.ts', compilerOptions })
          .wholeImport
      ).toBe('default')
  })
})

describe('moduleImportLines', () => {
  const style = (over: Partial<TestModuleStyle>): TestModuleStyle => ({
    language: 'js',
    loader: 'import',
    exports: 'named',
    wholeImport: 'default',
    evidence: [],
    ...over
  })

  it('imports by name, with the default export first', () => {
    expect(
      moduleImportLines(style({}), '../src/range.js', { named: ['range', 'a'], whole: 'sum' })
    ).toEqual(["import sum, { a, range } from '../src/range.js'"])
  })

  it('requires by name, the default export as a property', () => {
    expect(
      moduleImportLines(style({ loader: 'require' }), '../src/queue', {
        named: ['isQueueable'],
        whole: 'Queue'
      })
    ).toEqual(["const { default: Queue, isQueueable } = require('../src/queue')"])
  })

  it('binds module.exports once', () => {
    expect(
      moduleImportLines(style({ loader: 'require', exports: 'whole' }), '../src/temperature', {
        named: [],
        whole: 'temperature'
      })
    ).toEqual(["const temperature = require('../src/temperature')"])
    expect(
      moduleImportLines(style({ exports: 'whole' }), './x.js', { named: [], whole: 'x' })
    ).toEqual(["import x from './x.js'"])
  })

  it('writes nothing for a module the test does not use', () => {
    expect(moduleImportLines(style({}), './x', { named: [] })).toEqual([])
  })

  it('the framework API and sibling names follow the loader', () => {
    const required = style({ loader: 'require' })
    expect(frameworkImportLine(required, 'jest')).toBe(
      "const { describe, expect, it } = require('@jest/globals')"
    )
    expect(frameworkImportLine(style({}), 'vitest')).toBe(
      "import { describe, expect, it } from 'vitest'"
    )
    expect(namedImportLine(required, './tier', ['Tier'])).toBe("const { Tier } = require('./tier')")
  })
})

describe('importInstruction', () => {
  it('tells a model to require a CommonJS module and says what module.exports is', () => {
    const text = importInstruction(
      { language: 'js', loader: 'require', exports: 'whole', wholeImport: 'default', evidence: [] },
      '../src/temperature',
      'convert',
      { named: ['isUnit'], main: { kind: 'function', name: 'convert' } }
    )
    expect(text).toContain('```js')
    expect(text).toContain("`const convert = require('../src/temperature')`")
    expect(text).toContain('module.exports is the function convert')
    expect(text).toContain('convert.isUnit')
    expect(text).toContain('never import statements')
  })

  it('tells a model never to default-import a TypeScript module with named exports only', () => {
    const text = importInstruction(
      { language: 'ts', loader: 'import', exports: 'named', wholeImport: 'default', evidence: [] },
      '../src/money',
      'money',
      { named: ['formatCents', 'Wallet'] }
    )
    expect(text).toContain('```ts')
    expect(text).toContain("`import { Wallet, formatCents } from '../src/money'`")
    expect(text).toContain('never default-import it')
  })

  it('describes an ES5 constructor and a UMD factory as what they are, not as constants', () => {
    const style = {
      language: 'js',
      loader: 'require',
      exports: 'whole',
      wholeImport: 'default',
      evidence: []
    } as const
    expect(
      importInstruction(style, './index', 'EventEmitter', {
        named: ['prefixed'],
        main: { kind: 'constructor', name: 'EventEmitter' }
      })
    ).toContain(
      'its module.exports is the ES5 constructor EventEmitter (construct it with new; its methods are on the prototype); reach its other exports as properties (EventEmitter.prefixed)'
    )
    expect(
      importInstruction(style, './tinycolor', 'tinycolor', {
        named: [],
        main: { kind: 'factory', name: 'tinycolor' }
      })
    ).toContain('the factory tinycolor (works with or without new')
  })
})

describe('commonJsMain: what module.exports is', () => {
  const shapeOf = (source: string) =>
    commonJsMain(ts.createSourceFile('x.js', source, ts.ScriptTarget.ES2022, true))

  it('an ES5 constructor with prototype methods', () => {
    expect(
      shapeOf(
        'function EventEmitter() { this.n = 0 }\nEventEmitter.prototype.on = function () {}\nmodule.exports = EventEmitter\n'
      )
    ).toEqual({ kind: 'constructor', name: 'EventEmitter' })
  })

  it('a UMD factory that works without new', () => {
    const umd = `(function (root) {
  function tinycolor(color) {
    if (!(this instanceof tinycolor)) return new tinycolor(color)
    this.color = color
  }
  tinycolor.prototype = { toHex: function () { return this.color } }
  if (typeof module !== 'undefined' && module.exports) {
    module.exports = tinycolor
  } else {
    root.tinycolor = tinycolor
  }
})(this)
`
    expect(shapeOf(umd)).toEqual({ kind: 'factory', name: 'tinycolor' })
  })

  it('a function with properties, an arrow, a class and an object', () => {
    expect(
      shapeOf(
        'function bytes(v) { return v }\nmodule.exports = bytes\nmodule.exports.parse = bytes\n'
      )
    ).toEqual({ kind: 'function', name: 'bytes' })
    expect(shapeOf('module.exports = async (input) => input\n')).toEqual({ kind: 'function' })
    expect(shapeOf('class Queue {}\nmodule.exports = Queue\n')).toEqual({
      kind: 'class',
      name: 'Queue'
    })
    expect(shapeOf('module.exports = { pad: function () {} }\n')).toEqual({ kind: 'object' })
    expect(shapeOf('exports = module.exports = createApp\nfunction createApp() {}\n')).toEqual({
      kind: 'function',
      name: 'createApp'
    })
  })

  it('nothing to say for a call, a require, or no module.exports', () => {
    expect(shapeOf("module.exports = require('./other')\n")).toBeUndefined()
    expect(shapeOf('exports.a = 1\n')).toBeUndefined()
  })

  it('reaches the prompt through the analysis of a CommonJS package', async () => {
    const root = await copyShape('js-cjs')
    const module = await analyze(root, 'src/temperature.js')
    expect(module.testStyle.main).toEqual({ kind: 'function', name: 'convert' })
    const [system, user] = buildGeneratePrompt({
      module,
      source: await readFile(join(root, 'src/temperature.js'), 'utf8')
    })
    expect(system?.content).toContain('```js, as the request says')
    expect(user?.content).toContain('answer with one ```js fenced block')
    expect(user?.content).toContain("`const convert = require('../src/temperature')`")
    expect(user?.content).toContain('convert.isUnit')
  })
})

describe('testScriptNodeFlags', () => {
  async function packageWith(scripts: Record<string, string>): Promise<string> {
    const root = await realpath(await mkdtemp(join(tmpdir(), 'tm-flags-')))
    temps.push(root)
    await writeFile(join(root, 'package.json'), JSON.stringify({ scripts }))
    return root
  }

  it('a plain jest script gives no flags', async () => {
    expect(testScriptNodeFlags(await packageWith({ test: 'jest' }))).toEqual([])
  })

  it('reads NODE_OPTIONS, also behind cross-env and quotes', async () => {
    expect(
      testScriptNodeFlags(
        await packageWith({ test: 'NODE_OPTIONS=--experimental-vm-modules jest' })
      )
    ).toEqual(['--experimental-vm-modules'])
    expect(
      testScriptNodeFlags(
        await packageWith({
          test: 'cross-env NODE_OPTIONS="--experimental-vm-modules --no-warnings" jest --ci'
        })
      )
    ).toEqual(['--experimental-vm-modules', '--no-warnings'])
  })

  it('reads the flags of a node invocation and follows one npm run hop', async () => {
    expect(
      testScriptNodeFlags(
        await packageWith({
          test: 'npm run test:unit',
          'test:unit': 'node --experimental-vm-modules -r ./setup.js node_modules/jest/bin/jest.js'
        })
      )
    ).toEqual(['--experimental-vm-modules', '--require=./setup.js'])
  })

  it('leaves out flags outside the pass list', async () => {
    expect(
      testScriptNodeFlags(
        await packageWith({ test: 'node --inspect-brk=0.0.0.0:9229 --expose-gc jest' })
      )
    ).toEqual(['--expose-gc'])
  })

  it('a package with no package.json or no test script gives no flags', async () => {
    expect(testScriptNodeFlags(join(tmpdir(), 'tm-no-such-package'))).toEqual([])
    expect(testScriptNodeFlags(await packageWith({ build: 'tsc' }))).toEqual([])
  })
})
