import type { ModuleAnalysis } from '../analysis/module-model.js'
import type { Settings } from '../config/schema.js'
import { buildGeneratePrompt } from './prompts/generate-prompt.js'
import { costUsd, priceFor } from './pricing.js'
import { countPromptTokens } from './token-count.js'

export interface ModuleCostEstimate {
  /** Prompt tokens of one generate call, as the budget would reserve them. */
  readonly promptTokens: number
  /** Generate calls the depth makes for the module (its candidates). */
  readonly calls: number
  /**
   * Worst-case USD of those calls: each prompt at the input price plus the output cap at the
   * output price (what the budget reserves). 0 when the model has no known price.
   */
  readonly costUsd: number
  /** False when the model has no known price, so `costUsd` says nothing. */
  readonly priced: boolean
}

/**
 * The plan's estimate for a module: builds the real generate prompt (with the changed lines as the
 * uncovered ones, as before any test runs) and prices `calls` of it with the output cap. Healing
 * rounds come on top only when candidates fail, so they are not counted.
 */
export function estimateModuleCost(
  module: ModuleAnalysis,
  source: string,
  llm: Settings['llm'],
  calls = 1
): ModuleCostEstimate {
  const messages = buildGeneratePrompt({ module, source })
  const promptTokens = countPromptTokens(messages, llm.model)
  const price = priceFor(llm.model, llm.prices)
  if (!price) return { promptTokens, calls, costUsd: 0, priced: false }
  const perCall = costUsd(price, {
    promptTokens,
    cachedTokens: 0,
    completionTokens: llm.maxOutputTokens
  })
  return { promptTokens, calls, costUsd: perCall * calls, priced: true }
}
