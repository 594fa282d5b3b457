/**
 * Analysis of a real TypeScript package we did not write: the source of gpt-tokenizer@4 (shipped
 * in its npm tarball under src/, installed in our node_modules), put under git with a base commit
 * and a change to three modules. The export lists are checked against an independent oracle (the
 * `export` declarations found in the source text), the signatures against the source as written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type {
  ExportedSymbol,
  ModuleAnalysis,
  SignatureModel
} from '../../src/analysis/module-model.js'
import { buildPlan, type Plan } from '../../src/analysis/plan.js'
import { formatTypeModel } from '../../src/analysis/type-model.js'
import { GitRepository } from '../../src/git/repository.js'
import {
  createGitSandbox,
  createWorkRepo,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

const require = createRequire(import.meta.url)
const packageDir = dirname(require.resolve('gpt-tokenizer/package.json'))

function sig(signature: SignatureModel | undefined): string {
  if (!signature) return '<none>'
  const params = signature.parameters
    .map((p) => `${p.name}${p.optional ? '?' : ''}: ${formatTypeModel(p.type)}`)
    .join(', ')
  return `(${params}) => ${formatTypeModel(signature.returns)}`
}

/** Independent oracle: names declared with `export <keyword> <name>` at the top level. */
function declaredExports(source: string): string[] {
  const pattern =
    /^export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|const|let|var|class|type|interface|enum)\s+([A-Za-z_$][\w$]*)/gm
  return [...source.matchAll(pattern)].map((m) => m[1] ?? '').sort()
}

let sandbox: GitSandbox
let work: WorkRepo
let plan: Plan

async function edit(path: string, from: string, to: string): Promise<void> {
  const file = join(work.dir, path)
  const text = await readFile(file, 'utf8')
  if (!text.includes(from)) throw new Error(`gpt-tokenizer changed: '${from}' not in ${path}`)
  await writeFile(file, text.replace(from, to))
}

beforeAll(async () => {
  const version = (
    JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string }
  ).version
  expect(version).toMatch(/^4\./)
  sandbox = await createGitSandbox()
  work = await createWorkRepo(sandbox)
  // The generated BPE rank tables (megabytes of data) are left out; nothing analysed imports them.
  await cp(join(packageDir, 'src'), join(work.dir, 'src'), {
    recursive: true,
    filter: (path) => !/[\\/](?:bpeRanks|model|__snapshots__)(?:[\\/]|$)/.test(path)
  })
  await cp(join(packageDir, 'package.json'), join(work.dir, 'package.json'))
  const base = await work.commit('gpt-tokenizer source')
  await edit('src/util.ts', 'return string.replace(', 'return String(string).replace(')
  await edit(
    'src/utfUtil.ts',
    'export function compareUint8Arrays(a: Uint8Array, b: Uint8Array): number {',
    'export function compareUint8Arrays(a: Uint8Array, b: Uint8Array): number {\n  if (a === b) return 0'
  )
  await edit(
    'src/BytePairEncodingCore.ts',
    '  setMergeCacheSize(newSize: number): void {',
    '  setMergeCacheSize(newSize: number): void {\n    if (newSize < 0) throw new RangeError(String(newSize))'
  )
  await work.commit('change three modules')
  plan = await buildPlan({
    repo: await GitRepository.open(work.dir),
    base,
    head: 'HEAD',
    paths: [],
    exclude: [],
    estimate: (_module, source) => ({ promptTokens: source.length, costUsd: 0 })
  })
})

afterAll(async () => {
  await sandbox.cleanup()
})

function module(path: string): ModuleAnalysis {
  const found = plan.modules.find((m) => m.analysis.path === path)?.analysis
  if (!found)
    throw new Error(`${path} not planned: ${plan.modules.map((m) => m.analysis.path).join(', ')}`)
  return found
}

function exported(path: string, name: string): ExportedSymbol {
  const found = module(path).exports.find((e) => e.name === name)
  if (!found) throw new Error(`${name} not exported by ${path}`)
  return found
}

