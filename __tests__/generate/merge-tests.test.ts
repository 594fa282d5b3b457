import { describe, expect, it } from '@jest/globals'
import ts from 'typescript'
import { mergeTestFiles } from '../../src/generate/merge-tests.js'
import { testCases } from '../../src/generate/test-blocks.js'

/**
 * Merging a module's accepted candidates into the file a person reads: one `describe` per function
 * or class, extended rather than repeated, no bare `{ }` blocks, no test twice.
 */

const lines = (...text: string[]): string => `${text.join('\n')}\n`

/** What the explorer committed on the first run. */
const EARLIER = lines(
  "import { describe, expect, it } from 'vitest'",
  "import { priceFor, splitEvenly } from './pricing.js'",
  '',
  "describe('priceFor', () => {",
  "  it('returns 1 for (1, 1)', () => {",
  '    expect(priceFor(1, 1)).toBe(1)',
  '  })',
  '})',
  '',
  "describe('splitEvenly', () => {",
  "  it('returns an array of 2 items for (1, 2)', () => {",
  '    expect(splitEvenly(1, 2)).toEqual([1, 0])',
  '  })',
  '})'
)

/** Top-level `{ }` blocks and the names of tests that occur more than once with the same body. */
function shape(code: string): { blocks: number; repeated: string[]; suites: string[] } {
  const file = ts.createSourceFile('f.test.ts', code, ts.ScriptTarget.Latest, true)
  const seen = new Set<string>()
  const repeated: string[] = []
  for (const test of testCases(code, 'f.test.ts')) {
    const key = `${test.name}\0${test.body}`
    if (seen.has(key)) repeated.push(test.name)
    seen.add(key)
  }
  const suites = file.statements.flatMap((s) =>
    ts.isExpressionStatement(s) &&
    ts.isCallExpression(s.expression) &&
    s.expression.expression.getText(file) === 'describe'
      ? [(s.expression.arguments[0] as ts.StringLiteral).text]
      : []
  )
  return { blocks: file.statements.filter((s) => ts.isBlock(s)).length, repeated, suites }
}

/** The file parses with no syntax error. */
function parses(code: string): boolean {
  const out = ts.transpileModule(code, { reportDiagnostics: true, fileName: 'f.test.ts' })
  return (out.diagnostics ?? []).length === 0
}

