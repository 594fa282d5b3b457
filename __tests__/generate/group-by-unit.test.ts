import { describe, expect, it } from '@jest/globals'
import { groupLooseTests } from '../../src/generate/group-by-unit.js'
import { testCases } from '../../src/generate/test-blocks.js'

/** Tests a model wrote outside any `describe`, grouped by the function or class they exercise. */

const lines = (...text: string[]): string => `${text.join('\n')}\n`

describe('groupLooseTests', () => {
  it('puts each loose test in a describe named for the export it calls first, keeping comments', () => {
    const code = lines(
      "import { expect, it } from 'vitest'",
      "import { Cart, priceFor } from './pricing.js'",
      "import { helper } from 'some-lib'",
      '',
      '// priced per unit',
      "it('prices one unit', () => {",
      '  expect(helper(priceFor(1, 1))).toBe(1)',
      '})',
      "it('starts empty', () => expect(new Cart().size).toBe(0))",
      "it('prices ten units', () => expect(priceFor(1, 10)).toBe(10))"
    )
    const grouped = groupLooseTests(code, 'p.test.ts', 'pricing')
    expect(testCases(grouped, 'p.test.ts').map((t) => t.name)).toEqual([
      'priceFor > prices one unit',
      'priceFor > prices ten units',
      'Cart > starts empty'
    ])
    expect(grouped).toContain(
      lines(
        "describe('priceFor', () => {",
        '  // priced per unit',
        "  it('prices one unit', () => {",
        '    expect(helper(priceFor(1, 1))).toBe(1)',
        '  })',
        '',
        "  it('prices ten units', () => expect(priceFor(1, 10)).toBe(10))",
        '})'
      )
    )
  })

  it('reads CommonJS requires and namespace members, falls back to the module name, and leaves template text alone', () => {
    const code = lines(
      "const ms = require('../index')",
      "const { format } = require('../lib/format')",
      '',
      "test('parses', () => { expect(ms.parse('1s')).toBe(1000) })",
      "test('formats', () => { expect(format(1000)).toBe(`1",
      'second`) })',
      "test('knows nothing', () => { expect(1).toBe(1) })"
    )
    const grouped = groupLooseTests(code, 'ms.test.js', 'index')
    expect(testCases(grouped, 'ms.test.js').map((t) => t.name)).toEqual([
      'parse > parses',
      'format > formats',
      'index > knows nothing'
    ])
    expect(grouped).toContain('\nsecond`)')
  })

  it('returns a file with no loose test unchanged', () => {
    const code = "describe('f', () => {\n  it('a', () => {})\n})\n"
    expect(groupLooseTests(code, 'f.test.ts', 'f')).toBe(code)
  })
})
