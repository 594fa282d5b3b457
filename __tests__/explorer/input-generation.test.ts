import { describe, expect, it } from '@jest/globals'
import type { TypeModel } from '../../src/analysis/module-model.js'
import {
  candidatesFor,
  type Candidate,
  type InputContext
} from '../../src/generate/strategies/explorer/input-generation.js'
import { regexLiterals, sampleRegex } from '../../src/generate/strategies/explorer/regex-samples.js'
import {
  extractLiterals,
  extractPropertyValues
} from '../../src/generate/strategies/explorer/source-literals.js'

const context: InputContext = {
  literals: [],
  exportedEnums: new Set(['Color']),
  exportedClasses: new Set(['Cart']),
  pool: []
}

function literals(candidates: readonly Candidate[]): unknown[] {
  return candidates.flatMap((c) =>
    c.kind === 'recipe' && c.recipe.kind === 'literal' ? [JSON.stringify(c.recipe.value)] : []
  )
}

describe('candidatesFor', () => {
  it('gives numbers a typical value first, then zero, negatives, fractions and NaN', () => {
    const values = literals(candidatesFor({ kind: 'number' }, context)).map(
      (v) => JSON.parse(v as string).v
    )
    expect(values[0]).toBe('1')
    expect(values).toEqual(expect.arrayContaining(['0', '-1', '0.5', 'NaN']))
  })

  it('gives strings empty, blank and unicode values', () => {
    const values = literals(candidatesFor({ kind: 'string' }, context)).map(
      (v) => JSON.parse(v as string).v
    )
    expect(values).toEqual(expect.arrayContaining(['', ' ', 'ünïcødé ✓ 🎉']))
  })

  it('fills an option bag with the values the module compares its options with, first', () => {
    const options = {
      ...context,
      parameterName: 'options',
      propertyHints: new Map([['options', ['quotes', 'wrap']]]),
      propertyValues: new Map([['quotes', ['double', 'backtick']]])
    }
    const values = literals(candidatesFor({ kind: 'any' }, options))
    const double = values.indexOf(
      JSON.stringify({ t: 'object', entries: [['quotes', { t: 'string', v: 'double' }]] })
    )
    const backtick = values.indexOf(
      JSON.stringify({ t: 'object', entries: [['quotes', { t: 'string', v: 'backtick' }]] })
    )
    expect(double).toBeGreaterThanOrEqual(0)
    expect(backtick).toBeGreaterThan(double)
    // Before the generic bags (every key true, and so on).
    const generic = values.findIndex((v) => String(v).includes('"wrap"'))
    expect(double).toBeLessThan(generic)
  })

  it('puts literals found in the module early', () => {
    const withLiterals = { ...context, literals: [{ t: 'string', v: 'SAVE10' } as const] }
    const values = literals(candidatesFor({ kind: 'string' }, withLiterals)).map(
      (v) => JSON.parse(v as string).v
    )
    expect(values.indexOf('SAVE10')).toBeLessThan(4)
  })

  it('tries every member of a literal union, and undefined last for an optional one', () => {
    const type: TypeModel = {
      kind: 'union',
      types: [
        { kind: 'undefined' },
        { kind: 'literal', value: 'a' },
        { kind: 'literal', value: 'b' }
      ]
    }
    const values = literals(candidatesFor(type, context)).map((v) => JSON.parse(v as string))
    expect(values).toEqual([{ t: 'string', v: 'a' }, { t: 'string', v: 'b' }, { t: 'undefined' }])
  })

  it('refers to members of an exported enum by name', () => {
    const type: TypeModel = {
      kind: 'enum',
      name: 'Color',
      members: [{ name: 'Red', value: 'red' }]
    }
    const [first] = candidatesFor(type, context)
    expect(first).toMatchObject({ recipe: { kind: 'enum', enumName: 'Color', member: 'Red' } })
  })

  it('builds callbacks returning generated values and resolved promises', () => {
    const callback: TypeModel = {
      kind: 'function',
      signature: {
        parameters: [],
        returns: { kind: 'boolean' },
        async: false,
        text: '() => boolean'
      }
    }
    expect(candidatesFor(callback, context)[0]).toMatchObject({
      recipe: { kind: 'callback', returns: { kind: 'literal', value: { t: 'boolean', v: true } } }
    })
    expect(candidatesFor({ kind: 'promise', type: { kind: 'number' } }, context)[0]).toMatchObject({
      recipe: { kind: 'promise', value: { kind: 'literal' } }
    })
  })

  it('fills object shapes, with and without optional properties', () => {
    const type: TypeModel = {
      kind: 'object',
      properties: [
        { name: 'id', type: { kind: 'number' }, optional: false },
        { name: 'note', type: { kind: 'string' }, optional: true }
      ]
    }
    const values = literals(candidatesFor(type, context)).map((v) => JSON.parse(v as string))
    expect(values[0]).toEqual({
      t: 'object',
      entries: [
        ['id', { t: 'number', v: '1' }],
        ['note', { t: 'string', v: 'hello' }]
      ]
    })
    expect(values[1]).toEqual({ t: 'object', entries: [['id', { t: 'number', v: '1' }]] })
  })

  it('builds arrays and tuples of their element types', () => {
    const arrays = literals(
      candidatesFor({ kind: 'array', element: { kind: 'number' } }, context)
    ).map((v) => JSON.parse(v as string))
    expect(arrays).toContainEqual({ t: 'array', items: [] })
    const tuples = literals(
      candidatesFor({ kind: 'tuple', elements: [{ kind: 'string' }, { kind: 'boolean' }] }, context)
    ).map((v) => JSON.parse(v as string))
    expect(tuples[0]).toEqual({
      t: 'array',
      items: [
        { t: 'string', v: 'hello' },
        { t: 'boolean', v: true }
      ]
    })
  })

  it('reuses values returned by earlier calls for class-typed parameters', () => {
    const pooled = { ...context, pool: [{ typeKey: 'Cart', keys: ['owner'], id: 7 }] }
    const candidates = candidatesFor({ kind: 'class', name: 'Cart' }, pooled)
    expect(candidates[0]).toEqual({ kind: 'pool', id: 7, category: 'pool:Cart' })
    expect(candidates[1]).toEqual({ kind: 'construct', className: 'Cart', category: 'class:Cart' })
  })
})

