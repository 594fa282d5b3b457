import type { LineRange, ModuleAnalysis } from '../../analysis/module-model.js'
import {
  ANSWER_RULES,
  type ChatMessage,
  dataBlock,
  exportsSummary,
  formatRanges,
  frameworkRules,
  importsSummary,
  numberedSource
} from './prompt-parts.js'

/** The style example is cut to this many lines: it shows conventions, not content. */
const STYLE_EXAMPLE_LINES = 120

export interface GeneratePromptInput {
  readonly module: ModuleAnalysis
  readonly source: string
  /** Lines still uncovered; the module's changed lines when unknown. */
  readonly uncoveredLines?: readonly LineRange[]
  readonly styleExample?: { readonly path: string; readonly code: string }
  /** 1-based index of this candidate among several for the module: asks for a different angle. */
  readonly candidate?: { readonly index: number; readonly of: number }
}

export const GENERATE_SYSTEM_PROMPT = `You are TestMaster, a senior engineer who writes focused, reliable unit tests for TypeScript and JavaScript modules changed in a pull request.
Answer with exactly one complete test file in a single fenced code block (\`\`\`ts or \`\`\`js, as the request says), and nothing after it. No partial snippets, no placeholders.
${ANSWER_RULES}`

/** The chat messages asking for one complete test file for `module`. */
export function buildGeneratePrompt(input: GeneratePromptInput): ChatMessage[] {
  const { module } = input
  const uncovered = input.uncoveredLines ?? module.changedLines
  const sections: string[] = [
    `Write one complete ${module.package.framework ?? 'jest'} test file for the module ${JSON.stringify(module.path)}.`,
    frameworkRules(module),
    `- Changed lines in this PR: ${formatRanges(module.changedLines)}.`,
    `- Lines not yet covered by any test (cover these first, changed ones before others): ${formatRanges(uncovered)}.`
  ]
  if (module.sideEffects.length > 0) {
    sections.push(
      `- The module touches: ${module.sideEffects.join(', ')}. Isolate these (fake timers, temp dirs, stubs) in the test.`
    )
  }
  if (input.candidate && input.candidate.of > 1) {
    sections.push(
      `- This is candidate ${input.candidate.index} of ${input.candidate.of}: ${input.candidate.index === 1 ? 'cover the main behaviour of the changed code' : 'focus on edge cases, error paths and boundaries the first candidate would miss'}.`
    )
  }
  sections.push(dataBlock('exports of the module (signatures and docs)', exportsSummary(module)))
  sections.push(dataBlock('imports of the module', importsSummary(module)))
  sections.push(
    dataBlock(
      `source of ${module.path} (line numbers added)`,
      numberedSource(module, input.source),
      module.language
    )
  )
  if (input.styleExample) {
    const lines = input.styleExample.code.split(/\r?\n/)
    const code =
      lines.length > STYLE_EXAMPLE_LINES
        ? `${lines.slice(0, STYLE_EXAMPLE_LINES).join('\n')}\n// … cut …`
        : input.styleExample.code
    sections.push(
      dataBlock(
        `an existing test of the repository (${input.styleExample.path}), follow its style`,
        code
      )
    )
  }
  sections.push('Now write the test file.')
  return [
    { role: 'system', content: GENERATE_SYSTEM_PROMPT },
    { role: 'user', content: sections.join('\n\n') }
  ]
}
