import { describe, expect, it, beforeAll } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import type {
  ExportedSymbol,
  ModuleAnalysis,
  SignatureModel
} from '../../src/analysis/module-model.js'
import { formatTypeModel } from '../../src/analysis/type-model.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'analysis')

/** The 1-based line of the first line containing `needle` in a fixture file. */
function lineOf(project: string, path: string, needle: string): number {
  const index = readFileSync(join(fixtures, project, path), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle))
  if (index < 0) throw new Error(`'${needle}' not in ${path}`)
  return index + 1
}

/** `(a: number, b?: string = 1) => number` with async marked: compact and exact. */
function sig(signature: SignatureModel | undefined): string {
  if (!signature) return '<none>'
  const params = signature.parameters
    .map(
      (p) =>
        `${p.rest ? '...' : ''}${p.name}${p.optional ? '?' : ''}: ${formatTypeModel(p.type)}${p.defaultText ? ` = ${p.defaultText}` : ''}`
    )
    .join(', ')
  return `${signature.async ? 'async ' : ''}(${params}) => ${formatTypeModel(signature.returns)}`
}

function byName(module: ModuleAnalysis | undefined, name: string): ExportedSymbol {
  const found = module?.exports.find((e) => e.name === name)
  if (!found)
    throw new Error(
      `no export ${name} in ${module?.path}: ${module?.exports.map((e) => e.name).join(', ')}`
    )
  return found
}

