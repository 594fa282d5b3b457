import ts from 'typescript'
import type { ExportedSymbol } from '../../../analysis/module-model.js'
import type { Repr, SourceSeeds } from './protocol.js'
import { regexLiterals, sampleRegex } from './regex-samples.js'

/**
 * Literal values written in the module itself (`if (unit === 'kb')`, `size > 1024`) and the
 * default values of exported parameters: inputs that hit the module's own branches far more
 * often than generic ones.
 */

const MAX_LITERALS = 40
const MAX_LITERAL_LENGTH = 80

/**
 * Everything the explorer seeds from the source text. Evaluates PR input (its regexes), so it runs
 * in the explorer child under a time limit (`explore-module.ts`), never in the action's process.
 */
export function sourceSeeds(
  source: string,
  language: 'ts' | 'js',
  exports: readonly ExportedSymbol[]
): SourceSeeds {
  return {
    literals: extractLiterals(source, language, exports),
    propertyHints: extractPropertyHints(source),
    propertyValues: extractPropertyValues(source)
  }
}

/** Literals of the source, most frequent first, deduplicated. */
export function extractLiterals(
  source: string,
  language: 'ts' | 'js',
  exports: readonly ExportedSymbol[] = []
): Repr[] {
  const counts = new Map<string, { repr: Repr; count: number; first: number }>()
  const add = (repr: Repr) => {
    const key = JSON.stringify(repr)
    const entry = counts.get(key)
    if (entry) entry.count += 1
    else counts.set(key, { repr, count: 1, first: counts.size })
  }
  const scanner = ts.createScanner(
    ts.ScriptTarget.Latest,
    true,
    language === 'ts' ? ts.LanguageVariant.Standard : ts.LanguageVariant.JSX,
    source
  )
  // The two tokens before the current one, to recognise module specifiers.
  let previous = ''
  let beforePrevious = ''
  // Strings passed as a call's argument (`s.indexOf('{')`): what the module looks for in its input,
  // unlike strings it concatenates into output or regexes.
  const searched = new Set<string>()
  let argument: string | undefined
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (
      argument !== undefined &&
      (token === ts.SyntaxKind.CloseParenToken || token === ts.SyntaxKind.CommaToken)
    )
      searched.add(argument)
    argument = undefined
    if (
      token === ts.SyntaxKind.StringLiteral ||
      token === ts.SyntaxKind.NoSubstitutionTemplateLiteral
    ) {
      const text = scanner.getTokenValue()
      const specifier =
        previous === 'from' ||
        previous === 'import' ||
        (previous === '(' && (beforePrevious === 'require' || beforePrevious === 'import'))
      if (!specifier && text.length <= MAX_LITERAL_LENGTH && !text.includes('${')) {
        add({ t: 'string', v: text })
        if (previous === '(' || previous === ',') argument = text
      }
    } else if (token === ts.SyntaxKind.NumericLiteral) {
      const value = Number(scanner.getTokenValue())
      if (Number.isFinite(value)) add({ t: 'number', v: String(previous === '-' ? -value : value) })
    }
    if (token !== ts.SyntaxKind.WhitespaceTrivia && token !== ts.SyntaxKind.NewLineTrivia) {
      beforePrevious = previous
      previous = scanner.getTokenText()
    }
  }
  for (const symbol of exports) {
    for (const signature of symbol.signatures ?? []) {
      for (const parameter of signature.parameters) {
        const value =
          parameter.defaultText === undefined ? undefined : literalOf(parameter.defaultText)
        if (value) add(value)
      }
    }
  }
  const written = [...counts.values()]
    .filter((entry) => !(entry.repr.t === 'number' && ['0', '1', '-1'].includes(entry.repr.v)))
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .map((entry) => entry.repr)
  // Strings matching the module's own regexes come first: they get parsers past their guards.
  const matching = regexLiterals(source).flatMap((regex) =>
    sampleRegex(regex.source, regex.flags).slice(0, 2)
  )
  const structured = delimitedStrings(searched)
  const seen = new Set<string>()
  const out: Repr[] = []
  for (const repr of [
    // Groups first: there are at most two, and a regex-heavy module would crowd them out.
    ...[...structured, ...matching].map((v): Repr => ({ t: 'string', v })),
    ...written
  ]) {
    const key = JSON.stringify(repr)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(repr)
  }
  return out.slice(0, MAX_LITERALS)
}

// Not `<` and `>`: modules pass those around as comparison operators far more than as delimiters.
const BRACKETS = [
  ['{', '}'],
  ['(', ')'],
  ['[', ']']
] as const
const SEPARATORS = [',', '..', '|', ':', ';', '=']

