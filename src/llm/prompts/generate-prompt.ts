import type { LineRange, ModuleAnalysis } from '../../analysis/module-model.js'
import {
  firstSelection,
  planFocus,
  renderFocus,
  WHOLE_MODULE,
  type FocalPlan,
  type FocalSelection
} from './focal-context.js'
import {
  ANSWER_RULES,
  type ChatMessage,
  dataBlock,
  exportsSummary,
  formatRanges,
  frameworkRules,
  importsSummary
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
  /** The part of the module this call targets; the first units by rank when absent. */
  readonly focus?: { readonly plan: FocalPlan; readonly selection: FocalSelection }
  /** Titles of the tests already accepted for the module: later calls must not repeat them. */
  readonly acceptedTests?: readonly string[]
  /** Which call this is for its target (1 for the first), and why earlier candidates failed. */
  readonly attempt?: number
  readonly rejectedCandidates?: readonly string[]
}

/** Accepted test titles listed in a prompt; more are counted. */
const MAX_ACCEPTED_TITLES = 60
/** Earlier rejections listed in a prompt (the latest). */
const MAX_REJECTIONS = 5

/** The focus of a prompt built without one: the whole module, or its first units by rank. */
export function defaultFocus(
  module: ModuleAnalysis,
  source: string
): { plan: FocalPlan; selection: FocalSelection } | undefined {
  const plan = planFocus(module.path, source)
  const selection = firstSelection(plan, module.changedLines)
  return selection ? { plan, selection } : undefined
}

/** The numbered source (whole, or the focal part with what is left out) for generate and heal. */
export function focusSections(
  module: ModuleAnalysis,
  source: string,
  focus: { plan: FocalPlan; selection: FocalSelection } | undefined,
  uncovered: readonly LineRange[]
): { target: string; sections: string[] } {
  if (!focus) {
    // Nothing to focus on (no units): the whole file, never cut.
    const lines = source.split(/\r?\n/)
    const width = String(lines.length).length
    const numbered = lines.map((l, i) => `${String(i + 1).padStart(width)}| ${l}`).join('\n')
    return {
      target: WHOLE_MODULE,
      sections: [
        dataBlock(`source of ${module.path} (line numbers added)`, numbered, module.language)
      ]
    }
  }
  const rendered = renderFocus(focus.plan, focus.selection, uncovered)
  const sections: string[] = []
  if (rendered.leftOut) sections.push(rendered.leftOut)
  sections.push(
    dataBlock(
      rendered.leftOut
        ? `source of ${module.path}: the code under test with the module's header (line numbers added)`
        : `source of ${module.path} (line numbers added)`,
      rendered.source,
      module.language
    )
  )
  if (rendered.callees)
    sections.push(
      dataBlock(
        'signatures and docs of what this code calls elsewhere in the module',
        rendered.callees
      )
    )
  return { target: rendered.target, sections }
}

export const GENERATE_SYSTEM_PROMPT = `You are TestMaster, a senior engineer who writes focused, reliable unit tests for TypeScript and JavaScript modules changed in a pull request.
Answer with exactly one complete test file in a single fenced code block (\`\`\`ts or \`\`\`js, as the request says), and nothing after it. No partial snippets, no placeholders.
${ANSWER_RULES}`

/** The chat messages asking for one complete test file for `module`. */
export function buildGeneratePrompt(input: GeneratePromptInput): ChatMessage[] {
  const { module } = input
  const uncovered = input.uncoveredLines ?? module.changedLines
  const focus = input.focus ?? defaultFocus(module, input.source)
  const shown = focusSections(module, input.source, focus, uncovered)
  const partial = shown.target !== WHOLE_MODULE
  const sections: string[] = [
    `Write one complete ${module.package.framework ?? 'jest'} test file for the module ${JSON.stringify(module.path)}.`,
    frameworkRules(module),
    `- Changed lines in this PR: ${formatRanges(module.changedLines)}.`,
    `- Lines not yet covered by any test (cover these first, changed ones before others): ${formatRanges(uncovered)}.`
  ]
  if (partial) {
    sections.push(
      `- The module is large, so this call covers part of it: ${shown.target}. Write tests for this code (through the module's exports); the other parts are tested in other calls.`
    )
  }
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
  const attempt = input.attempt ?? 1
  const rejectedBefore = (input.rejectedCandidates ?? []).slice(-MAX_REJECTIONS)
  if (attempt > 1) {
    sections.push(
      `- This is candidate ${attempt} for this code: earlier answers did not cover it.${rejectedBefore.length > 0 ? ' Their rejections are listed below: do not repeat what failed them.' : ''}`
    )
  }
  if (rejectedBefore.length > 0)
    sections.push(
      dataBlock('earlier candidates for this module that were rejected', rejectedBefore.join('\n'))
    )
  const accepted = input.acceptedTests ?? []
  if (accepted.length > 0) {
    sections.push(
      '- Tests already accepted for this module are listed below: do not repeat them; cover the lines still uncovered, edge cases and error paths.'
    )
    const titles = accepted.slice(0, MAX_ACCEPTED_TITLES)
    if (accepted.length > titles.length)
      titles.push(`… and ${accepted.length - titles.length} more`)
    sections.push(dataBlock('tests already accepted for this module', titles.join('\n')))
  }
  sections.push(dataBlock('exports of the module (signatures and docs)', exportsSummary(module)))
  sections.push(dataBlock('imports of the module', importsSummary(module)))
  sections.push(...shown.sections)
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
