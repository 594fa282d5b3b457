import { describe, expect, it } from '@jest/globals'
import { checkAssertsStatically } from '../../src/generate/gates/6-asserts-statically.js'

/**
 * The static half of the assertion gate, at every depth: a test must assert something about a
 * value it computed. Constant-only assertions and tests with none are rejected before any mutant.
 */

const HEADER = "import { it, expect } from '@jest/globals'\nimport { pct } from '../src/pct.js'\n"
const test = (body: string): string => `${HEADER}\nit('works', () => {\n${body}\n})\n`

describe('checkAssertsStatically', () => {
  it.each([
    ['a call of the module', "expect(pct('SAVE10')).toBe(10)"],
    ['a thrown error', "expect(() => pct('x')).toThrow(RangeError)"],
    ['a rejection', "await expect(pct('x')).rejects.toThrow('bad')"],
    ['a negated matcher', "expect(pct('SAVE7')).not.toBe(7)"],
    ['a variable holding a result', "const r = pct('SAVE10')\nexpect(r).toEqual({ a: 1 })"],
    ['the type of a result', "expect(typeof pct('x')).toBe('number')"],
    ['the expected value on the subject side', "expect(10).toBe(pct('SAVE10'))"],
    ['a soft assertion', "expect.soft(pct('SAVE10')).toBe(10)"],
    ['node:assert', "assert.strictEqual(pct('SAVE10'), 10)"],
    ['bare assert', "assert(pct('SAVE10') === 10)"],
    ['chai without a call at the end', "expect(pct('SAVE10')).to.be.ok"],
    ['a mock', 'const spy = jest.fn()\nspy()\nexpect(spy).toHaveBeenCalled()']
  ])('accepts an assertion on %s', (_what, body) => {
    expect(checkAssertsStatically(test(body))).toEqual({ ok: true, assertions: 1 })
  })

  it.each([
    ['true', 'expect(true).toBe(true)'],
    ['a number', 'expect(1).toEqual(1)'],
    ['a string, negated', "expect('a').not.toBe('b')"],
    ['null and undefined', 'expect(null).toBeNull()\nexpect(undefined).toBeUndefined()'],
    ['literal objects and arrays', "expect({ a: [1, 'x', null] }).toEqual({ a: [1, 'x', null] })"],
    ['a const bound to a literal', 'const ok = true\nconst same = ok\nexpect(same).toBe(ok)'],
    ['a function that only throws', "expect(() => { throw new Error('x') }).toThrow()"],
    ['an asymmetric matcher', 'expect(1).toEqual(expect.any(Number))'],
    ['assert with constants', "assert.equal(1, 1, 'same')"]
  ])('rejects a test asserting only %s', (_what, body) => {
    expect(checkAssertsStatically(test(`pct('SAVE10')\n${body}`))).toEqual({
      ok: false,
      reason: expect.stringMatching(/asserts only constants/)
    })
  })

  it('rejects a test with no assertion, or an expect() with no matcher', () => {
    for (const body of ["pct('SAVE10')", "expect(pct('SAVE10'))", 'expect.assertions(1)']) {
      expect(checkAssertsStatically(test(body))).toEqual({
        ok: false,
        reason: expect.stringMatching(/contains no assertion/)
      })
    }
  })

  it('does not count console.assert, which throws nothing', () => {
    expect(checkAssertsStatically(test("console.assert(pct('SAVE10') === 10)")).ok).toBe(false)
  })

  it('accepts when one assertion of many is real', () => {
    const body = "expect(true).toBe(true)\nexpect(pct('SAVE10')).toBe(10)"
    expect(checkAssertsStatically(test(body))).toEqual({ ok: true, assertions: 1 })
  })

  it('treats a name as a value when it is declared other than as a const literal', () => {
    const body = 'let n = 1\nn++\nexpect(n).toBe(2)'
    expect(checkAssertsStatically(test(body)).ok).toBe(true)
  })

  it('accepts the shapes the explorer writes', () => {
    const code = `import { describe, it, expect } from '@jest/globals'
import { Cart, total } from '../src/cart.js'

describe('Cart', () => {
  it('adds an item', () => {
    const cart = new Cart()
    cart.add({ sku: 'a', qty: 1 })
    expect(cart.size).toBe(1)
  })
  it('throws for a negative quantity', () => {
    expect(() => total([{ sku: 'a', qty: -1 }])).toThrow(RangeError)
  })
  it('resolves', async () => {
    expect(await total([])).toEqual({ sum: 0 })
  })
})
`
    expect(checkAssertsStatically(code)).toEqual({ ok: true, assertions: 3 })
  })
})