/**
 * Strings built from the delimiters the module looks for in its input: a module that passes `{`,
 * `}` and `,` or `..` to calls (`indexOf`, `split`, a matcher) parses groups (`a{b,c}d`,
 * `a{1..3}b`), which no single literal of it is; without one its parser is never entered.
 * Delimiters it only concatenates (building a regex, say) or compares with do not count.
 */
function delimitedStrings(searched: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (const [open, close] of BRACKETS) {
    if (!searched.has(open) || !searched.has(close)) continue
    const separators = SEPARATORS.filter((separator) => searched.has(separator))
    for (const separator of separators)
      out.push(separator === '..' ? `a${open}1..3${close}b` : `a${open}b${separator}c${close}d`)
    if (separators.length === 0) out.push(`a${open}b${close}c`)
  }
  return out.slice(0, 2)
}

/** Adds `value` to the set under `key`, which holds at most `limit` values. */
function addUpTo(sets: Map<string, Set<string>>, key: string, value: string, limit: number): void {
  const set = sets.get(key) ?? new Set<string>()
  if (set.size < limit) set.add(value)
  sets.set(key, set)
}

/** The value of a default-value text when it is a plain literal. */
function literalOf(text: string): Repr | undefined {
  const trimmed = text.trim()
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return { t: 'number', v: String(Number(trimmed)) }
  const quoted = /^(['"`])(.*)\1$/s.exec(trimmed)
  if (quoted?.[2] !== undefined && !quoted[2].includes('${')) return { t: 'string', v: quoted[2] }
  if (trimmed === 'true' || trimmed === 'false') return { t: 'boolean', v: trimmed === 'true' }
  return undefined
}

/** Receivers whose properties say nothing about a parameter. */
const NOT_PARAMETERS = new Set([
  'Math',
  'Object',
  'JSON',
  'Array',
  'Number',
  'String',
  'Boolean',
  'Symbol',
  'Promise',
  'Reflect',
  'Date',
  'RegExp',
  'Error',
  'console',
  'process',
  'module',
  'exports',
  'this',
  'super',
  'globalThis',
  'window',
  'Buffer'
])

/**
 * The strings the source compares each property with (`options.quotes == 'double'`,
 * `'binary' === opts.numbers`), by property name: the values that take an option's branches.
 */
export function extractPropertyValues(source: string): Record<string, string[]> {
  const values = new Map<string, Set<string>>()
  const add = (key: string | undefined, value: string | undefined): void => {
    if (key === undefined || value === undefined || value.length > MAX_LITERAL_LENGTH) return
    addUpTo(values, key, value, 6)
  }
  const quoted = String.raw`(?<quote>['"])(?<value>(?:(?!\k<quote>)[^\\\n])*)\k<quote>`
  const property = String.raw`\.(?<key>[A-Za-z_$][\w$]*)`
  const equals = String.raw`\s*[!=]==?\s*`
  // A chain (`this.options.quotes`): the key is the last name in it.
  const receiver = String.raw`(?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*\??`
  for (const pattern of [
    `${property}${equals}${quoted}`,
    `${quoted}${equals}${receiver}${property}`
  ])
    for (const match of source.matchAll(new RegExp(pattern, 'g'))) {
      // `typeof options.quotes == 'string'` compares the type, not the value.
      const before = source.slice(Math.max(0, match.index - 80), match.index)
      if (!/typeof\s+[\w$.?]*$/.test(before)) add(match.groups?.key, match.groups?.value)
    }
  return Object.fromEntries([...values].slice(0, 100).map(([key, set]) => [key, [...set]]))
}

/**
 * Properties the source reads off each identifier (`options.long`, `opts.separator`), so option
 * bags of untyped parameters can be filled with keys the code looks at. Keyed by identifier: the
 * child matches them with parameter names, including names it only learns at run time.
 */
export function extractPropertyHints(source: string): Record<string, string[]> {
  const hints = new Map<string, Set<string>>()
  for (const match of source.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)\??\.([A-Za-z_$][\w$]*)/g)) {
    const [, name, key] = match
    if (name === undefined || key === undefined || NOT_PARAMETERS.has(name)) continue
    if (
      [
        'length',
        'toString',
        'valueOf',
        'hasOwnProperty',
        'constructor',
        'prototype',
        'call',
        'apply',
        'bind'
      ].includes(key)
    )
      continue
    addUpTo(hints, name, key, 12)
    if (hints.size > 300) break
  }
  return Object.fromEntries([...hints].map(([name, keys]) => [name, [...keys]]))
}
