import type { Settings } from '../../config/schema.js'
import type { ChatClient, CompletionResult } from '../../llm/client.js'
import { extractTestCode } from '../../llm/extract-test-code.js'
import {
  planFocus,
  selectUnits,
  type FocalPlan,
  type FocalSelection
} from '../../llm/prompts/focal-context.js'
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
 * The LLM strategy: asks the model for whole test files, one focal part of the module per call
 * (the whole module when it fits), and repairs failing ones. Every answer is
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

/** Per module: its focal plan, the calls made per unit, and the focus each test was written for. */
interface ModuleFocus {
  readonly source: string
  readonly plan: FocalPlan
  readonly attempts: Map<string, number>
  readonly focusOf: WeakMap<ProposedTest, { plan: FocalPlan; selection: FocalSelection }>
  calls: number
}

export function createLlmStrategy(deps: LlmStrategyDeps): Strategy {
  const { client } = deps
  const modules = new Map<string, ModuleFocus>()
  const stateOf = (path: string, source: string): ModuleFocus => {
    const known = modules.get(path)
    if (known && known.source === source) return known
    const fresh: ModuleFocus = {
      source,
      plan: planFocus(path, source),
      attempts: new Map(),
      focusOf: new WeakMap(),
      calls: 0
    }
    modules.set(path, fresh)
    return fresh
  }

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
      const state = stateOf(module.path, context.source)
      // One call per proposal: the pipeline judges its test and asks again, so the next call sees
      // the refreshed uncovered lines and the accepted tests, and a covered unit gets no call.
      const selected = selectUnits(state.plan, {
        uncovered: context.uncoveredLines,
        changed: module.changedLines,
        attempts: state.attempts,
        maxAttempts: Math.max(1, count),
        includeCovered: deps.settings.includeCovered
      })
      if (selected.status === 'none') return { status: 'exhausted', reason: selected.reason }
      const { selection } = selected
      const attempt = 1 + Math.max(0, ...selection.units.map((u) => state.attempts.get(u) ?? 0))
      for (const unit of selection.units)
        state.attempts.set(unit, (state.attempts.get(unit) ?? 0) + 1)
      const focus = { plan: state.plan, selection }
      const target = state.plan.whole ? undefined : selection.label
      const label = `llm candidate ${++state.calls}${target ? `: ${target}` : ''}`
      const result = await client.complete({
        module: module.path,
        purpose: 'generate',
        signal: context.signal,
        messages: buildGeneratePrompt({
          module,
          source: context.source,
          uncoveredLines: context.uncoveredLines,
          styleExample: context.styleExample,
          focus,
          acceptedTests: context.acceptedTests,
          attempt,
          rejectedCandidates: context.rejectedCandidates
        })
      })
      const outcome = interpret(result, module.placement.testPath)
      const onTarget = target ? { target } : {}
      switch (outcome.kind) {
        case 'stopped':
          return { status: 'stopped', limit: outcome.limit, reason: outcome.reason }
        case 'rejected':
          return { status: 'no-code', reason: outcome.reason, more: true, ...onTarget }
        case 'code': {
          const test: ProposedTest = {
            code: outcome.code,
            label: outcome.salvaged ? `${label} (salvaged from a truncated answer)` : label,
            ...onTarget
          }
          state.focusOf.set(test, focus)
          return { status: 'proposed', tests: [test], more: true }
        }
      }
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
        messages: buildHealPrompt({
          module,
          source: context.source,
          testCode: test.code,
          failure,
          focus: stateOf(module.path, context.source).focusOf.get(test),
          uncoveredLines: context.uncoveredLines
        })
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
        case 'code': {
          const healedTest: ProposedTest = {
            code: outcome.code,
            label: `${test.label}, healed`,
            ...(test.target ? { target: test.target } : {})
          }
          const state = stateOf(module.path, context.source)
          const focus = state.focusOf.get(test)
          if (focus) state.focusOf.set(healedTest, focus)
          return { status: 'healed', test: healedTest }
        }
        case 'rejected':
          return { status: 'no-code', reason: outcome.reason }
        case 'stopped':
          return { status: 'stopped', limit: outcome.limit, reason: outcome.reason }
      }
    }
  }
}
