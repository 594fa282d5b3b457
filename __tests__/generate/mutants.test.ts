import { describe, expect, it } from '@jest/globals'
import { redirectImport } from '../../src/generate/gates/6-asserts.js'
import { checkCompiles } from '../../src/generate/gates/1-compiles.js'
import { generateMutants } from '../../src/generate/mutants.js'

const source = [
  'export function clamp(x: number, lo: number, hi: number): number {', // 1
  '  if (x < lo) return lo', // 2
  '  if (x > hi) return hi', // 3
  '  return x', // 4
  '}', // 5
  'export const enabled = true', // 6
  ''
].join('\n')

describe('generateMutants', () => {
  it('mutates only the given lines', () => {
    const mutants = generateMutants(source, 'clamp.ts', [{ start: 3, end: 3 }])
    expect(mutants.length).toBeGreaterThan(0)
    expect(mutants.every((m) => m.line === 3)).toBe(true)
    expect(mutants.map((m) => m.description)).toEqual(
      expect.arrayContaining([
        'line 3: > -> >=',
        'line 3: negate if (x > hi)',
        'line 3: return hi -> return undefined'
      ])
    )
    const boundary = mutants.find((m) => m.description === 'line 3: > -> >=')
    expect(boundary?.source.split('\n')[2]).toBe('  if (x >= hi) return hi')
  })

  it('flips booleans and spreads a small limit over the changed lines', () => {
    const mutants = generateMutants(source, 'clamp.ts', [{ start: 2, end: 6 }], 4)
    expect(mutants).toHaveLength(4)
    expect(new Set(mutants.map((m) => m.line)).size).toBe(4)
    const flipped = generateMutants(source, 'clamp.ts', [{ start: 6, end: 6 }])
    expect(flipped.map((m) => m.source.split('\n')[5])).toContain('export const enabled = false')
  })

  it('spreads a small limit over the whole target, not its first lines', () => {
    const long = Array.from(
      { length: 30 },
      (_, i) => `export function f${i}(x: number): number {\n  return x + ${i}\n}`
    ).join('\n')
    const mutants = generateMutants(long, 'long.ts', [{ start: 1, end: 90 }], 6)
    const lines = mutants.map((m) => m.line)
    expect(new Set(lines).size).toBe(6)
    expect(Math.min(...lines)).toBeLessThan(15)
    expect(Math.max(...lines)).toBeGreaterThan(70)
  })

  it('produces mutants that still parse, without TS syntax in JS files', () => {
    const js = 'export function id(x) {\n  return x\n}\n'
    const [mutant] = generateMutants(js, 'id.js', [{ start: 2, end: 2 }])
    expect(mutant?.source).toContain('return undefined\n')
    for (const m of generateMutants(source, 'clamp.ts', []))
      expect(checkCompiles(m.source, 'clamp.ts').ok).toBe(true)
  })
})

describe('redirectImport', () => {
  it('points the module import at the mutant and leaves others alone', () => {
    const code =
      "import { clamp } from '../src/clamp.js'\nimport { x } from '../src/clamp-helpers.js'\n"
    const out = redirectImport(code, '../src/clamp.js', 'clamp.testmaster-m1', 'clamp')
    expect(out).toBe(
      "import { clamp } from '../src/clamp.testmaster-m1.js'\nimport { x } from '../src/clamp-helpers.js'\n"
    )
  })

  it('gives up when the test does not import the module by its specifier', () => {
    expect(
      redirectImport("import { clamp } from 'clamp'\n", './clamp.js', 'clamp.m', 'clamp')
    ).toBeUndefined()
  })
})

describe('checkCompiles', () => {
  it('rejects syntax errors at the compiles gate with the position', () => {
    const result = checkCompiles("it('x', () => { expect(1).toBe(1) \n", 'a.test.ts')
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.verdict).toMatchObject({ status: 'rejected', gate: 'compiles' })
      expect(result.message).toMatch(/^a\.test\.ts:2:1: /)
    }
  })
})
