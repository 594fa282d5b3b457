import { describe, expect, it } from '@jest/globals'
import { mergeClash } from '../../src/generate/merge-clash.js'

/** What keeps two candidates out of one file, seen before any run. */

describe('mergeClash', () => {
  it('sees none for the same names imported from the same module, however spelled', () => {
    expect(
      mergeClash(
        ["import { add } from '../src/math.js'\nit('a', () => {})\n"],
        "import { it, expect } from '@jest/globals'\nimport { add } from '../src/math'\nit('b', () => {})\n",
        'a.test.ts'
      )
    ).toBeUndefined()
  })

  it('sees a name bound to different things', () => {
    expect(
      mergeClash(
        ["import parse from '../src/parse'\n"],
        "import { parse } from '../src/parse'\n",
        'a.test.ts'
      )
    ).toBe(
      "both import 'parse', one as default of '../src/parse', the other as parse of '../src/parse'"
    )
  })

  it('sees a module mocked differently, or mocked by one only', () => {
    const one = "jest.mock('../src/dep', () => ({ v: 1 }))\n"
    const two = "jest.mock('../src/dep', () => ({ v: 2 }))\n"
    expect(mergeClash([one], two, 'a.test.js')).toMatch(/both mock '\.\.\/src\/dep', differently/)
    expect(mergeClash([one], "it('x', () => {})\n", 'a.test.js')).toMatch(
      /one mocks '\.\.\/src\/dep' and the other does not/
    )
    expect(mergeClash([one], one, 'a.test.js')).toBeUndefined()
  })

  it('sees top-level hooks that would run around the other file tests', () => {
    expect(
      mergeClash(["it('a', () => {})\n"], 'beforeEach(() => jest.useFakeTimers())\n', 'a.test.js')
    ).toMatch(/top-level 'beforeEach'/)
  })
})
