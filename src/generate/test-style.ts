/**
 * The style of a repository's own tests, for repositories without prettier: its quote character
 * and whether its statements end in semicolons, learned from its test files and applied to a
 * generated file through the TypeScript AST, so only string literals and statement ends change.
 * A rewrite that would change the program (checked by comparing the two syntax trees) is dropped.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'

export interface TestStyle {
  /** The quote of plain string literals; undefined when the tests do not say. */
  readonly quote?: '"' | "'"
  /** Whether statements end in semicolons; undefined when the tests do not say. */
  readonly semicolons?: boolean
}

const TEST_FILE = /(\.(test|spec)\.[cm]?[jt]sx?|__tests__\/.*\.[cm]?[jt]sx?)$/
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', 'out'])
const MAX_FILES = 30
const MAX_FILE_BYTES = 200_000
const MAX_DEPTH = 6
/** Below this many examples the tests do not say anything about a convention. */
const MIN_EVIDENCE = 3

/** The repository's own test files under `root` (never TestMaster's `*.testmaster.*` output). */
export function findOwnTestFiles(root: string): string[] {
  const found: string[] = []
  const walk = (dir: string, depth: number): void => {
    if (found.length >= MAX_FILES || depth > MAX_DEPTH) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= MAX_FILES) return
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(path, depth + 1)
      } else if (
        entry.isFile() &&
        TEST_FILE.test(path.split('\\').join('/')) &&
        !entry.name.includes('.testmaster.') &&
        statSync(path).size <= MAX_FILE_BYTES
      ) {
        found.push(path)
      }
    }
  }
  walk(root, 0)
  return found
}

/** The style the given test sources agree on (a majority, with enough examples). */
export function learnTestStyle(sources: readonly { path: string; code: string }[]): TestStyle {
  let single = 0
  let double = 0
  let withSemicolon = 0
  let without = 0
  for (const { path, code } of sources) {
    const file = parse(code, path)
    visit(file, (node) => {
      if (isPlainStringLiteral(node)) {
        const raw = node.getText(file)
        // A literal holding a quote may have chosen its quote to avoid escaping: no evidence.
        if (!node.text.includes('"') && !node.text.includes("'")) {
          if (raw.startsWith("'")) single++
          else double++
        }
      } else if (endsWithOptionalSemicolon(node)) {
        if (code[node.end - 1] === ';') withSemicolon++
        else without++
      }
    })
  }
  const quote = majority(single, double, "'", '"')
  const semicolons = majority(withSemicolon, without, true, false)
  return {
    ...(quote !== undefined ? { quote } : {}),
    ...(semicolons !== undefined ? { semicolons } : {})
  }
}

/** The style of the repository's own tests under `root`. */
export function learnRepositoryTestStyle(root: string): TestStyle {
  const sources = findOwnTestFiles(root).flatMap((path) => {
    try {
      return [{ path, code: readFileSync(path, 'utf8') }]
    } catch {
      return []
    }
  })
  return learnTestStyle(sources)
}

/**
 * `code` with its string literals in `style.quote` (where the content holds no such quote) and
 * its statement ends following `style.semicolons`. Unchanged if the rewrite would not parse to the
 * same program.
 */
export function applyTestStyle(code: string, fileName: string, style: TestStyle): string {
  const file = parse(code, fileName)
  if (hasSyntaxErrors(file)) return code
  const edits: Edit[] = []
  visit(file, (node) => {
    if (style.quote && isPlainStringLiteral(node)) {
      const edit = requote(node, file, style.quote)
      if (edit) edits.push(edit)
    } else if (style.semicolons !== undefined && endsWithOptionalSemicolon(node)) {
      const edit = style.semicolons ? addSemicolon(node, code) : removeSemicolon(node, code)
      if (edit) edits.push(edit)
    }
  })
  if (edits.length === 0) return code
  const styled = applyEdits(code, edits)
  const restyled = parse(styled, fileName)
  return !hasSyntaxErrors(restyled) && sameProgram(file, restyled) ? styled : code
}

interface Edit {
  readonly start: number
  readonly end: number
  readonly text: string
}

function parse(code: string, fileName: string): ts.SourceFile {
  const kind = /\.[cm]?[jt]sx$/.test(fileName)
    ? ts.ScriptKind.TSX
    : /\.[cm]?js$/.test(fileName)
      ? ts.ScriptKind.JS
      : ts.ScriptKind.TS
  return ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, kind)
}

function hasSyntaxErrors(file: ts.SourceFile): boolean {
  const diagnostics = (file as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] })
    .parseDiagnostics
  return (diagnostics?.length ?? 0) > 0
}