describe('analyzeModules on TypeScript', () => {
  let kinds: ModuleAnalysis | undefined
  let shapes: ModuleAnalysis | undefined
  beforeAll(async () => {
    const changedAdd = lineOf('types-ts', 'src/kinds.ts', 'return a + b')
    const changedIncrement = lineOf('types-ts', 'src/shapes.ts', 'this.count += this.step')
    ;[kinds, shapes] = await analyzeModules(join(fixtures, 'types-ts'), [
      {
        path: 'src/kinds.ts',
        status: 'modified',
        binary: false,
        lines: [{ start: changedAdd, end: changedAdd }]
      },
      {
        path: 'src/shapes.ts',
        status: 'modified',
        binary: false,
        lines: [{ start: changedIncrement, end: changedIncrement }]
      }
    ])
  })

  it('describes the module, its package and its test placement', () => {
    expect(kinds).toMatchObject({
      path: 'src/kinds.ts',
      language: 'ts',
      moduleFormat: 'esm',
      package: {
        root: '',
        name: 'types-ts',
        packageManager: 'npm',
        framework: 'vitest',
        moduleType: 'esm'
      },
      placement: {
        testPath: 'src/kinds.testmaster.test.ts',
        importSpecifier: './kinds.js',
        explicitImports: true,
        existingTests: []
      }
    })
    expect(kinds?.imports).toEqual([
      {
        specifier: './shapes.js',
        kind: 'relative',
        resolvedPath: 'src/shapes.ts',
        names: ['Counter', 'Color', 'Point', 'Shape']
      },
      { specifier: 'node:fs', kind: 'builtin', names: ['readFileSync'] },
      {
        specifier: './reexported.js',
        kind: 'relative',
        resolvedPath: 'src/reexported.ts',
        names: ['*']
      }
    ])
    expect(kinds?.sideEffects).toEqual(['fs', 'timers', 'date', 'random', 'env'])
    expect(shapes?.sideEffects).toEqual([])
  })

  it.each([
    ['add', '(a: number, b: number) => number'],
    ['literals', '(mode: "fast" | "slow", level: 1 | 2 | 3, flag: true) => "ok" | "no"'],
    ['unions', '(value: null | string | number, maybe?: boolean) => undefined | string'],
    ['arrays', '(items: string[], matrix: number[][]) => number'],
    ['tuples', '(pair: [string, number]) => [number, string]'],
    [
      'shapes',
      '(point: Point { x: number; y: number; label?: string }, shape: { kind: "circle"; radius: number } | { kind: "square"; side: number }, options?: { deep?: boolean; tags: string[] } = { tags: [] }) => number'
    ],
    ['enums', '(color: enum Color) => enum Color'],
    ['promises', 'async (ms: number) => Promise<string[]>'],
    [
      'callbacks',
      '(items: number[], map: (item: number, index: number) => string, done?: (error: null | class Error) => void) => string[]'
    ],
    [
      'instances',
      '(counter: class Counter, when: Date, pattern: RegExp, lookup: Map, seen: Set) => class Counter'
    ],
    ['rest', '(first: string, ...others: number[]) => number'],
    ['arrow', '(name: string, times?: number = 2) => string'],
    ['bigs', '(value: bigint, key: symbol) => unknown'],
    ['default', '(argv: string[]) => void']
  ])('resolves the signature of %s', (name, expected) => {
    const symbol = byName(kinds, name)
    expect(symbol.kind).toBe('function')
    expect(symbol.signatures).toHaveLength(1)
    expect(sig(symbol.signatures?.[0])).toBe(expected)
  })

  it('keeps the source text of signatures for prompts', () => {
    expect(byName(kinds, 'add').signatures?.[0]?.text).toBe('add(a: number, b: number): number')
    expect(byName(kinds, 'add').jsDoc).toBe(
      '/**\n * Primitives in, primitive out.\n * @param a first\n */'
    )
  })

  it('lists overloads first and the implementation last', () => {
    const parse = byName(kinds, 'parse')
    expect(parse.signatures?.map(sig)).toEqual([
      '(input: string) => number',
      '(input: number) => string',
      '(input: string | number) => string | number'
    ])
    expect(parse.lines).toEqual({
      start: lineOf('types-ts', 'src/kinds.ts', 'export function parse(input: string): number'),
      end: lineOf('types-ts', 'src/kinds.ts', 'export const arrow') - 2
    })
  })

  it('types constants: literals for const, widened for let, shapes and records', () => {
    expect(byName(kinds, 'VERSION')).toMatchObject({
      kind: 'const',
      type: { kind: 'literal', value: '1.2.3' }
    })
    expect(byName(kinds, 'LIMIT')).toMatchObject({
      kind: 'const',
      type: { kind: 'literal', value: 42 }
    })
    expect(byName(kinds, 'mutable')).toMatchObject({ kind: 'const', type: { kind: 'number' } })
    expect(formatTypeModel(byName(kinds, 'FLAGS').type ?? { kind: 'never' })).toBe(
      '{ verbose: true; depth: 2 }'
    )
    expect(byName(kinds, 'TABLE').type).toEqual({
      kind: 'record',
      key: { kind: 'string' },
      value: { kind: 'number' }
    })
  })

  it('marks exactly the exports holding changed lines', () => {
    expect(kinds?.exports.filter((e) => e.changed).map((e) => e.name)).toEqual(['add'])
    const counter = byName(shapes, 'Counter')
    expect(counter.changed).toBe(true)
    expect(counter.members?.filter((m) => m.changed).map((m) => m.name)).toEqual(['increment'])
  })

  it('describes enums with their member values, and types and interfaces', () => {
    expect(byName(shapes, 'Color')).toMatchObject({
      kind: 'enum',
      type: {
        kind: 'enum',
        name: 'Color',
        members: [
          { name: 'Red', value: 'red' },
          { name: 'Green', value: 'green' }
        ]
      }
    })
    expect(byName(shapes, 'Level').type).toEqual({
      kind: 'enum',
      name: 'Level',
      members: [
        { name: 'Low', value: 0 },
        { name: 'High', value: 10 }
      ]
    })
    expect(byName(shapes, 'Point')).toMatchObject({
      kind: 'interface',
      jsDoc: '/** A point on the plane. */'
    })
    expect(byName(shapes, 'Shape').kind).toBe('type')
  })

  it('describes a class: constructor and public members only', () => {
    const counter = byName(shapes, 'Counter')
    expect(counter.kind).toBe('class')
    expect(sig(counter.constructorSignature)).toBe(
      '(start?: number = 0, step?: number) => class Counter'
    )
    expect(
      counter.members?.map(
        (m) =>
          `${m.static ? 'static ' : ''}${m.kind} ${m.name}: ${m.signature ? sig(m.signature) : formatTypeModel(m.type ?? { kind: 'never' })}`
      )
    ).toEqual([
      'static property instances: number',
      'property count: number',
      'method increment: () => number',
      'getter doubled: number',
      'setter value: number',
      'static method create: () => class Counter',
      'property step: undefined | number'
    ])
  })

  it('lists what a subclass inherits and does not override, with the class it comes from', () => {
    const ten = byName(shapes, 'TenCounter')
    expect(
      ten.members?.map(
        (m) =>
          `${m.static ? 'static ' : ''}${m.kind} ${m.name}${m.inheritedFrom ? ` < ${m.inheritedFrom}` : ''}: ${m.signature ? sig(m.signature) : formatTypeModel(m.type ?? { kind: 'never' })}`
      )
    ).toEqual([
      'method increment: () => number',
      'method reset: () => void',
      'property count < Counter: number',
      'property step < Counter: undefined | number',
      'getter doubled < Counter: number',
      'setter value < Counter: number',
      'static property instances < Counter: number',
      'static method create < Counter: () => class Counter'
    ])
    expect(ten.members?.filter((m) => m.inheritedFrom).every((m) => !m.changed)).toBe(true)
    // A base from the runtime's declarations (Error) is not listed member by member.
    expect(byName(shapes, 'CodedError').members?.map((m) => m.name)).toEqual(['code'])
    // An inherited arrow-function field is a method, as an own one is.
    expect(
      byName(shapes, 'Ticker').members?.map((m) => `${m.kind} ${m.name}: ${sig(m.signature)}`)
    ).toEqual(['method onTick: (n: number) => number'])
  })

  it('places star re-exports on their export statement', () => {
    const line = lineOf('types-ts', 'src/kinds.ts', "export * from './reexported.js'")
    expect(byName(kinds, 'fromStar')).toMatchObject({
      kind: 'const',
      lines: { start: line, end: line },
      changed: false,
      type: { kind: 'literal', value: 'star' }
    })
  })

  it('follows re-exports to the class they name', () => {
    const re = byName(kinds, 'ReCounter')
    expect(re).toMatchObject({ kind: 'class', localName: 'Counter' })
    expect(re.members?.map((m) => m.name)).toContain('increment')
  })
})