describe('mergeTestFiles', () => {
  it('returns a single file byte for byte', () => {
    const odd = "import {x} from './x'\n\n\n{\nit('a', () => {})\n}\n"
    expect(mergeTestFiles([odd], 'f.test.ts')).toBe(odd)
  })

  it('extends the describe of a unit and adds a describe for a new one, keeping the earlier text', () => {
    const next = lines(
      "import { describe, expect, it } from 'vitest'",
      "import { priceFor, wholeUnits } from './pricing.js'",
      '',
      "describe('wholeUnits', () => {",
      "  it('returns 2 for 255', () => {",
      '    expect(wholeUnits(255)).toBe(2)',
      '  })',
      '})',
      '',
      "describe('priceFor', () => {",
      "  it('returns 0 for (0, 1)', () => {",
      '    expect(priceFor(0, 1)).toBe(0)',
      '  })',
      '})'
    )
    const merged = mergeTestFiles([EARLIER, next], 'f.test.ts')
    expect(merged).toBe(
      lines(
        "import { describe, expect, it } from 'vitest'",
        "import { priceFor, splitEvenly, wholeUnits } from './pricing.js'",
        '',
        "describe('priceFor', () => {",
        "  it('returns 1 for (1, 1)', () => {",
        '    expect(priceFor(1, 1)).toBe(1)',
        '  })',
        '',
        "  it('returns 0 for (0, 1)', () => {",
        '    expect(priceFor(0, 1)).toBe(0)',
        '  })',
        '})',
        '',
        "describe('splitEvenly', () => {",
        "  it('returns an array of 2 items for (1, 2)', () => {",
        '    expect(splitEvenly(1, 2)).toEqual([1, 0])',
        '  })',
        '})',
        '',
        "describe('wholeUnits', () => {",
        "  it('returns 2 for 255', () => {",
        '    expect(wholeUnits(255)).toBe(2)',
        '  })',
        '})'
      )
    )
  })

  it('never adds a test already in the file, however it is formatted', () => {
    const again = lines(
      'import { describe, expect, it } from "vitest";',
      'import { priceFor } from "./pricing.js";',
      '',
      'describe("priceFor", () => {',
      '  // the same test, other quotes, semicolons and layout',
      '  test("returns 1 for (1, 1)", () => { expect(priceFor(1, 1)).toBe(1); });',
      '});'
    )
    const merged = mergeTestFiles([EARLIER, again], 'f.test.ts')
    expect(merged).toBe(EARLIER)
  })

  it('turns the earlier layout (a bare block per candidate, repeated tests) into one describe per unit', () => {
    const body = EARLIER.split('\n').slice(3).join('\n').trim()
    const earlierLayout = lines(
      "import { describe, expect, it } from 'vitest'",
      "import { priceFor, splitEvenly } from './pricing.js'",
      '',
      '{',
      body,
      '}',
      '',
      '{',
      body,
      '}'
    )
    expect(shape(earlierLayout)).toMatchObject({ blocks: 2, repeated: expect.any(Array) })
    expect(shape(earlierLayout).repeated).toHaveLength(2)
    const next = lines(
      "import { describe, expect, it } from 'vitest'",
      "import { splitEvenly } from './pricing.js'",
      '',
      "describe('splitEvenly', () => {",
      "  it('throws RangeError for (1, 0)', () => {",
      "    expect(() => splitEvenly(1, 0)).toThrow('parts must be positive, got 0')",
      '  })',
      '})'
    )
    const merged = mergeTestFiles([earlierLayout, next], 'f.test.ts')
    expect(shape(merged)).toEqual({ blocks: 0, repeated: [], suites: ['priceFor', 'splitEvenly'] })
    expect(testCases(merged, 'f.test.ts').map((t) => t.name)).toEqual([
      'priceFor > returns 1 for (1, 1)',
      'splitEvenly > returns an array of 2 items for (1, 2)',
      'splitEvenly > throws RangeError for (1, 0)'
    ])
    expect(parses(merged)).toBe(true)
  })

  it('keeps one copy of a helper both declare alike, and renames one declared differently', () => {
    const one = lines(
      "import { expect, it } from 'vitest'",
      "import { f } from './f.js'",
      'const x = 1',
      'const same = (n: number) => n + 1',
      "it('a', () => expect(f(same(x))).toBe(2))"
    )
    const two = lines(
      "import { expect, it } from 'vitest'",
      "import { g } from './f.js'",
      'const x = 2',
      'const same = (n: number) => n + 1',
      'const box = { x, y: x }',
      "it('b', () => expect(g(same(x), box.x)).toBe(3))"
    )
    const merged = mergeTestFiles([one, two], 'f.test.ts')
    expect(merged).toBe(
      lines(
        "import { expect, it } from 'vitest'",
        "import { f, g } from './f.js'",
        '',
        'const x = 1',
        '',
        'const same = (n: number) => n + 1',
        '',
        'const x_2 = 2',
        '',
        'const box = { x: x_2, y: x_2 }',
        '',
        "it('a', () => expect(f(same(x))).toBe(2))",
        '',
        "it('b', () => expect(g(same(x_2), box.x)).toBe(3))"
      )
    )
  })

  it('keeps one require of the module when the earlier file has it in the repository style (semicolons, other quotes)', () => {
    const earlier = lines(
      'const bytes = require("../index.js");',
      '',
      "describe('bytes', () => {",
      "  it('returns 1B for 1', () => {",
      "    expect(bytes(1)).toBe('1B');",
      '  });',
      '});'
    )
    const candidate = lines(
      "const bytes = require('../index.js')",
      "describe('bytes', () => {",
      "  it('returns 1KB for 1024', () => {",
      "    expect(bytes(1024)).toBe('1KB')",
      '  })',
      '})'
    )
    const merged = mergeTestFiles([earlier, candidate], 'index.test.js')
    expect(merged.match(/require\(/g)).toHaveLength(1)
    expect(merged).not.toContain('bytes_2')
    expect(testCases(merged, 'index.test.js').map((t) => t.name)).toEqual([
      'bytes > returns 1B for 1',
      'bytes > returns 1KB for 1024'
    ])
  })

  it('joins suites only when their own setup is the same: a hook of one would run around the other', () => {
    const withSetup = (title: string, test: string, hook: string): string =>
      lines(
        "import { beforeEach, describe, expect, it } from 'vitest'",
        "import { Cart } from './cart.js'",
        '',
        "describe('Cart', () => {",
        '  let cart: Cart',
        `  beforeEach(() => { cart = new Cart(${hook}) })`,
        `  it('${title}', () => expect(${test}).toBe(0))`,
        '})'
      )
    const merged = mergeTestFiles(
      [
        withSetup('starts empty', 'cart.size', ''),
        withSetup('totals nothing', 'cart.total()', ''),
        withSetup('is odd', 'cart.size', '1')
      ],
      'f.test.ts'
    )
    expect(merged.match(/describe\('Cart'/g)).toHaveLength(2)
    expect(merged.match(/let cart: Cart/g)).toHaveLength(2)
    expect(testCases(merged, 'f.test.ts').map((t) => t.name)).toEqual([
      'Cart > starts empty',
      'Cart > totals nothing',
      'Cart > is odd'
    ])
    expect(parses(merged)).toBe(true)
  })

  it('joins CommonJS destructured requires of one module, and keeps a test named alike with another body', () => {
    const one = lines(
      "const { add } = require('../src/math')",
      '',
      "describe('add', () => {",
      "  it('adds', () => {",
      '    expect(add(1, 2)).toBe(3)',
      '  })',
      '})'
    )
    const two = lines(
      "const { add, classify } = require('../src/math')",
      '',
      "describe('add', () => {",
      "  it('adds', () => {",
      '    expect(add(2, 2)).toBe(4)',
      '  })',
      '})',
      '',
      "describe('classify', () => {",
      "  it('classifies zero', () => {",
      "    expect(classify(0)).toBe('zero')",
      '  })',
      '})'
    )
    const merged = mergeTestFiles([one, two], 'f.test.js')
    expect(merged.split('\n')[0]).toBe("const { add, classify } = require('../src/math')")
    expect(shape(merged).suites).toEqual(['add', 'classify'])
    expect(testCases(merged, 'f.test.js')).toHaveLength(3)
    expect(parses(merged)).toBe(true)
  })

  it('keeps hoisted mocks at the top, once', () => {
    const mocked = (test: string): string =>
      lines(
        "import { expect, it, vi } from 'vitest'",
        "import { load } from './load.js'",
        "vi.mock('./fs.js')",
        '',
        `it('${test}', () => expect(load('${test}')).toBeUndefined())`
      )
    const merged = mergeTestFiles([mocked('a'), mocked('b')], 'f.test.ts')
    expect(merged.match(/vi\.mock/g)).toHaveLength(1)
    expect(merged.indexOf('vi.mock')).toBeLessThan(merged.indexOf("it('a'"))
  })
})
