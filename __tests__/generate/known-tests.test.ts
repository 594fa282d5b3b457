import { describe, expect, it } from '@jest/globals'
import { testChanges, withoutKnownTests } from '../../src/generate/known-tests.js'
import { testCases } from '../../src/generate/test-blocks.js'

/** A re-run's proposals against the tests already on the branch: only what is new stays. */

const lines = (...text: string[]): string => `${text.join('\n')}\n`

const ON_BRANCH = {
  path: 'src/pricing.testmaster.test.ts',
  code: lines(
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
    "  it.each([[1, 2], [2, 2]])('splits %s into %s', (total, parts) => {",
    '    expect(splitEvenly(total, parts)).toHaveLength(parts)',
    '  })',
    '})'
  )
}

describe('withoutKnownTests', () => {
  it('leaves out tests whose body is already in the file, whatever their name or formatting, and the imports only they used', () => {
    const proposed = lines(
      'import { describe, expect, it } from "vitest";',
      'import { priceFor, splitEvenly, wholeUnits } from "./pricing.js";',
      '',
      'describe("priceFor", () => {',
      '  test("gives 1 for one unit at 1 cent", () => {',
      '    expect(priceFor(1, 1)).toBe(1); // same body, another name',
      '  });',
      '});',
      'describe("splitEvenly", () => {',
      '  it.each([[1, 2], [2, 2],])("splits %s into %s", (total, parts) => {',
      '    expect(splitEvenly(total, parts)).toHaveLength(parts);',
      '  });',
      '});',
      'describe("wholeUnits", () => {',
      '  it("returns 2 for 255", () => {',
      '    expect(wholeUnits(255)).toBe(2);',
      '  });',
      '});'
    )
    const fresh = withoutKnownTests(proposed, ON_BRANCH.path, [ON_BRANCH])
    expect(fresh.known.map((t) => t.name)).toEqual([
      'priceFor > gives 1 for one unit at 1 cent',
      'splitEvenly > splits %s into %s'
    ])
    expect(fresh.remaining).toBe(1)
    expect(testCases(fresh.code, ON_BRANCH.path).map((t) => t.name)).toEqual([
      'wholeUnits > returns 2 for 255'
    ])
    expect(fresh.code).toContain('import { wholeUnits } from "./pricing.js"')
    expect(fresh.code).not.toContain('describe("priceFor"')
  })

  it('keeps a test with the same name that does something else, and drops a repeat inside the candidate itself', () => {
    const proposed = lines(
      "import { expect, it } from 'vitest'",
      "import { priceFor } from './pricing.js'",
      "it('returns 1 for (1, 1)', () => expect(priceFor(2, 1)).toBe(2))",
      "it('again', () => expect(priceFor(2, 1)).toBe(2))"
    )
    const fresh = withoutKnownTests(proposed, ON_BRANCH.path, [ON_BRANCH])
    expect(fresh.remaining).toBe(1)
    expect(fresh.known.map((t) => t.name)).toEqual(['again'])
  })

  it('knows a test by its setup too: the same body under another beforeEach or helper is another test', () => {
    const cart = (setup: string, helper: string) =>
      lines(
        "import { beforeEach, describe, expect, it } from 'vitest'",
        "import { Cart } from './cart.js'",
        helper,
        "describe('Cart', () => {",
        '  let cart: Cart',
        `  beforeEach(() => { cart = new Cart(); ${setup} })`,
        "  it('totals nothing', () => expect(cart.total()).toBe(0))",
        "  it('has a size', () => expect(size(cart)).toBe(0))",
        '})'
      )
    const file = {
      path: 'cart.test.ts',
      code: cart('', 'const size = (c: Cart) => c.size\nconst unrelated = 1')
    }
    const sameSetup = withoutKnownTests(cart('', 'const size = (c: Cart) => c.size'), file.path, [
      file
    ])
    expect(sameSetup.remaining).toBe(0)
    const otherHook = withoutKnownTests(
      cart("cart.add('a', 1); cart.remove('a')", 'const size = (c: Cart) => c.size'),
      file.path,
      [file]
    )
    expect(otherHook.remaining).toBe(2)
    const otherHelper = withoutKnownTests(
      cart('', 'const size = (c: Cart) => c.size + 0'),
      file.path,
      [file]
    )
    expect(otherHelper.known.map((t) => t.name)).toEqual(['Cart > totals nothing'])
  })

  it('says when nothing is left', () => {
    const fresh = withoutKnownTests(ON_BRANCH.code, ON_BRANCH.path, [ON_BRANCH])
    expect(fresh.remaining).toBe(0)
    expect(fresh.known).toHaveLength(2)
  })
})

describe('testChanges', () => {
  it('counts tests added or changed and removed, test by test, not the file', () => {
    const after = {
      path: ON_BRANCH.path,
      code: ON_BRANCH.code
        .replace('toBe(1)', 'toBe(2)')
        .replace(
          "describe('splitEvenly'",
          "describe('wholeUnits', () => {\n  it('a', () => expect(wholeUnits(1)).toBe(0))\n  it('b', () => expect(wholeUnits(100)).toBe(1))\n})\n\ndescribe('splitEvenly'"
        )
    }
    expect(testChanges([ON_BRANCH], [after])).toEqual({ added: 3, removed: 1 })
    expect(testChanges([ON_BRANCH], [ON_BRANCH])).toEqual({ added: 0, removed: 0 })
    expect(testChanges([], [ON_BRANCH])).toEqual({ added: 2, removed: 0 })
  })
})