function visit(node: ts.Node, callback: (node: ts.Node) => void): void {
  callback(node)
  ts.forEachChild(node, (child) => visit(child, callback))
}

/** A string literal in code (JSX attribute values follow JSX's own convention: left alone). */
function isPlainStringLiteral(node: ts.Node): node is ts.StringLiteral {
  return ts.isStringLiteral(node) && !ts.isJsxAttribute(node.parent)
}

/** Statements whose closing semicolon is optional (ASI), the ones a style adds or drops. */
function endsWithOptionalSemicolon(node: ts.Node): boolean {
  switch (node.kind) {
    case ts.SyntaxKind.ExpressionStatement:
    case ts.SyntaxKind.VariableStatement:
    case ts.SyntaxKind.ReturnStatement:
    case ts.SyntaxKind.ThrowStatement:
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
    case ts.SyntaxKind.DebuggerStatement:
    case ts.SyntaxKind.ImportDeclaration:
    case ts.SyntaxKind.ImportEqualsDeclaration:
    case ts.SyntaxKind.ExportDeclaration:
    case ts.SyntaxKind.ExportAssignment:
    case ts.SyntaxKind.TypeAliasDeclaration:
      return true
    default:
      return false
  }
}

/**
 * The literal re-quoted, when its content holds no `quote` (so nothing needs escaping). Escapes
 * are kept as written, except `\'` or `\"` of the old quote, which no longer needs its backslash.
 */
function requote(node: ts.StringLiteral, file: ts.SourceFile, quote: string): Edit | undefined {
  const start = node.getStart(file)
  const raw = file.text.slice(start, node.end)
  const old = raw[0]
  if (old === quote || node.text.includes(quote)) return undefined
  const body = raw.slice(1, -1)
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const char = body[i]
    if (char === '\\' && i + 1 < body.length) {
      const next = body[i + 1]
      out += next === old ? next : `\\${next}`
      i++
    } else {
      out += char
    }
  }
  return { start, end: node.end, text: `${quote}${out}${quote}` }
}

/**
 * A semicolon at the statement's end. One already there at the start of the next line (the
 * no-semicolon style's guard before `[` or `(`) moves up to the end of the statement's own line.
 */
function addSemicolon(node: ts.Node, code: string): Edit | undefined {
  const last = node.end - 1
  if (code[last] !== ';') return { start: node.end, end: node.end, text: ';' }
  let gapStart = last
  while (gapStart > 0 && /\s/.test(code[gapStart - 1] ?? '')) gapStart--
  const gap = code.slice(gapStart, last)
  if (!/[\r\n]/.test(gap)) return undefined
  return { start: gapStart, end: node.end, text: `;${gap}` }
}

/**
 * The statement's semicolon removed, unless ASI would not put it back: another statement on the
 * same line, or a next line starting with a character that continues the expression.
 */
function removeSemicolon(node: ts.Node, code: string): Edit | undefined {
  if (code[node.end - 1] !== ';') return undefined
  const next = nextTokenStart(code, node.end)
  if (next < code.length) {
    if (!/[\r\n\u2028\u2029]/.test(code.slice(node.end, next))) {
      if (code[next] !== '}') return undefined
    }
    if ('([`+-/*,.<'.includes(code[next] ?? '')) return undefined
  }
  return { start: node.end - 1, end: node.end, text: '' }
}

/** The offset of the first token at or after `from`, past whitespace and comments. */
function nextTokenStart(code: string, from: number): number {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, code)
  scanner.resetTokenState(from)
  scanner.scan()
  return scanner.getTokenStart()
}

function applyEdits(code: string, edits: readonly Edit[]): string {
  let out = code
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  }
  return out
}

/** The same tree of node kinds with the same string values: only quotes and semicolons moved. */
function sameProgram(before: ts.SourceFile, after: ts.SourceFile): boolean {
  const shape = (file: ts.SourceFile): string[] => {
    const parts: string[] = []
    visit(file, (node) => {
      parts.push(ts.isStringLiteral(node) ? `${node.kind}:${node.text}` : String(node.kind))
    })
    return parts
  }
  const a = shape(before)
  const b = shape(after)
  return a.length === b.length && a.every((part, i) => part === b[i])
}

function majority<T>(countA: number, countB: number, a: T, b: T): T | undefined {
  if (countA + countB < MIN_EVIDENCE) return undefined
  if (countA > countB * 2) return a
  if (countB > countA * 2) return b
  return undefined
}
