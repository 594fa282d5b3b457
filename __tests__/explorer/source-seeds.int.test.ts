import { describe, expect, it } from '@jest/globals'
import {
  SEEDS_TIMEOUT_MS,
  seedsFromSource
} from '../../src/generate/strategies/explorer/explore-module.js'

/**
 * SECURITY 36: the explorer's seeds (literals, regex samples) come from PR source, so they are
 * computed in the explorer child under a time limit, never in the action's own process.
 */
describe('seedsFromSource', () => {
  const module = (source: string) => ({
    path: 'src/codes.ts',
    language: 'ts' as const,
    exports: [],
    source
  })

  it('gives the literals and regex samples of a module, from the child', async () => {
    const { source, ...spec } = module(
      "export function unit(s: string) {\n  return /^(\\d+)(ms|s)$/.test(s) ? 'kb' : 'mb'\n}\n"
    )
    const seeds = await seedsFromSource(spec, source)
    expect(seeds.problem).toBeUndefined()
    expect(seeds.literals).toEqual(
      expect.arrayContaining([
        { t: 'string', v: 'kb' },
        { t: 'string', v: 'mb' },
        { t: 'string', v: expect.stringMatching(/^\d+(ms|s)$/) as unknown as string }
      ])
    )
  })

  it('SECURITY 36: a regex whose sample backtracks for hours costs the time limit, then no seeds', async () => {
    const { source, ...spec } = module(
      "export function isCode(s: string) {\n  if (/^(?=(a+)+$)a{30}b$/.test(s)) return false\n  return s === 'code'\n}\n"
    )
    const started = Date.now()
    const seeds = await seedsFromSource(spec, source)
    expect(seeds).toEqual({
      literals: [],
      propertyHints: {},
      problem:
        'the literals and regexes of src/codes.ts gave no seeds (timeout); explored without them'
    })
    // Killed at the limit, not hours later (generous: a busy machine starts children slowly).
    expect(Date.now() - started).toBeLessThan(SEEDS_TIMEOUT_MS + 30_000)
  }, 60_000)
})
