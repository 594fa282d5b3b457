import type { ModuleAnalysis } from '../analysis/module-model.js'
import type { Settings } from '../config/schema.js'
import { callsToCoverAll, planFocus } from './prompts/focal-context.js'
import { buildGeneratePrompt } from './prompts/generate-prompt.js'
import { costUsd, priceFor } from './pricing.js'
import { countPromptTokens } from './token-count.js'

export interface ModuleCostEstimate {
  /** Prompt tokens of one generate call, as the budget would reserve them. */
  readonly promptTokens: number
  /** Generate calls: the calls that cover every focal unit once, times the depth's candidates. */
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
 * The plan's estimate for a module: builds the real generate prompt of its first call (with the
 * changed lines as the uncovered ones, as before any test runs) and prices it, with the output cap,
 * for each call that covers the module's focal units, `callsPerTarget` times. Healing rounds come
 * on top only when candidates fail, and calls for covered units are never made, so neither counts.
 */
export function estimateModuleCost(
  module: ModuleAnalysis,
  source: string,
  llm: Settings['llm'],
  callsPerTarget = 1
): ModuleCostEstimate {
  const calls = callsToCoverAll(planFocus(module.path, source)) * callsPerTarget
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
