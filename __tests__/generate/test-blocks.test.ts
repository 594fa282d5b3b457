import { describe, expect, it } from '@jest/globals'
import { countTestBlocks, removeTests } from '../../src/generate/test-blocks.js'

/** Cutting failing tests out of a candidate by their full names, with the TypeScript parser. */

const FILE = [
  "import { describe, expect, it } from '@jest/globals'",
  "import { add, classify, unused } from '../src/math'",
  '',
  "describe('math', () => {",
  "  it('adds', () => {",
  '    expect(add(1, 2)).toBe(3)',
  '  })',
  "  describe('classify', () => {",
  "    it('classifies zero', () => {",
  "      expect(classify(0)).toBe('zero')",
  '    })',
  "    it.each([[1], [2]])('classifies %s as positive', (n) => {",
  "      expect(classify(n)).toBe('positive')",
  '    })',
  '  })',
  '})',
  "test(`top ${'level'}`, () => expect(add(0, 0)).toBe(0))",
  ''
].join('\n')

describe('removeTests', () => {
  it('removes exactly the named test, whatever it nests in', () => {
    const result = removeTests(FILE, 'a.test.ts', ['math > classify > classifies zero'])
    expect(result).toMatchObject({
      removed: ['math > classify > classifies zero'],
      notFound: [],
      remaining: 3
    })
    expect(result.code).not.toContain('classifies zero')
    expect(result.code).toContain("it('adds'")
    expect(countTestBlocks(result.code, 'a.test.ts')).toBe(3)
  })

  it('matches .each titles and template titles by their placeholders', () => {
    const result = removeTests(FILE, 'a.test.ts', [
      'math > classify > classifies 2 as positive',
      'top level'
    ])
    expect(result.notFound).toEqual([])
    expect(result.code).not.toContain('it.each')
    expect(result.code).not.toContain('top ${')
  })

  it('removes a suite left empty, and the imports nothing uses any more', () => {
    const result = removeTests(FILE, 'a.test.ts', [
      'math > classify > classifies zero',
      'math > classify > classifies 1 as positive'
    ])
    expect(result.code).not.toContain("describe('classify'")
    expect(result.code).toContain("import { add } from '../src/math'")
    expect(result.remaining).toBe(2)
  })

  it('says which names it could not find, and cuts nothing for them', () => {
    const result = removeTests(FILE, 'a.test.ts', ['math > no such test'])
    expect(result).toMatchObject({ removed: [], notFound: ['math > no such test'], remaining: 4 })
    expect(result.code).toBe(FILE)
  })

  it('works on JavaScript with require', () => {
    const js =
      "const { add } = require('../src/math')\n\nit('adds', () => expect(add(1, 1)).toBe(2))\nit('fails', () => expect(add(1, 1)).toBe(3))\n"
    const result = removeTests(js, 'a.test.js', ['fails'])
    expect(result.code).toBe(
      "const { add } = require('../src/math')\n\nit('adds', () => expect(add(1, 1)).toBe(2))\n"
    )
  })
})
