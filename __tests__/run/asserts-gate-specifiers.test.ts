import { describe, expect, it } from '@jest/globals'
import { redirectModuleSpecifiers } from '../../src/generate/gates/6-asserts.js'

/**
 * The assertion gate runs a candidate against mutants by pointing its imports of the module at a
 * mutant file. Every spelling that reaches the module must be redirected, or a test that asserts
 * nothing passes the gate untested (found by the run-level test of the gate).
 */

const TEST = '/repo/tests/coupon.testmaster-llm-1.test.ts'
const MODULE = '/repo/src/coupon.ts'
const MUTANT = '/repo/src/coupon.testmaster-m1-30.ts'

describe('redirectModuleSpecifiers', () => {
  it.each([
    ["'../src/coupon.js'", "'../src/coupon.testmaster-m1-30.js'"],
    ["'../src/coupon'", "'../src/coupon.testmaster-m1-30'"],
    ["'../src/coupon.ts'", "'../src/coupon.testmaster-m1-30.ts'"],
    ['"../src/../src/coupon.js"', '"../src/coupon.testmaster-m1-30.js"']
  ])('redirects an import of %s', (from, to) => {
    const code = `import { it, expect } from '@jest/globals'\nimport { couponPercent } from ${from}\n`
    expect(redirectModuleSpecifiers(code, TEST, MODULE, MUTANT)).toBe(
      `import { it, expect } from '@jest/globals'\nimport { couponPercent } from ${to}\n`
    )
  })

  it('redirects dynamic imports, require and mocks, and leaves other modules alone', () => {
    const code = [
      "import { add } from '../src/math.js'",
      "jest.mock('../src/coupon.js')",
      "const a = await import('../src/coupon')",
      "const b = require('../src/coupon.js')",
      "export { couponPercent } from '../src/coupon.js'"
    ].join('\n')
    const out = redirectModuleSpecifiers(code, TEST, MODULE, MUTANT)
    expect(out?.split('\n')).toEqual([
      "import { add } from '../src/math.js'",
      "jest.mock('../src/coupon.testmaster-m1-30.js')",
      "const a = await import('../src/coupon.testmaster-m1-30')",
      "const b = require('../src/coupon.testmaster-m1-30.js')",
      "export { couponPercent } from '../src/coupon.testmaster-m1-30.js'"
    ])
  })

  it("reaches a directory's index module through the directory", () => {
    const out = redirectModuleSpecifiers(
      "import { x } from '../src/lib'\n",
      TEST,
      '/repo/src/lib/index.ts',
      '/repo/src/lib/index.testmaster-m2-30.ts'
    )
    expect(out).toBe("import { x } from '../src/lib/index.testmaster-m2-30'\n")
  })

  it('gives undefined when nothing reaches the module', () => {
    expect(
      redirectModuleSpecifiers(
        "import { coupon } from 'coupon'\nimport { c } from '../src/couponing.js'\n",
        TEST,
        MODULE,
        MUTANT
      )
    ).toBeUndefined()
  })
})
