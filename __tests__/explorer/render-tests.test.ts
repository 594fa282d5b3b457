import { describe, expect, it } from '@jest/globals'
import type {
  Program,
  ProgramResult,
  Repr,
  Step
} from '../../src/generate/strategies/explorer/protocol.js'
import {
  quote,
  renderRepr,
  writablePart
} from '../../src/generate/strategies/explorer/render-literal.js'
import {
  renderTestFile,
  type RenderOptions
} from '../../src/generate/strategies/explorer/render-tests.js'
import { selectByCoverageGain } from '../../src/generate/strategies/explorer/greedy-selection.js'
import { toRepr } from '../../src/generate/strategies/explorer/value-repr.js'

const num = (v: number): Repr => ({ t: 'number', v: String(v) })
const lit = (value: Repr) => ({ kind: 'literal', value }) as const

const options: RenderOptions = {
  framework: 'vitest',
  explicitImports: true,
  importSpecifier: '../src/shapes.js',
  defaultName: 'shapes',
  style: {
    language: 'ts',
    loader: 'import',
    exports: 'named',
    wholeImport: 'default',
    evidence: []
  },
  hasDefaultExport: false,
  exportNames: new Set(['add', 'size', 'Counter', 'later']),
  parameterNames: (step: Step) =>
    step.op === 'call' && step.target === 'size' ? ['size'] : ['a', 'b']
}

function result(
  outcomes: ProgramResult['outcomes'],
  extra: Partial<ProgramResult> = {}
): ProgramResult {
  return { outcomes, states: [], getters: [], units: [], ...extra }
}

describe('renderTestFile', () => {
  it('writes a describe per symbol with names that say what is checked', () => {
    const add: Program = {
      steps: [{ op: 'call', target: 'add', args: [lit(num(1)), lit(num(2))] }]
    }
    const size: Program = { steps: [{ op: 'call', target: 'size', args: [lit(num(-1))] }] }
    const { code, tests } = renderTestFile(
      [
        { program: add, result: result([{ status: 'returned', value: num(3), awaited: false }]) },
        {
          program: size,
          result: result([
            {
              status: 'threw',
              error: { t: 'error', name: 'RangeError', message: 'too small' },
              awaited: false
            }
          ])
        }
      ],
      options
    )
    expect(tests).toBe(2)
    expect(code).toBe(
      [
        "import { describe, expect, it } from 'vitest'",
        "import { add, size } from '../src/shapes.js'",
        '',
        "describe('add', () => {",
        "  it('returns 3 for (1, 2)', () => {",
        '    expect(add(1, 2)).toBe(3)',
        '  })',
        '})',
        '',
        "describe('size', () => {",
        "  it('rejects a negative size', () => {",
        "    expect(() => size(-1)).toThrow('too small')",
        '  })',
        '})',
        ''
      ].join('\n')
    )
  })

  it('asserts class state and getters after a method sequence, with jest imports', () => {
    const program: Program = {
      steps: [
        { op: 'construct', target: 'Counter', args: [lit(num(1))] },
        { op: 'method', receiver: 0, method: 'increment', args: [] },
        { op: 'method', receiver: 0, method: 'increment', args: [] }
      ]
    }
    const { code } = renderTestFile(
      [
        {
          program,
          result: result(
            [
              {
                status: 'returned',
                value: { t: 'object', ctor: 'Counter', entries: [] },
                awaited: false
              },
              { status: 'returned', value: num(2), awaited: false },
              { status: 'returned', value: num(3), awaited: false }
            ],
            {
              states: [[0, { t: 'object', ctor: 'Counter', entries: [['count', num(3)]] }]],
              getters: [[0, 'double', num(6)]]
            }
          )
        }
      ],
      { ...options, framework: 'jest' }
    )
    expect(code).toContain("import { describe, expect, it } from '@jest/globals'")
    expect(code).toContain("it('increment returns 3 after increment()', () => {")
    expect(code).toContain(
      '    const counter = new Counter(1)\n    counter.increment()\n    expect(counter.increment()).toBe(3)'
    )
    expect(code).toContain('expect(counter).toEqual({ count: 3 })')
    expect(code).toContain('expect(counter.double).toBe(6)')
  })

  it('awaits promises, asserts rejections, and leaves out what cannot be written', () => {
    const later: Program = {
      steps: [
        {
          op: 'call',
          target: 'later',
          args: [{ kind: 'promise', value: lit({ t: 'string', v: '' }) }]
        }
      ]
    }
    const fn: Program = { steps: [{ op: 'call', target: 'add', args: [] }] }
    const { code } = renderTestFile(
      [
        {
          program: later,
          result: result([
            {
              status: 'threw',
              error: { t: 'error', name: 'Error', message: 'empty' },
              awaited: true
            }
          ])
        },
        {
          program: fn,
          result: result([
            {
              status: 'returned',
              value: {
                t: 'object',
                entries: [
                  ['id', num(1)],
                  ['run', { t: 'opaque', what: 'function' }]
                ]
              },
              awaited: false
            }
          ])
        }
      ],
      { ...options, explicitImports: false }
    )
    expect(code).not.toContain("from 'vitest'")
    expect(code).toContain(`it("rejects with Error for Promise.resolve('')", async () => {`)
    expect(code).toContain("it('returns an object with id, run with no arguments', () => {")
    expect(code).toContain("await expect(later(Promise.resolve(''))).rejects.toThrow('empty')")
    expect(code).toContain('expect(add()).toMatchObject({ id: 1 })')
  })
})

