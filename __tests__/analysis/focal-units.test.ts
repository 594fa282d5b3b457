import { describe, expect, it } from '@jest/globals'
import { outlineModule } from '../../src/analysis/focal-units.js'
import {
  callsToCoverAll,
  FOCAL_SOURCE_TOKENS,
  planFocus,
  renderFocus,
  selectUnits
} from '../../src/llm/prompts/focal-context.js'

const UMD = `/*! thing v1 */
(function (root, factory) {
  if (typeof define === 'function' && define.amd) define([], factory)
  else if (typeof module === 'object' && module.exports) module.exports = factory()
  else root.Thing = factory()
})(this, function () {
  'use strict'
  var DEFAULTS = { step: 1 }

  /** Makes a thing. */
  function Thing(options) {
    this.options = options || DEFAULTS
  }

  /** Adds twice x and the step. */
  Thing.prototype.add = function (x) {
    return twice(x) + this.options.step
  }

  var P = Thing.prototype
  P.sub = function (x) {
    return x - this.options.step
  }

  function twice(x) {
    return x * 2
  }

  return Thing
})
`

const CLASS = `import { clamp } from './clamp.js'

export interface Range {
  readonly low: number
  readonly high: number
}

/** A counter within a range. */
export class Counter {
  private value: number
  constructor(private readonly range: Range) {
    this.value = range.low
  }

  /** One up, at most the high end. */
  up(): number {
    this.value = clamp(this.value + 1, this.range)
    return this.value
  }

  static of(low: number, high: number): Counter {
    return new Counter({ low, high })
  }
}
`

const names = (source: string, path = 'src/x.js') =>
  outlineModule(path, source).units.map((u) => `${u.kind} ${u.name}`)

describe('outlineModule', () => {
  it('reads a UMD factory: the ES5 constructor heads its prototype methods (aliased ones too), inner functions are units, the wrapper is header', () => {
    const outline = outlineModule('thing.js', UMD)
    expect(outline.units.map((u) => `${u.kind} ${u.name} ${u.lines.start}-${u.lines.end}`)).toEqual(
      [
        'constructor Thing 10-13',
        'method Thing.prototype.add 15-18',
        'method Thing.prototype.sub 21-23',
        'function twice 25-27'
      ]
    )
    expect(outline.units.find((u) => u.name === 'Thing.prototype.add')).toMatchObject({
      owner: 'Thing',
      signature: 'Thing.prototype.add = function (x)',
      doc: 'Adds twice x and the step.'
    })
    expect(outline.ownerHeads.get('Thing')).toEqual([{ start: 10, end: 13 }])
    // the wrapper, the constant, the alias and the return stay in the header
    expect(outline.header).toEqual([
      { start: 1, end: 8 },
      { start: 20, end: 20 },
      { start: 29, end: 30 }
    ])
  })

  it('splits a TypeScript class into its methods, headed by the declaration, fields and constructor; types are kept apart', () => {
    const outline = outlineModule('src/counter.ts', CLASS)
    expect(outline.units.map((u) => `${u.kind} ${u.name}`)).toEqual([
      'method Counter#up',
      'method Counter.of'
    ])
    expect(outline.ownerHeads.get('Counter')).toEqual([
      { start: 8, end: 14 },
      { start: 24, end: 24 }
    ])
    expect(outline.types).toEqual([{ name: 'Range', lines: { start: 3, end: 6 } }])
    expect(outline.units[0]!.references).toEqual(expect.arrayContaining(['clamp']))
    expect(outline.header).toEqual([{ start: 1, end: 1 }])
  })

  it('reads CommonJS: exports.x = function, and a long module.exports object of functions', () => {
    const methods = Array.from(
      { length: 30 },
      (_, i) => `  m${i}: function (a) {\n    return a + ${i}\n  },`
    ).join('\n')
    const source = `exports.one = function (a) {\n  return a\n}\nmodule.exports.util = {\n${methods}\n}\n`
    expect(names(source).slice(0, 3)).toEqual([
      'function exports.one',
      'method module.exports.util.m0',
      'method module.exports.util.m1'
    ])
    expect(names(source)).toHaveLength(31)
  })

  it('reads a short object of functions, an export default object, and shows module-level code whole', () => {
    expect(names('module.exports = {\n  inc(a) {\n    return a + 1\n  }\n}\n')).toEqual([
      'method module.exports.inc'
    ])
    expect(names('export default {\n  dec: (a) => a - 1\n}\n', 'src/x.mjs')).toEqual([
      'method default.dec'
    ])
    const script = "const x = Number(process.argv[2])\nif (x > 1) console.log('big')\n"
    expect(names(script)).toEqual([])
    expect(planFocus('src/script.js', script)).toMatchObject({
      whole: true,
      units: [{ name: 'the whole module' }]
    })
  })

  it('finds no unit in a CommonJS barrel either', () => {
    const barrel =
      "'use strict'\nmodule.exports = require('./lib/index.js')\nexports.extra = require('./extra')\n"
    expect(outlineModule('index.js', barrel).ownLogic).toBe(false)
    expect(planFocus('index.js', barrel).units).toEqual([])
  })

  it('finds no unit in a barrel, and the LLM gets no call for it', () => {
    const barrel =
      "export * from './a.js'\nexport { b } from './b.js'\nexport type { C } from './c.js'\n"
    expect(names(barrel, 'src/index.ts')).toEqual([])
    const plan = planFocus('src/index.ts', barrel)
    expect(
      selectUnits(plan, {
        uncovered: [{ start: 1, end: 3 }],
        changed: [{ start: 1, end: 3 }],
        attempts: new Map(),
        maxAttempts: 2,
        includeCovered: false
      })
    ).toEqual({
      status: 'none',
      reason:
        'the module has no logic of its own (re-exports, types or constants only): nothing for the model to test'
    })
  })
})

