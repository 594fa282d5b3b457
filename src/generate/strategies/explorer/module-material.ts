import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import ts from 'typescript'
import type { ModuleAnalysis } from '../../../analysis/module-model.js'
import type { Repr } from './protocol.js'

/**
 * Inputs a reviewer recognises, from the module's own material before anything generic: the
 * arguments of calls in its JSDoc `@example`s, values quoted in its `@param` text, calls in the
 * package README's code blocks and in the repository's existing tests of the module, and samples of
 * the string formats the code tests for (an ISO 8601 date or duration, an email, a URL, a version,
 * a country code). `ms('2 days')` from the README says more than `ms('hello')`.
 */

/** Values taken from each source, so that one long README does not crowd out the rest. */
const PER_SOURCE = 12
/** Bytes read of a README or a test file. */
const MAX_FILE_BYTES = 200_000
const MAX_STRING_LENGTH = 80

export interface ModuleMaterial {
  readonly module: ModuleAnalysis
  readonly repoRoot: string
  readonly source: string
}

/** The material's values, best first, deduplicated. */
export function materialLiterals({ module, repoRoot, source }: ModuleMaterial): Repr[] {
  const names = calleeNames(module)
  const fromDocs = module.exports.flatMap((symbol) => docLiterals(symbol.jsDoc ?? '', names))
  const readme = readmeOf(repoRoot, module)
  const fromReadme = readme ? codeBlocks(readme).flatMap((code) => callLiterals(code, names)) : []
  const fromTests = module.placement.existingTests.flatMap((path) => {
    const text = readCapped(join(repoRoot, path))
    return text ? callLiterals(text, names) : []
  })
  const seen = new Set<string>()
  const out: Repr[] = []
  for (const list of [fromDocs, fromReadme, fromTests, formatSamples(source)]) {
    let taken = 0
    for (const repr of list) {
      const key = JSON.stringify(repr)
      if (seen.has(key) || taken >= PER_SOURCE) continue
      seen.add(key)
      out.push(repr)
      taken += 1
    }
  }
  return out
}

/** Names a call of the module goes by: its exports, and what a caller binds the whole module to. */
function calleeNames(module: ModuleAnalysis): Set<string> {
  const names = new Set(module.exports.map((e) => e.name).filter((name) => name !== 'default'))
  const file = posix.basename(module.path).replace(/\.[^.]+$/, '')
  const packageName = module.package.name?.replace(/^@[^/]+\//, '')
  for (const name of [
    file,
    packageName,
    module.exports.find((e) => e.name === 'default')?.localName
  ])
    if (name && name !== 'index') names.add(camelCase(name))
  return names
}

function camelCase(text: string): string {
  return text.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())
}

/** `@example` code and values quoted in `@param` text of a JSDoc comment. */
function docLiterals(jsDoc: string, names: ReadonlySet<string>): Repr[] {
  const text = jsDoc.replace(/^[ \t]*\/?\*+\/?/gm, '')
  const out: Repr[] = []
  for (const example of text.split(/@example\b/).slice(1)) {
    const code = (example.split(/\n[ \t]*@\w/)[0] ?? '').replace(/```\w*/g, '')
    const calls = callLiterals(code, names)
    out.push(...(calls.length > 0 ? calls : literalsOf(code)))
  }
  for (const param of text.match(/@param\b[^\n]*/g) ?? []) {
    // Only what is quoted: the rest of a description is prose, not a value.
    for (const quoted of param.replace(/\{[^}]*\}/, '').match(/(['"`])([^'"`\n]{1,80})\1/g) ?? [])
      out.push({ t: 'string', v: quoted.slice(1, -1) })
  }
  return out
}

/** Literal arguments of calls to `names` (`ms('2 days')`, `semver.valid('1.2.3')`). */
function callLiterals(code: string, names: ReadonlySet<string>): Repr[] {
  const out: Repr[] = []
  for (const line of code.split('\n')) {
    if (/\b(?:require|import)\b/.test(line)) continue
    // One linear pass per line: the callees written on it, looked up among the names.
    const callees = [...line.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)].map((match) => match[1])
    if (callees.some((callee) => callee !== undefined && names.has(callee)))
      out.push(...literalsOf(line))
  }
  return out
}