describe('extractLiterals', () => {
  it('finds strings and numbers of the module but not import specifiers', () => {
    const source =
      "import { x } from './x.js'\nconst y = require('y')\nif (unit === 'kb') return size * 1024\nexport function f(a = 'dflt') {}"
    const found = extractLiterals(source, 'ts').map((r) => JSON.stringify(r))
    expect(found).toContain(JSON.stringify({ t: 'string', v: 'kb' }))
    expect(found).toContain(JSON.stringify({ t: 'number', v: '1024' }))
    expect(found).toContain(JSON.stringify({ t: 'string', v: 'dflt' }))
    expect(found).not.toContain(JSON.stringify({ t: 'string', v: './x.js' }))
    expect(found).not.toContain(JSON.stringify({ t: 'string', v: 'y' }))
  })

  it('builds delimited groups from the brackets and separators the module looks for', () => {
    const source =
      "if (str.indexOf('{') < 0) return [str]\nconst end = str.indexOf('}')\nparts = body.split(',')\nseq = body.split('..')"
    const strings = extractLiterals(source, 'js').flatMap((r) => (r.t === 'string' ? [r.v] : []))
    expect(strings.slice(0, 2)).toEqual(['a{b,c}d', 'a{1..3}b'])
    // Brackets only concatenated (a regex being built) or compared with are not delimiters.
    const built = extractLiterals(
      "const re = '(' + x + ')'\nif (op === '[' || op === ']') s.split(',')",
      'js'
    )
    expect(built.map((r) => (r.t === 'string' ? r.v : ''))).toEqual(['(', ')', '[', ']', ','])
    // A searched pair without a searched separator gives one plain group.
    expect(extractLiterals("s.indexOf('[') && s.lastIndexOf(']')", 'js')[0]).toEqual({
      t: 'string',
      v: 'a[b]c'
    })
  })
})

describe('extractPropertyValues', () => {
  it('finds the strings each property is compared with, either way round, but not typeof checks', () => {
    const source = [
      "if (options.quotes == 'double') q = '\"'",
      "if ('binary' === opts?.numbers) n = 2",
      "if ('backtick' == this.options.quotes) q = '`'",
      'const strict = o.mode !== "strict"',
      "if (typeof options.quotes === 'string') check()",
      'if (a.b == c) d()'
    ].join('\n')
    expect(extractPropertyValues(source)).toEqual({
      quotes: ['double', 'backtick'],
      numbers: ['binary'],
      mode: ['strict']
    })
  })
})

describe('sampleRegex', () => {
  it('gives strings that match the regexes of the module', () => {
    for (const source of ['^([A-Z]{3})-(\\d+)$', '^(\\d+)(ms|s|m|h)$', '^[^a-z]+\\s?\\w*$']) {
      const samples = sampleRegex(source)
      expect(samples.length).toBeGreaterThan(0)
      for (const sample of samples) expect(sample).toMatch(new RegExp(source))
    }
  })

  it('SECURITY 36: gives nothing, at once, for repetitions too long to sample', () => {
    for (const source of [
      '^(?:){99999999999999}x$',
      '^a{400000000}$',
      '(?:(?:(?:(?:(?:(?:){80}){80}){80}){80}){80})'
    ])
      expect(sampleRegex(source)).toEqual([])
  })

  it('gives nothing for syntax it does not understand', () => {
    expect(sampleRegex('(a)\\1')).toEqual([])
  })

  it('finds regex literals in the source, not divisions', () => {
    expect(
      regexLiterals('const a = b / c / d\nif (/^x+$/i.test(s)) return s.split(/,\\s*/)')
    ).toEqual([
      { source: '^x+$', flags: 'i' },
      { source: ',\\s*', flags: '' }
    ])
  })
})
