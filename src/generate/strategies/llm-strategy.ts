import type { Settings } from '../../config/schema.js'
import type { ChatClient, CompletionResult } from '../../llm/client.js'
import { extractTestCode } from '../../llm/extract-test-code.js'
import { buildGeneratePrompt } from '../../llm/prompts/generate-prompt.js'
import { buildHealPrompt, parseHealAnswer } from '../../llm/prompts/heal-prompt.js'
import { scanTestCode } from '../../llm/scan-output.js'
import type { LimitName } from '../../report/report-schema.js'
import type {
  FailureEvidence,
  GenerationContext,
  HealOutcome,
  ProposeOutcome,
  ProposedTest,
  Strategy
} from '../strategy.js'

/**
 * The LLM strategy: asks the model for whole test files and repairs failing ones. Every answer is
 * parsed (an answer with no usable code is a rejected attempt with its reason, never a crash) and
 * scanned (SECURITY 24) before the pipeline writes or runs it. Budget refusals and the deadline
 * come back as `stopped`, so the pipeline keeps what it has and the explorer carries on.
 */

export interface LlmStrategyDeps {
  /** The OpenAI client, or the replay of a recorded session. */
  readonly client: ChatClient
  readonly settings: Settings
}

type Interpreted =
  | { readonly kind: 'code'; readonly code: string; readonly salvaged: boolean }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'stopped'; readonly limit: LimitName; readonly reason: string }

export function createLlmStrategy(deps: LlmStrategyDeps): Strategy {
  const { client } = deps

  /** What one completion gives the pipeline: code that passed parsing and the scan, or why not. */
  const interpret = (result: CompletionResult, testPath: string): Interpreted => {
    switch (result.status) {
      case 'refused':
        return { kind: 'stopped', limit: result.limit, reason: result.reason }
      case 'aborted':
        return { kind: 'stopped', limit: result.limit ?? 'time', reason: result.reason }
      case 'failed':
        return {
          kind: 'rejected',
          reason: `${result.error.code}: ${result.error.message}${result.error.hint ? ` (${result.error.hint})` : ''}`
        }
      case 'completed': {
        const extracted = extractTestCode(result.text, {
          truncated: result.finishReason === 'length'
        })
        if (extracted.status === 'no-code') {
          client.markOutcome(
            result.callId,
            result.finishReason === 'length' ? 'truncated' : 'no-code'
          )
          return { kind: 'rejected', reason: extracted.reason }
        }
        const scan = scanTestCode(extracted.code, testPath)
        if (scan.status === 'rejected') return { kind: 'rejected', reason: scan.reason }
        return { kind: 'code', code: extracted.code, salvaged: extracted.salvaged ?? false }
      }
    }
  }

  return {
    name: 'llm',

    async propose(context: GenerationContext, count: number): Promise<ProposeOutcome> {
      const { module } = context
      const wanted = Math.max(1, count)
      const results = await Promise.all(
        Array.from({ length: wanted }, (_, i) =>
          client.complete({
            module: module.path,
            purpose: 'generate',
            signal: context.signal,
            messages: buildGeneratePrompt({
              module,
              source: context.source,
              uncoveredLines: context.uncoveredLines,
              styleExample: context.styleExample,
              candidate: { index: i + 1, of: wanted }
            })
          })
        )
      )
      const tests: ProposedTest[] = []
      const rejected: { label: string; reason: string }[] = []
      let stopped: { limit: LimitName; reason: string } | undefined
      results.forEach((result, i) => {
        const label = `llm candidate ${i + 1}`
        const outcome = interpret(result, module.placement.testPath)
        if (outcome.kind === 'code')
          tests.push({
            code: outcome.code,
            label: outcome.salvaged ? `${label} (salvaged from a truncated answer)` : label
          })
        else if (outcome.kind === 'rejected') rejected.push({ label, reason: outcome.reason })
        else stopped ??= { limit: outcome.limit, reason: outcome.reason }
      })
      if (tests.length > 0)
        return rejected.length > 0
          ? { status: 'proposed', tests, rejected }
          : { status: 'proposed', tests }
      if (stopped && rejected.length === 0) return { status: 'stopped', ...stopped }
      const reasons = rejected.map((r) => (wanted > 1 ? `${r.label}: ${r.reason}` : r.reason))
      if (stopped) reasons.push(`then ${stopped.reason}`)
      return { status: 'no-code', reason: reasons.join('; ') }
    },

    async heal(
      context: GenerationContext,
      test: ProposedTest,
      failure: FailureEvidence
    ): Promise<HealOutcome> {
      const { module } = context
      const result = await client.complete({
        module: module.path,
        purpose: 'heal',
        signal: context.signal,
        messages: buildHealPrompt({ module, source: context.source, testCode: test.code, failure })
      })
      if (result.status === 'completed') {
        const answer = parseHealAnswer(result.text, failure)
        if (answer.verdict === 'code-bug') {
          // A compile error is always the test's fault: only a failing assertion can reveal a bug.
          if (failure.gate === 'passes')
            return {
              status: 'possible-bug',
              assertion: answer.assertion,
              explanation: answer.explanation
            }
          client.markOutcome(result.callId, 'no-code')
          return {
            status: 'no-code',
            reason: 'the model called a compile error a bug in the code and gave no fix'
          }
        }
      }
      const outcome = interpret(result, module.placement.testPath)
      switch (outcome.kind) {
        case 'code':
          return { status: 'healed', test: { code: outcome.code, label: `${test.label}, healed` } }
        case 'rejected':
          return { status: 'no-code', reason: outcome.reason }
        case 'stopped':
          return { status: 'stopped', limit: outcome.limit, reason: outcome.reason }
      }
    }
  }
}