describe('plan of a change to gpt-tokenizer@4 (real TypeScript source)', () => {
  it('lists the changed modules, dependencies first', () => {
    const order = plan.modules.map((m) => m.analysis.path)
    expect([...order].sort()).toEqual([
      'src/BytePairEncodingCore.ts',
      'src/utfUtil.ts',
      'src/util.ts'
    ])
    expect(order.at(-1)).toBe('src/BytePairEncodingCore.ts')
    expect(plan.skipped).toEqual([])
  })

  it.each(['src/util.ts', 'src/utfUtil.ts', 'src/BytePairEncodingCore.ts'])(
    'lists exactly the exports declared in %s',
    async (path) => {
      const source = await readFile(join(work.dir, path), 'utf8')
      expect(
        module(path)
          .exports.map((e) => e.name)
          .sort()
      ).toEqual(declaredExports(source))
    }
  )

  it('describes the package: ESM, yarn, vitest (through vite-plus), co-located tests with .js imports', () => {
    expect(module('src/util.ts')).toMatchObject({
      language: 'ts',
      moduleFormat: 'esm',
      package: {
        root: 'src',
        name: 'gpt-tokenizer',
        packageManager: 'yarn',
        framework: 'vitest',
        moduleType: 'esm'
      },
      placement: {
        testPath: 'src/util.testmaster.test.ts',
        importSpecifier: './util.js',
        explicitImports: true
      }
    })
  })

  it('resolves the signatures as written in the source', () => {
    expect(sig(exported('src/util.ts', 'getMaxValueFromMap').signatures?.[0])).toBe(
      '(map: Map) => number'
    )
    expect(exported('src/util.ts', 'getMaxValueFromMap').signatures?.[0]?.text).toBe(
      'getMaxValueFromMap(map: Map<unknown, number>): number'
    )
    expect(sig(exported('src/util.ts', 'escapeRegExp').signatures?.[0])).toBe(
      '(string: string) => string'
    )
    expect(sig(exported('src/util.ts', 'getSpecialTokenRegex').signatures?.[0])).toBe(
      '(tokens: Set) => RegExp'
    )
    expect(sig(exported('src/utfUtil.ts', 'isAscii').signatures?.[0])).toBe(
      '(codePoint: number) => boolean'
    )
    expect(
      sig(exported('src/utfUtil.ts', 'endsWithIncompleteUtfPairSurrogate').signatures?.[0])
    ).toBe('(string: string) => boolean')
    expect(sig(exported('src/utfUtil.ts', 'tryConvertToString').signatures?.[0])).toBe(
      '(arr: class Uint8Array) => undefined | string'
    )
    expect(sig(exported('src/utfUtil.ts', 'compareUint8Arrays').signatures?.[0])).toBe(
      '(a: class Uint8Array, b: class Uint8Array) => number'
    )
  })

  it('marks the changed exports only', () => {
    expect(
      module('src/util.ts')
        .exports.filter((e) => e.changed)
        .map((e) => e.name)
    ).toEqual(['escapeRegExp'])
    expect(
      module('src/utfUtil.ts')
        .exports.filter((e) => e.changed)
        .map((e) => e.name)
    ).toEqual(['compareUint8Arrays'])
  })

  it('describes the class: its public API, not its private members', () => {
    const core = exported('src/BytePairEncodingCore.ts', 'BytePairEncodingCore')
    expect(core.kind).toBe('class')
    expect(core.members?.map((m) => `${m.kind} ${m.name}`)).toEqual([
      'property mergeableBytePairRankCount',
      'method setMergeCacheSize',
      'method clearMergeCache',
      'method encodeNativeGenerator',
      'method encodeNative',
      'method countNative',
      'method decodeNativeGenerator',
      'method decodeNative',
      'method decodeNativeAsyncIterable'
    ])
    expect(core.members?.filter((m) => m.changed).map((m) => m.name)).toEqual(['setMergeCacheSize'])
    const encode = core.members?.find((m) => m.name === 'encodeNative')
    expect(sig(encode?.signature)).toBe('(text: string, allowedSpecial?: Set) => number[]')
    const params = core.constructorSignature?.parameters[0]?.type
    expect(params && formatTypeModel(params)).toBe(
      'BytePairEncodingConfig { bytePairRankDecoder: (string | number[])[]; specialTokensEncoder?: Map; tokenSplitRegex: RegExp; mergeCacheSize?: number }'
    )
    expect(exported('src/BytePairEncodingCore.ts', 'BytePairEncodingConfig').kind).toBe('interface')
    expect(exported('src/BytePairEncodingCore.ts', 'RawBytePairRanks').kind).toBe('type')
    expect(module('src/BytePairEncodingCore.ts').imports.map((i) => i.resolvedPath)).toEqual([
      'src/constants.ts',
      'src/utfUtil.ts',
      'src/util.ts'
    ])
  })
})
