import type { ModuleAnalysis } from '../../src/analysis/module-model.js'
import { EventBus } from '../../src/events/event-bus.js'
import type { GenerationContext } from '../../src/generate/strategy.js'

/** A small analysed module (`src/discount.ts`) as analysis/ would describe it. */
export const DISCOUNT_SOURCE = `/**
 * The price after a percentage discount, rounded to cents.
 * @param price the price in dollars, >= 0
 * @param percent the discount, 0..100
 */
export function applyDiscount(price: number, percent: number): number {
  if (percent < 0 || percent > 100) throw new RangeError('percent must be 0..100')
  return Math.round(price * (1 - percent / 100) * 100) / 100
}
`

export function discountModule(overrides: Partial<ModuleAnalysis> = {}): ModuleAnalysis {
  return {
    path: 'src/discount.ts',
    language: 'ts',
    moduleFormat: 'esm',
    package: { root: '', packageManager: 'npm', framework: 'jest', moduleType: 'esm' },
    changedLines: [{ start: 7, end: 8 }],
    exports: [
      {
        name: 'applyDiscount',
        kind: 'function',
        lines: { start: 6, end: 9 },
        changed: true,
        jsDoc: 'The price after a percentage discount, rounded to cents.',
        signatures: [
          {
            parameters: [
              { name: 'price', type: { kind: 'number' }, optional: false, rest: false },
              { name: 'percent', type: { kind: 'number' }, optional: false, rest: false }
            ],
            returns: { kind: 'number' },
            async: false,
            text: 'applyDiscount(price: number, percent: number): number'
          }
        ]
      }
    ],
    imports: [],
    sideEffects: [],
    placement: {
      testPath: '__tests__/discount.testmaster.test.ts',
      importSpecifier: '../src/discount.js',
      explicitImports: true,
      existingTests: []
    },
    testStyle: {
      language: 'ts',
      loader: 'import',
      exports: 'named',
      wholeImport: 'default',
      evidence: []
    },
    lineCount: DISCOUNT_SOURCE.split('\n').length,
    ...overrides
  }
}

export function contextFor(
  module: ModuleAnalysis,
  source: string,
  signal: AbortSignal = new AbortController().signal
): GenerationContext {
  return {
    module,
    repoRoot: '/tmp/repo',
    source,
    uncoveredLines: module.changedLines,
    signal,
    events: new EventBus()
  }
}

export const GOOD_TEST = `import { describe, it, expect } from '@jest/globals'
import { applyDiscount } from '../src/discount.js'

describe('applyDiscount', () => {
  it('takes the percentage off', () => {
    expect(applyDiscount(100, 25)).toBe(75)
  })

  it('rejects a percentage above 100', () => {
    expect(() => applyDiscount(10, 101)).toThrow(RangeError)
  })
})`