describe('focal selection and rendering', () => {
  /** Many small functions: more than one call's worth of source. */
  const many = Array.from(
    { length: 120 },
    (_, i) =>
      `/** f${i} doubles and adds ${i}. */\nexport function f${i}(x: number): number {\n  const doubled = x * 2\n  return doubled + ${i} + helper(x)\n}\n`
  ).join('\n')
  const source = `import { helper } from './helper.js'\n\n${many}`
  const all = { start: 1, end: source.split('\n').length }

  it('packs the most uncovered changed units into the token budget and never takes a covered one', () => {
    const plan = planFocus('src/many.ts', source)
    expect(plan.whole).toBe(false)
    expect(plan.units).toHaveLength(120)
    const f7 = plan.units.find((u) => u.name === 'f7')!.lines
    const f90 = plan.units.find((u) => u.name === 'f90')!.lines
    const selected = selectUnits(plan, {
      uncovered: [all],
      changed: [f90],
      attempts: new Map(),
      maxAttempts: 1,
      includeCovered: false
    })
    expect(selected.status).toBe('selected')
    const units = selected.status === 'selected' ? selected.selection.units : []
    // the changed unit first in rank, then others up to the budget
    expect(units).toContain('f90')
    expect(units.length).toBeLessThan(120)
    const tokens = units.reduce((n, u) => n + (plan.tokens.get(u) ?? 0), 0)
    expect(tokens).toBeLessThanOrEqual(FOCAL_SOURCE_TOKENS)
    // only f7 still uncovered: the call targets it alone
    const onlyF7 = selectUnits(plan, {
      uncovered: [{ start: f7.start + 2, end: f7.start + 3 }],
      changed: [all],
      attempts: new Map(),
      maxAttempts: 1,
      includeCovered: false
    })
    expect(onlyF7).toMatchObject({ status: 'selected', selection: { units: ['f7'], label: 'f7' } })
    expect(callsToCoverAll(plan)).toBeGreaterThan(1)
  })

  it('renders the units whole with the imports, and lists what it left out with lines, covered or not', () => {
    const plan = planFocus('src/many.ts', source)
    const f3 = plan.units.find((u) => u.name === 'f3')!.lines
    const uncovered = plan.units.filter((u) => u.name !== 'f5').map((u) => u.lines)
    const rendered = renderFocus(plan, { units: ['f3'], label: 'f3', lines: [f3] }, uncovered)
    expect(rendered.target).toBe('f3')
    const shown = rendered.source.split('\n')
    expect(shown[0]).toMatch(/^\s*1\| import \{ helper \} from '\.\/helper\.js'$/)
    for (let line = f3.start; line <= f3.end; line++)
      expect(shown).toContain(`${String(line).padStart(3)}| ${source.split('\n')[line - 1]}`)
    expect(rendered.source).toMatch(/… lines \d+-\d+ not shown …/)
    expect(rendered.leftOut).toMatch(/This prompt shows 1, \d+-\d+ of the \d+ lines/)
    expect(rendered.leftOut).toMatch(
      /- not yet covered, tested in other calls: f0 \(lines 3-7\), f1 /
    )
    expect(rendered.leftOut).toMatch(
      /- already covered by existing or accepted tests: f5 \(lines \d+-\d+\)$/m
    )
  })

  it('shows a small module whole', () => {
    const plan = planFocus('thing.js', UMD)
    expect(plan.whole).toBe(true)
    const selected = selectUnits(plan, {
      uncovered: [{ start: 12, end: 12 }],
      changed: [],
      attempts: new Map(),
      maxAttempts: 1,
      includeCovered: false
    })
    expect(selected).toMatchObject({ status: 'selected', selection: { label: 'the whole module' } })
    const rendered = renderFocus(
      plan,
      selected.status === 'selected' ? selected.selection : ({} as never),
      []
    )
    expect(rendered.leftOut).toBeUndefined()
    expect(rendered.source.split('\n')).toHaveLength(UMD.split('\n').length)
  })
})