describe('analyzeModules on JavaScript with JSDoc', () => {
  let calc: ModuleAnalysis | undefined
  let esm: ModuleAnalysis | undefined
  beforeAll(async () => {
    const changed = lineOf('types-js', 'lib/calc.js', 'this.items.push(value)')
    ;[calc, esm] = await analyzeModules(join(fixtures, 'types-js'), [
      {
        path: 'lib/calc.js',
        status: 'modified',
        binary: false,
        lines: [{ start: changed, end: changed }]
      },
      { path: 'lib/esm.mjs', status: 'added', binary: false, lines: [{ start: 1, end: 23 }] }
    ])
  })

  it('reads a CommonJS module.exports object', () => {
    expect(calc).toMatchObject({
      language: 'js',
      moduleFormat: 'cjs',
      package: { framework: 'jest', moduleType: 'cjs' },
      placement: {
        testPath: 'lib/calc.testmaster.test.js',
        importSpecifier: './calc',
        explicitImports: false
      }
    })
    expect(calc?.exports.map((e) => `${e.name}:${e.kind}`)).toEqual([
      'add:function',
      'run:function',
      'filterRows:function',
      'Stack:class',
      'Mode:const',
      'readConfig:function'
    ])
    expect(calc?.sideEffects).toEqual(['fs'])
    expect(calc?.imports).toEqual([{ specifier: 'fs', kind: 'builtin', names: ['*'] }])
  })

  it('takes types from JSDoc', () => {
    expect(sig(byName(calc, 'add').signatures?.[0])).toBe('(a: number, b: number) => number')
    expect(sig(byName(calc, 'run').signatures?.[0])).toBe(
      'async (mode: "fast" | "slow", label?: null | string) => Promise<string[]>'
    )
    expect(sig(byName(calc, 'filterRows').signatures?.[0])).toBe(
      '(rows: { id: number; name?: string }[], keep: (row: { id: number }) => boolean) => [number, string][]'
    )
    expect(byName(calc, 'add').jsDoc).toContain('Adds two numbers.')
    expect(formatTypeModel(byName(calc, 'Mode').type ?? { kind: 'never' })).toBe(
      '{ On: string; Off: string }'
    )
  })

  it('describes a JS class and which member changed', () => {
    const stack = byName(calc, 'Stack')
    expect(sig(stack.constructorSignature)).toBe('(capacity?: number = 10) => class Stack')
    expect(
      stack.members?.map((m) => `${m.kind} ${m.name}${m.changed ? ' (changed)' : ''}`)
    ).toEqual(['method push (changed)', 'getter size', 'property items', 'property capacity'])
    expect(
      stack.members?.slice(2).map((m) => formatTypeModel(m.type ?? { kind: 'never' }))
    ).toEqual(['number[]', 'number'])
    expect(calc?.exports.filter((e) => e.changed).map((e) => e.name)).toEqual(['Stack'])
  })

  it('reads an ES module .mjs with a default class', () => {
    expect(esm).toMatchObject({
      moduleFormat: 'esm',
      placement: { testPath: 'lib/esm.testmaster.test.mjs', importSpecifier: './esm.mjs' }
    })
    expect(sig(byName(esm, 'greet').signatures?.[0])).toBe(
      '(name: string, options?: { loud?: boolean } = {}) => string'
    )
    expect(byName(esm, 'PRIMES').type).toEqual({ kind: 'array', element: { kind: 'number' } })
    const greeter = byName(esm, 'default')
    expect(greeter).toMatchObject({ kind: 'class', localName: 'Greeter' })
    expect(sig(greeter.constructorSignature)).toBe('(prefix: string) => class Greeter')
    expect(greeter.members?.map((m) => `${m.kind} ${m.name}`)).toEqual([
      'method greet',
      'property prefix'
    ])
    expect(sig(greeter.members?.[0]?.signature)).toBe('(name: string) => string')
  })
})

