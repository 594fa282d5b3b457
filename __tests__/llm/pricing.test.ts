import { describe, expect, it } from '@jest/globals'
import { BUILT_IN_PRICES, PRICE_TABLE_DATE, costUsd, priceFor } from '../../src/llm/pricing.js'

describe('priceFor', () => {
  it('knows the current OpenAI models', () => {
    for (const model of [
      'gpt-5',
      'gpt-5-mini',
      'gpt-5-nano',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
      'gpt-4o',
      'gpt-4o-mini',
      'o3',
      'o4-mini'
    ]) {
      expect(priceFor(model, {})).toBeDefined()
    }
    expect(PRICE_TABLE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  it('prices a dated snapshot like its alias', () => {
    expect(priceFor('gpt-4.1-2025-04-14', {})).toEqual(BUILT_IN_PRICES['gpt-4.1'])
  })

  it('prefers a config override, exact name first', () => {
    const override = { inputPerMtok: 9, outputPerMtok: 9 }
    expect(priceFor('gpt-5-mini', { 'gpt-5-mini': override })).toBe(override)
    expect(priceFor('llama3:8b', { 'llama3:8b': override })).toBe(override)
  })

  it('returns undefined for an unknown model', () => {
    expect(priceFor('my-local-model', {})).toBeUndefined()
  })
})

describe('costUsd', () => {
  it('bills cached prompt tokens at the cached price and the rest at the input price', () => {
    const price = { inputPerMtok: 2, cachedInputPerMtok: 0.5, outputPerMtok: 8 }
    expect(
      costUsd(price, { promptTokens: 1_000_000, cachedTokens: 400_000, completionTokens: 100_000 })
    ).toBeCloseTo(0.6 * 2 + 0.4 * 0.5 + 0.1 * 8, 12)
  })

  it('falls back to the input price when no cached price is known', () => {
    const price = { inputPerMtok: 1, outputPerMtok: 4 }
    expect(
      costUsd(price, { promptTokens: 1000, cachedTokens: 1000, completionTokens: 0 })
    ).toBeCloseTo(0.001, 12)
  })
})
