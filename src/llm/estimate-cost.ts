import type { ModuleAnalysis } from '../analysis/module-model.js'
import type { Settings } from '../config/schema.js'
import { buildGeneratePrompt } from './prompts/generate-prompt.js'
import { costUsd, priceFor } from './pricing.js'
import { countPromptTokens } from './token-count.js'

export interface ModuleCostEstimate {
  /** Prompt tokens of one generate call, as the budget would reserve them. */
  readonly promptTokens: number
  /**
   * Worst-case USD of one generate call: the prompt at the input price plus the output cap at the
   * output price (what the budget reserves). 0 when the model has no known price.
   */
  readonly costUsd: number
}

/**
 * The plan's estimate for a module: builds the real generate prompt (with the changed lines as the
 * uncovered ones, as before any test runs) and prices it with the output cap. Multiply by the
 * candidates and healing rounds of the depth for a module's worst case.
 */
export function estimateModuleCost(
  module: ModuleAnalysis,
  source: string,
  llm: Settings['llm']
): ModuleCostEstimate {
  const messages = buildGeneratePrompt({ module, source })
  const promptTokens = countPromptTokens(messages, llm.model)
  const price = priceFor(llm.model, llm.prices)
  if (!price) return { promptTokens, costUsd: 0 }
  return {
    promptTokens,
    costUsd: costUsd(price, {
      promptTokens,
      cachedTokens: 0,
      completionTokens: llm.maxOutputTokens
    })
  }
}
