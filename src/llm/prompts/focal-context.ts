import {
  mergeRanges,
  outlineModule,
  type FocalUnit,
  type ModuleOutline
} from '../../analysis/focal-units.js'
import type { LineRange } from '../../analysis/module-model.js'
import { countTokens } from '../token-count.js'
import { formatRanges } from './prompt-parts.js'

/**
 * What one generate call shows of a module: the whole file when it fits, else the focal units the
 * call targets with their full source, the module's header, the heads of their classes or
 * constructors, the types they use and the signatures and docs of what they call. Budgeted in
 * tokens, and every part left out is named in the prompt, so nothing is cut silently.
 */

/** Focal source one call carries: about what one answer can test well. */
export const FOCAL_SOURCE_TOKENS = 6000
/** The header (imports, wrapper, constants) shown with every call. */
const HEADER_TOKENS = 1500
/** Signatures and docs of what the units call, and the types they use. */
const CONTEXT_TOKENS = 2000
/** Names listed one by one in "left out"; the rest are counted with their lines. */
const MAX_LISTED = 80
/** Header lines always shown: what the module imports. */
const IMPORT_LINE = /^\s*(import\s|export\s.*\sfrom\s)|\brequire\(/

export interface FocalPlan {
  readonly outline: ModuleOutline
  /** The whole file fits one call: it is shown whole, as one unit. */
  readonly whole: boolean
  readonly units: readonly FocalUnit[]
  readonly tokens: ReadonlyMap<string, number>
  readonly lines: readonly string[]
}

/** A call's target: the units it shows in full. */
export interface FocalSelection {
  readonly units: readonly string[]
  /** `parse, Parser.prototype.{next, peek}` or `the whole module`. */
  readonly label: string
  readonly lines: readonly LineRange[]
}

export const WHOLE_MODULE = 'the whole module'

/** Splits the module into units and prices each in tokens. */
export function planFocus(path: string, source: string): FocalPlan {
  const outline = outlineModule(path, source)
  const lines = source.split(/\r?\n/)
  const wholeTokens = countTokens(numbered(lines, [{ start: 1, end: lines.length }]))
  // Code of its own but no unit to split it by (module-level statements only): shown whole.
  const whole =
    outline.ownLogic && (wholeTokens <= FOCAL_SOURCE_TOKENS || outline.units.length === 0)
  const units: FocalUnit[] = whole
    ? [
        {
          name: WHOLE_MODULE,
          kind: 'code',
          lines: { start: 1, end: lines.length },
          signature: '',
          references: [],
          memberReferences: []
        }
      ]
    : outline.ownLogic
      ? [...outline.units]
      : []
  const tokens = new Map<string, number>()
  for (const unit of units) tokens.set(unit.name, countTokens(numbered(lines, [unit.lines])))
  return { outline, whole, units, tokens, lines }
}

export interface SelectInput {
  readonly uncovered: readonly LineRange[]
  readonly changed: readonly LineRange[]
  /** Calls already made per unit for this module. */
  readonly attempts: ReadonlyMap<string, number>
  readonly maxAttempts: number
  /** Target covered units too (include-covered). */
  readonly includeCovered: boolean
}

export type Selected =
  | { readonly status: 'selected'; readonly selection: FocalSelection }
  | { readonly status: 'none'; readonly reason: string }

/**
 * The next call's target: units with uncovered lines (changed ones first) and calls left, the
 * least-tried and most-uncovered first, packed into the token budget. A unit whose lines are all
 * covered is not targeted: a call for it would buy duplicates.
 */
export function selectUnits(plan: FocalPlan, input: SelectInput): Selected {
  if (plan.units.length === 0)
    return {
      status: 'none',
      reason:
        'the module has no logic of its own (re-exports, types or constants only): nothing for the model to test'
    }
  const ranked = plan.units
    .map((unit, order) => ({
      unit,
      order,
      tries: input.attempts.get(unit.name) ?? 0,
      uncovered: overlap(unit.lines, input.uncovered),
      uncoveredChanged: overlap(unit.lines, intersect(input.uncovered, input.changed))
    }))
    .filter((r) => r.tries < input.maxAttempts)
  const open = ranked.filter((r) => r.uncovered > 0 || (input.includeCovered && r.tries === 0))
  if (open.length === 0) {
    const covered = plan.units.every((u) => overlap(u.lines, input.uncovered) === 0)
    return {
      status: 'none',
      reason: covered
        ? plan.whole
          ? 'every line of the module is already covered by existing or accepted tests'
          : `all ${plan.units.length} focal units are already covered by existing or accepted tests`
        : `the focal units still uncovered had their ${input.maxAttempts} call(s) each`
    }
  }
  open.sort(
    (a, b) =>
      a.tries - b.tries ||
      b.uncoveredChanged - a.uncoveredChanged ||
      b.uncovered - a.uncovered ||
      a.order - b.order
  )
  const picked: FocalUnit[] = []
  const owners = new Set<string>()
  let used = 0
  for (const { unit } of open) {
    const own = plan.tokens.get(unit.name) ?? 0
    const head = unit.owner && !owners.has(unit.owner) ? ownerHeadTokens(plan, unit.owner) : 0
    if (picked.length > 0 && used + own + head > FOCAL_SOURCE_TOKENS) continue
    picked.push(unit)
    used += own + head
    if (unit.owner) owners.add(unit.owner)
  }
  picked.sort((a, b) => a.lines.start - b.lines.start)
  return {
    status: 'selected',
    selection: {
      units: picked.map((u) => u.name),
      label: labelOf(picked),
      lines: mergeRanges(picked.map((u) => u.lines))
    }
  }
}

/** A whole-module selection, for prompts built without a plan (estimates, heals of old tests). */
export function firstSelection(
  plan: FocalPlan,
  changed: readonly LineRange[]
): FocalSelection | undefined {
  const selected = selectUnits(plan, {
    uncovered: [{ start: 1, end: plan.lines.length }],
    changed,
    attempts: new Map(),
    maxAttempts: 1,
    includeCovered: true
  })
  return selected.status === 'selected' ? selected.selection : undefined
}

/** How many calls cover every unit once (for the plan's cost estimate). */
export function callsToCoverAll(plan: FocalPlan): number {
  let calls = 0
  const attempts = new Map<string, number>()
  for (;;) {
    const next = selectUnits(plan, {
      uncovered: [{ start: 1, end: plan.lines.length }],
      changed: [],
      attempts,
      maxAttempts: 1,
      includeCovered: true
    })
    if (next.status === 'none') return Math.max(1, calls)
    calls++
    for (const name of next.selection.units) attempts.set(name, 1)
  }
}

export interface RenderedFocus {
  /** Numbered source: header, owner heads, types and the focal units; gaps marked. */
  readonly source: string
  /** Signatures and docs of what the units call that is not shown, or undefined. */
  readonly callees?: string
  /** What the prompt leaves out, with lines, or undefined when the whole module is shown. */
  readonly leftOut?: string
  /** One line for the request: what this call targets. */
  readonly target: string
}

/** The parts of the prompt that show `selection` of the module. */
export function renderFocus(
  plan: FocalPlan,
  selection: FocalSelection,
  uncovered: readonly LineRange[]
): RenderedFocus {
  const all = plan.lines.length
  if (plan.whole || selection.units.includes(WHOLE_MODULE)) {
    return { source: numbered(plan.lines, [{ start: 1, end: all }]), target: WHOLE_MODULE }
  }
  const chosen = plan.units.filter((u) => selection.units.includes(u.name))
  const shown: LineRange[] = chosen.map((u) => u.lines)
  const omittedContext: string[] = []

  // The header: imports and requires always, then the rest of it (wrapper, constants) within
  // its budget; what does not fit is listed.
  const headerLines = plan.outline.header.flatMap((r) =>
    Array.from({ length: r.end - r.start + 1 }, (_, i) => r.start + i)
  )
  const isImport = (line: number): boolean => IMPORT_LINE.test(plan.lines[line - 1] ?? '')
  let headerUsed = 0
  const headerLeftOut: LineRange[] = []
  for (const line of [
    ...headerLines.filter(isImport),
    ...headerLines.filter((l) => !isImport(l))
  ]) {
    const cost = countTokens(plan.lines[line - 1] ?? '') + 2
    if (!isImport(line) && headerUsed + cost > HEADER_TOKENS) {
      headerLeftOut.push({ start: line, end: line })
      continue
    }
    headerUsed += cost
    shown.push({ start: line, end: line })
  }
  for (const range of mergeRanges(headerLeftOut))
    omittedContext.push(`module-level code, ${rangeText(range)}`)
  // The heads of the classes and constructors the methods belong to.
  for (const owner of new Set(chosen.map((u) => u.owner).filter((o): o is string => !!o)))
    shown.push(...(plan.outline.ownerHeads.get(owner) ?? []))

  // Types the units use, then signatures and docs of what they call, within one budget.
  const references = new Set(chosen.flatMap((u) => u.references))
  const members = new Set(chosen.flatMap((u) => u.memberReferences))
  let contextUsed = 0
  for (const type of plan.outline.types) {
    if (!references.has(type.name)) continue
    const cost = countTokens(numbered(plan.lines, [type.lines]))
    if (contextUsed + cost > CONTEXT_TOKENS) {
      omittedContext.push(`type ${type.name}, lines ${type.lines.start}-${type.lines.end}`)
      continue
    }
    contextUsed += cost
    shown.push(type.lines)
  }
  const shownRanges = mergeRanges(shown)
  const isShown = (unit: FocalUnit): boolean =>
    shownRanges.some((r) => r.start <= unit.lines.start && r.end >= unit.lines.end)
  const called = plan.units.filter(
    (u) =>
      !isShown(u) &&
      (references.has(shortName(u)) || (u.kind === 'method' && members.has(shortName(u))))
  )
  const calleeLines: string[] = []
  for (const unit of called) {
    const text = `${unit.signature} (lines ${unit.lines.start}-${unit.lines.end})${unit.doc ? `\n  doc: ${unit.doc}` : ''}`
    const cost = countTokens(text)
    if (contextUsed + cost > CONTEXT_TOKENS) {
      omittedContext.push(`the signature of ${unit.name}`)
      continue
    }
    contextUsed += cost
    calleeLines.push(text)
  }

  // Everything not shown, named with its lines and whether tests already run it.
  const notShown = plan.units.filter((u) => !isShown(u))
  const coveredNames: string[] = []
  const openNames: string[] = []
  for (const unit of notShown) {
    const entry = `${unit.name} (${rangeText(unit.lines)})`
    if (overlap(unit.lines, uncovered) === 0) coveredNames.push(entry)
    else openNames.push(entry)
  }
  const leftOut: string[] = [
    `This prompt shows ${formatRanges(shownRanges)} of the ${all} lines of the module; the rest is left out:`
  ]
  if (openNames.length > 0)
    leftOut.push(`- not yet covered, tested in other calls: ${listed(openNames)}`)
  if (coveredNames.length > 0)
    leftOut.push(`- already covered by existing or accepted tests: ${listed(coveredNames)}`)
  if (omittedContext.length > 0)
    leftOut.push(`- context left out for lack of room: ${listed(omittedContext)}`)

  return {
    source: numbered(plan.lines, shownRanges),
    ...(calleeLines.length > 0 ? { callees: calleeLines.join('\n') } : {}),
    leftOut: leftOut.join('\n'),
    target: selection.label
  }
}

/** `a, b, c` up to MAX_LISTED names, then how many more. */
function listed(names: readonly string[]): string {
  if (names.length <= MAX_LISTED) return names.join(', ')
  return `${names.slice(0, MAX_LISTED).join(', ')} and ${names.length - MAX_LISTED} more`
}

function rangeText(range: LineRange): string {
  return range.start === range.end ? `line ${range.start}` : `lines ${range.start}-${range.end}`
}

/** The name a caller uses: `parse`, `next` for `Parser.prototype.next` or `Parser#next`. */
function shortName(unit: FocalUnit): string {
  return unit.name.split(/[.#]/).at(-1) ?? unit.name
}

function ownerHeadTokens(plan: FocalPlan, owner: string): number {
  const head = plan.outline.ownerHeads.get(owner)
  return head ? countTokens(numbered(plan.lines, head)) : 0
}

/** `parse, Parser.prototype.{next, peek}`: methods grouped under their owner. */
function labelOf(units: readonly FocalUnit[]): string {
  const parts: string[] = []
  const groups = new Map<string, string[]>()
  for (const unit of units) {
    if (unit.kind !== 'method' || !unit.owner) {
      parts.push(unit.name)
      continue
    }
    const separator = /\.prototype\./.test(unit.name)
      ? '.prototype.'
      : unit.name.includes('#')
        ? '#'
        : '.'
    const [prefix] = unit.name.split(separator === '.prototype.' ? '.prototype.' : separator)
    const key = `${prefix ?? unit.owner}${separator}`
    const list = groups.get(key) ?? []
    if (list.length === 0) parts.push(key)
    list.push(unit.name.slice(key.length))
    groups.set(key, list)
  }
  return parts
    .map((part) => {
      const list = groups.get(part)
      if (!list) return part
      return list.length === 1 ? `${part}${list[0]}` : `${part}{${list.join(', ')}}`
    })
    .join(', ')
}

/** Lines of `range` that fall in `ranges`. */
function overlap(range: LineRange, ranges: readonly LineRange[]): number {
  let count = 0
  for (const r of ranges) {
    const start = Math.max(r.start, range.start)
    const end = Math.min(r.end, range.end)
    if (end >= start) count += end - start + 1
  }
  return count
}

function intersect(a: readonly LineRange[], b: readonly LineRange[]): LineRange[] {
  const out: LineRange[] = []
  for (const x of a)
    for (const y of b) {
      const start = Math.max(x.start, y.start)
      const end = Math.min(x.end, y.end)
      if (end >= start) out.push({ start, end })
    }
  return out
}

/** The lines in `ranges`, numbered as in the file, each gap marked with the lines it skips. */
export function numbered(lines: readonly string[], ranges: readonly LineRange[]): string {
  const width = String(lines.length).length
  const out: string[] = []
  let next = 1
  for (const range of mergeRanges(ranges)) {
    const start = Math.max(1, range.start)
    const end = Math.min(lines.length, range.end)
    if (start > next) out.push(`${' '.repeat(width)}  … lines ${next}-${start - 1} not shown …`)
    for (let i = start; i <= end; i++)
      out.push(`${String(i).padStart(width)}| ${lines[i - 1] ?? ''}`)
    next = end + 1
  }
  if (next <= lines.length && out.length > 0)
    out.push(`${' '.repeat(width)}  … lines ${next}-${lines.length} not shown …`)
  return out.join('\n')
}
