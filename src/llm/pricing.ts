import type { ModelPrice, ModelPrices } from '../config/schema.js'

/**
 * The built-in price table, USD per million tokens. gpt-tokenizer's catalogue carries no current
 * prices, so we keep our own, dated, and let `llm.prices` in the config override any entry.
 *
 * Read from https://developers.openai.com/api/docs/pricing (standard tier, chat completions) as
 * republished on 2026-11-06; models OpenAI has retired from the page keep their last listed price.
 */
export const PRICE_TABLE_DATE = '2026-11-06'

export const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  'gpt-5.5': { inputPerMtok: 5, cachedInputPerMtok: 0.5, outputPerMtok: 30 },
  'gpt-5.4': { inputPerMtok: 2.5, cachedInputPerMtok: 0.25, outputPerMtok: 15 },
  'gpt-5.4-mini': { inputPerMtok: 0.75, cachedInputPerMtok: 0.075, outputPerMtok: 4.5 },
  'gpt-5.4-nano': { inputPerMtok: 0.2, cachedInputPerMtok: 0.02, outputPerMtok: 1.25 },
  'gpt-5.2': { inputPerMtok: 1.75, cachedInputPerMtok: 0.175, outputPerMtok: 14 },
  'gpt-5.1': { inputPerMtok: 1.25, cachedInputPerMtok: 0.125, outputPerMtok: 10 },
  'gpt-5': { inputPerMtok: 1.25, cachedInputPerMtok: 0.125, outputPerMtok: 10 },
  'gpt-5-mini': { inputPerMtok: 0.25, cachedInputPerMtok: 0.025, outputPerMtok: 2 },
  'gpt-5-nano': { inputPerMtok: 0.05, cachedInputPerMtok: 0.005, outputPerMtok: 0.4 },
  'gpt-4.1': { inputPerMtok: 2, cachedInputPerMtok: 0.5, outputPerMtok: 8 },
  'gpt-4.1-mini': { inputPerMtok: 0.4, cachedInputPerMtok: 0.1, outputPerMtok: 1.6 },
  'gpt-4.1-nano': { inputPerMtok: 0.1, cachedInputPerMtok: 0.025, outputPerMtok: 0.4 },
  'gpt-4o': { inputPerMtok: 2.5, cachedInputPerMtok: 1.25, outputPerMtok: 10 },
  'gpt-4o-mini': { inputPerMtok: 0.15, cachedInputPerMtok: 0.075, outputPerMtok: 0.6 },
  o3: { inputPerMtok: 2, cachedInputPerMtok: 0.5, outputPerMtok: 8 },
  'o3-mini': { inputPerMtok: 1.1, cachedInputPerMtok: 0.55, outputPerMtok: 4.4 },
  'o4-mini': { inputPerMtok: 1.1, cachedInputPerMtok: 0.275, outputPerMtok: 4.4 }
})

/** `gpt-4.1-2025-04-14` -> `gpt-4.1`: a dated snapshot is priced like its alias. */
const SNAPSHOT_SUFFIX = /-\d{4}-\d{2}-\d{2}$/

/**
 * The price of `model`: a config override first (exact name, then the alias of a dated snapshot),
 * then the built-in table. `undefined` means unknown: the caller refuses the model unless the user
 * gives a price or allows an unpriced model.
 */
export function priceFor(model: string, overrides: ModelPrices): ModelPrice | undefined {
  const alias = model.replace(SNAPSHOT_SUFFIX, '')
  return overrides[model] ?? overrides[alias] ?? BUILT_IN_PRICES[model] ?? BUILT_IN_PRICES[alias]
}

export interface TokenUsage {
  /** All prompt tokens, cached ones included (as the API reports them). */
  readonly promptTokens: number
  /** The part of `promptTokens` served from the prompt cache. */
  readonly cachedTokens: number
  readonly completionTokens: number
}

/** USD cost of one call's usage. Cached tokens are a subset of prompt tokens, billed at the cached price. */
export function costUsd(price: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(Math.max(usage.cachedTokens, 0), Math.max(usage.promptTokens, 0))
  const fresh = Math.max(usage.promptTokens, 0) - cached
  const cachedPrice = price.cachedInputPerMtok ?? price.inputPerMtok
  return (
    (fresh * price.inputPerMtok +
      cached * cachedPrice +
      Math.max(usage.completionTokens, 0) * price.outputPerMtok) /
    1_000_000
  )
}

/** The message for a model with no known price: says how to give one. */
export function unknownPriceHint(model: string): string {
  return (
    `add its price under llm.prices in .github/testmaster.yml, e.g.\n` +
    `  llm:\n    prices:\n      ${model}: { input-per-mtok: 1.0, output-per-mtok: 4.0 }\n` +
    `or set llm.allow-unpriced-model: true together with budget.max-tokens to run on token limits alone`
  )
}