describe('symbol-keyed members', () => {
  it('never appear under TypeScript internal names (__@name@id): they are left out', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const root = await mkdtemp(join(tmpdir(), 'tm-symbols-'))
    try {
      await writeFile(join(root, 'package.json'), '{ "name": "symbols", "type": "module" }\n')
      await writeFile(
        join(root, 'tsconfig.json'),
        '{ "compilerOptions": { "strict": true, "target": "ES2022", "module": "ESNext", "moduleResolution": "Bundler" } }\n'
      )
      const source = [
        "export const protocolRelative: unique symbol = Symbol('protocolRelative')",
        "const matcher: unique symbol = Symbol('matcher')",
        'export interface Options {',
        '  [protocolRelative]?: boolean',
        '  strict?: boolean',
        '}',
        'export function parse(input: string, options: Options = {}): string {',
        '  return options.strict ? input.trim() : input',
        '}',
        'export class Pattern {',
        '  [matcher](text: string): boolean {',
        '    return text.length > 0',
        '  }',
        '  *[Symbol.iterator](): Generator<string> {',
        "    yield 'a'",
        '  }',
        '  test(text: string): boolean {',
        '    return this[matcher](text)',
        '  }',
        '}',
        ''
      ].join('\n')
      await writeFile(join(root, 'parse.ts'), source)
      const [module] = await analyzeModules(root, [
        { path: 'parse.ts', status: 'added', binary: false, lines: [{ start: 1, end: 20 }] }
      ])
      expect(JSON.stringify(module)).not.toContain('__@')
      expect(byName(module, 'Pattern').members?.map((m) => m.name)).toEqual(['test'])
      const options = byName(module, 'parse').signatures?.[0]?.parameters[1]?.type
      expect(formatTypeModel(options ?? { kind: 'never' })).toBe('Options { strict?: boolean }')
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