/** String and number literals of a piece of JavaScript or TypeScript. */
function literalsOf(code: string): Repr[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code)
  const out: Repr[] = []
  let negative = false
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (
      (token === ts.SyntaxKind.StringLiteral ||
        token === ts.SyntaxKind.NoSubstitutionTemplateLiteral) &&
      scanner.getTokenValue().length <= MAX_STRING_LENGTH
    )
      out.push({ t: 'string', v: scanner.getTokenValue() })
    else if (token === ts.SyntaxKind.NumericLiteral) {
      const value = Number(scanner.getTokenValue())
      if (Number.isFinite(value)) out.push({ t: 'number', v: String(negative ? -value : value) })
    }
    if (token !== ts.SyntaxKind.WhitespaceTrivia && token !== ts.SyntaxKind.NewLineTrivia)
      negative = token === ts.SyntaxKind.MinusToken
  }
  return out
}

/** The README nearest the module, from its folder up to its package root. */
function readmeOf(repoRoot: string, module: ModuleAnalysis): string | undefined {
  let dir = dirname(module.path)
  for (;;) {
    const folder = join(repoRoot, dir)
    let name: string | undefined
    try {
      name = readdirSync(folder).find((entry) => /^readme(\.md|\.markdown)?$/i.test(entry))
    } catch {
      name = undefined
    }
    if (name) return readCapped(join(folder, name))
    if (dir === module.package.root || dir === '.' || dir === '') return undefined
    dir = posix.dirname(dir)
  }
}

/** Fenced JavaScript or TypeScript code blocks of a Markdown text (untagged ones too). */
function codeBlocks(markdown: string): string[] {
  // Line by line: a README is PR content, and a backtracking pattern over it could take forever.
  const blocks: string[] = []
  let fence: string | undefined
  let keep = false
  let lines: string[] = []
  for (const line of markdown.split('\n')) {
    const marker = line.startsWith('```') ? '```' : line.startsWith('~~~') ? '~~~' : undefined
    if (fence === undefined) {
      if (!marker) continue
      fence = marker
      const language = line.slice(3).trim().split(/\s/)[0]?.toLowerCase() ?? ''
      keep = CODE_LANGUAGES.has(language)
      lines = []
    } else if (marker === fence) {
      if (keep) blocks.push(lines.join('\n'))
      fence = undefined
    } else {
      lines.push(line)
    }
  }
  return blocks
}

const CODE_LANGUAGES = new Set([
  '',
  'js',
  'javascript',
  'ts',
  'typescript',
  'jsx',
  'tsx',
  'mjs',
  'cjs'
])

function readCapped(path: string): string | undefined {
  try {
    if (!existsSync(path) || statSync(path).size > MAX_FILE_BYTES) return undefined
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * Samples of string formats, offered when the module's code shows it parses that format (its
 * identifiers, strings and regexes): a valid one first, each a value a reviewer recognises.
 */
const FORMATS: readonly { readonly signs: RegExp; readonly samples: readonly string[] }[] = [
  {
    signs: /iso.?8601|duration|\bP\(\?:|\\d\+[YMWDHS]|\[YMWD]|'P'|"P"|PT\d/i,
    samples: ['P1Y2M3DT4H5M6S', 'PT1H30M', 'P3W']
  },
  {
    signs: /iso.?8601|toISOString|Date\.parse|\\d\{4\}-\\d\{2\}|\bYYYY\b|yyyy-MM|\bdate\b/i,
    samples: ['2024-01-15', '2024-01-15T12:30:00Z', '2024-02-30']
  },
  { signs: /e-?mail/i, samples: ['user@example.com', 'not-an-email'] },
  {
    signs: /\burl\b|\buri\b|new URL\(|https?:/i,
    samples: ['https://example.com/path?q=1', 'example.com']
  },
  {
    signs: /semver|\\d\+\\\.\\d\+\\\.\\d\+/i,
    samples: ['1.2.3', '1.2.3-beta.1', '>=1.0.0 <2.0.0']
  },
  {
    signs: /countr(y|ies)|iso.?3166|alpha.?[23]\b/i,
    samples: ['US', 'DE', 'GBR']
  },
  { signs: /currenc(y|ies)|iso.?4217/i, samples: ['USD', 'EUR'] },
  { signs: /\buuid\b|guid/i, samples: ['123e4567-e89b-12d3-a456-426614174000'] },
  { signs: /\bipv?4?\b|\bip address/i, samples: ['192.168.0.1', '::1'] },
  { signs: /\bhex\b|#[0-9a-f]{3,6}\b|\bcolou?r\b/i, samples: ['#ff8800', '#fff'] }
]

function formatSamples(source: string): Repr[] {
  return FORMATS.flatMap((format) =>
    format.signs.test(source) ? format.samples.map((v): Repr => ({ t: 'string', v })) : []
  )
}