describe('renderTestFile: one matcher per throwing call', () => {
  const threw = (target: string, error: Repr) => ({
    program: { steps: [{ op: 'call', target, args: [lit(num(1))] }] } as Program,
    result: result([{ status: 'threw', error, awaited: false }])
  })
  const render = (error: Repr, exportNames = options.exportNames) =>
    renderTestFile([threw('add', error)], { ...options, exportNames }).code

  it('uses the class for misuse in JavaScript wording, the message for the module own words', () => {
    expect(
      render({
        t: 'error',
        name: 'TypeError',
        message: "Cannot read properties of undefined (reading 'x')"
      })
    ).toContain('expect(() => add(1)).toThrow(TypeError)\n')
    expect(render({ t: 'error', name: 'RangeError', message: 'limit must be positive' })).toContain(
      "expect(() => add(1)).toThrow('limit must be positive')\n"
    )
    expect(render({ t: 'error', name: 'RangeError', message: 'x' })).not.toContain('RangeError)')
  })

  it("uses the module's own error class when it exports it", () => {
    const code = render(
      { t: 'error', name: 'PricingError', message: 'unknown coupon' },
      new Set(['add', 'PricingError'])
    )
    expect(code).toContain('expect(() => add(1)).toThrow(PricingError)\n')
    expect(code.match(/toThrow/g)).toHaveLength(1)
  })

  it("never names the class of an error made by Node's own functions (another realm under jest)", () => {
    const code = render({
      t: 'error',
      name: 'TypeError',
      message: 'The "path" argument must be of type string. Received an instance of Array',
      code: 'ERR_INVALID_ARG_TYPE'
    })
    expect(code).toContain(
      `expect(() => add(1)).toThrow('The "path" argument must be of type string. Received an instance of Array')`
    )
  })
})

describe('renderTestFile: floats', () => {
  it('asserts a fractional result with toBeCloseTo, written as a reader would', () => {
    const program: Program = {
      steps: [{ op: 'call', target: 'add', args: [lit(num(0.1)), lit(num(0.2))] }]
    }
    const { code } = renderTestFile(
      [
        {
          program,
          result: result([{ status: 'returned', value: toRepr(0.1 + 0.2), awaited: false }])
        }
      ],
      options
    )
    expect(code).toContain('expect(add(0.1, 0.2)).toBeCloseTo(0.3)\n')
  })
})

describe('literals', () => {
  it('quotes as Prettier would and keeps special numbers', () => {
    expect(quote("it's")).toBe('"it\'s"')
    expect(quote('a\nb')).toBe("'a\\nb'")
    expect(renderRepr(toRepr([NaN, -0, Infinity, 2n]))).toBe('[NaN, -0, Infinity, 2n]')
    expect(renderRepr(toRepr(new Map([['a', new Set([1])]])))).toBe(
      "new Map([['a', new Set([1])]])"
    )
    expect(renderRepr(toRepr(new Date(Date.UTC(2024, 0, 15))))).toBe(
      "new Date('2024-01-15T00:00:00.000Z')"
    )
    expect(renderRepr(toRepr({ 'odd-key': /x/g }))).toBe("{ 'odd-key': /x/g }")
  })

  it('turns functions, symbols and cycles into opaque values that are never asserted', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    expect(toRepr(() => 1)).toEqual({ t: 'opaque', what: 'function' })
    expect(toRepr(Symbol('s'))).toEqual({ t: 'opaque', what: 'symbol' })
    expect(writablePart(toRepr(cyclic))).toEqual({ t: 'object', entries: [['a', num(1)]] })
  })

  it('records class instances with their constructor name', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    expect(toRepr(new Point(2))).toEqual({ t: 'object', ctor: 'Point', entries: [['x', num(2)]] })
  })
})

describe('selectByCoverageGain', () => {
  it('takes changed lines first, then the biggest gain, and stops when nothing is added', () => {
    const unitLines = new Map([
      ['s1', 1],
      ['s2', 2],
      ['s3', 3],
      ['s4', 10]
    ])
    const chosen = selectByCoverageGain(
      [
        { units: ['s1', 's2', 's3'], size: 1 },
        { units: ['s4'], size: 1 },
        { units: ['s1'], size: 1 },
        { units: ['s4', 's1'], size: 3 }
      ],
      { alreadyCovered: [], unitLines, changedLines: [{ start: 10, end: 10 }], max: 10 }
    )
    expect(chosen).toEqual([3, 0])
  })
})
