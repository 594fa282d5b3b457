import type { LineRange, ModuleAnalysis } from '../../analysis/module-model.js'
import type { FailureEvidence } from '../../generate/strategy.js'
import type { FocalPlan, FocalSelection } from './focal-context.js'
import { focusSections } from './generate-prompt.js'
import {
  ANSWER_RULES,
  type ChatMessage,
  dataBlock,
  exportsSummary,
  frameworkRules
} from './prompt-parts.js'

/** Failure output beyond this is cut: the first lines name the failing assertion. */
export const MAX_ERROR_CHARS = 3000

export const HEAL_SYSTEM_PROMPT = `You are TestMaster, a senior engineer repairing a generated unit test that failed.
First decide whose fault the failure is, and start your answer with exactly one of these lines:
VERDICT: test-bug
VERDICT: code-bug
Use code-bug only when the failing assertion follows the documented intent of the code (its JSDoc, its name, its types) and the code does something else: that is a bug to report, not a test to bend. Anything else (wrong imports, wrong expectations the documentation does not support, setup mistakes, type errors) is test-bug.
For test-bug: after the verdict line, give the complete corrected test file in one fenced code block (\`\`\`ts or \`\`\`js, as the request says). Keep the tests that passed; fix or remove the failing ones; never weaken an assertion into one that checks nothing.
For code-bug: after the verdict line, write
ASSERTION: <the failing assertion, one line>
EXPLANATION: <one or two sentences: what the documentation promises and what the code does instead>
and no code.
${ANSWER_RULES}`

/** Strips ANSI colours and trims the failure to what a healer needs. */
export function trimFailure(message: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r\n/g, '\n')
  const lines = plain.split('\n').filter((line) => !/^\s+at .*node_modules/.test(line))
  const text = lines.join('\n').trim()
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}\n… (cut)` : text
}

export interface HealPromptInput {
  readonly module: ModuleAnalysis
  readonly source: string
  readonly testCode: string
  readonly failure: FailureEvidence
  /** The part of the module the test was written for; the whole file when absent. */
  readonly focus?: { readonly plan: FocalPlan; readonly selection: FocalSelection }
  readonly uncoveredLines?: readonly LineRange[]
}

/** The chat messages asking to heal a failing test, or to classify the failure as a bug in the code. */
export function buildHealPrompt(input: HealPromptInput): ChatMessage[] {
  const { module, failure } = input
  const what = failure.gate === 'compiles' ? 'does not compile' : 'fails when run'
  const sections = [
    `The generated test for ${JSON.stringify(module.path)} ${what}. Decide the verdict, then answer as instructed.`,
    frameworkRules(module),
    dataBlock(
      failure.gate === 'compiles' ? 'compiler errors' : 'test failure output',
      trimFailure(failure.message)
    ),
    dataBlock('the failing test file', input.testCode, module.testStyle.language),
    dataBlock(
      'exports of the module (signatures and docs: the documented intent)',
      exportsSummary(module)
    ),
    ...focusSections(module, input.source, input.focus, input.uncoveredLines ?? module.changedLines)
      .sections
  ]
  return [
    { role: 'system', content: HEAL_SYSTEM_PROMPT },
    { role: 'user', content: sections.join('\n\n') }
  ]
}

export type HealAnswer =
  | { readonly verdict: 'test-bug'; readonly rest: string }
  | { readonly verdict: 'code-bug'; readonly assertion: string; readonly explanation: string }

/**
 * Reads the verdict of a heal answer. No verdict line means a plain fix (models often skip it);
 * a code-bug verdict without its fields takes the first line of the failure as the assertion.
 */
export function parseHealAnswer(answer: string, failure: FailureEvidence): HealAnswer {
  const verdict = /^\s*\**\s*VERDICT\s*:\s*\**\s*(test-bug|code-bug|possible-bug)/im.exec(answer)
  if (!verdict || verdict[1]?.toLowerCase() === 'test-bug')
    return { verdict: 'test-bug', rest: answer }
  const field = (name: string): string | undefined => {
    const match = new RegExp(`^\\s*\\**\\s*${name}\\s*:\\s*\\**\\s*(.+)$`, 'im').exec(answer)
    return match?.[1]?.trim()
  }
  const assertion = field('ASSERTION') ?? firstAssertion(failure.message)
  const explanation =
    field('EXPLANATION') ?? 'the test follows the documented behaviour and the code disagrees'
  return {
    verdict: 'code-bug',
    assertion: assertion.slice(0, 500),
    explanation: explanation.slice(0, 1000)
  }
}

function firstAssertion(message: string): string {
  const plain = trimFailure(message)
  const line = plain.split('\n').find((l) => /expect\(|Expected|toBe|toEqual|assert/.test(l))
  return (line ?? plain.split('\n')[0] ?? 'failing assertion').trim()
}
