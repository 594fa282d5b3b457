import ts from 'typescript'
import {
  blockKind,
  declaredNames,
  normalisedText,
  parseTestFile,
  statementIdentity
} from './test-blocks.js'

/**
 * Accepted candidates of one module merged into one file a person can read: imports once at the
 * top (named imports of one module in one declaration), helpers once, and one `describe` per
 * function or class: a candidate's `describe('priceFor')` joins the file's `describe('priceFor')`
 * rather than standing beside it, and a test already in the file is not added again. The first
 * file keeps its order and text; what the others bring is appended where it belongs.
 *
 * Test names never change (cutting a failing test out of its candidate finds it by name), so
 * where two candidates declare one top-level helper name differently, the later one's is renamed
 * (`make` -> `make_2`) instead of each candidate getting a scope of its own. Suites join only
 * when their own setup (hooks, variables) is the same, since a hook of one would run around the
 * other's tests. Files of the earlier layout (each candidate in a bare `{ }` block) are read
 * block by block and come out grouped.
 */
export function mergeTestFiles(codes: readonly string[], fileName: string): string {
  if (codes.length === 1) return codes[0] ?? ''
  const merged = emptyMerge()
  for (const code of codes) addFile(merged, code, fileName)
  return render(merged)
}

interface ImportEntry {
  readonly text: string
  /** Set for `import { a, b } from 'x'`: later named imports of 'x' join it. */
  readonly named?: {
    readonly specifier: string
    readonly typeOnly: boolean
    readonly from: string
    readonly elements: string[]
  }
  grown: boolean
}

/** `const { a, b } = require('x')`: later destructurings of the same module join it. */
interface RequireEntry {
  readonly keyword: string
  readonly specifier: string
  readonly call: string
  /** Element text (`a`, `a: b`) by local name. */
  readonly elements: Map<string, string>
}

interface Suite {
  readonly key: string
  /** Its own setup statements (hooks, variables), normalised and sorted. */
  readonly setup: string
  readonly text: string
  /** Where appended statements go: after its last statement. */
  readonly insertAt: number
  readonly indent: string
  readonly appended: string[]
  /** Its tests and nested suites, normalised, so one already there is not added again. */
  readonly members: Set<string>
}

type Item =
  | { readonly kind: 'suite'; readonly suite: Suite }
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'require'
      readonly entry: RequireEntry
      readonly text: string
      /** Names it destructured as written; more means it grew. */
      readonly written: number
    }

interface Merge {
  readonly imports: ImportEntry[]
  /** `jest.mock(...)` / `vi.mock(...)`: hoisted by the framework, kept at the top. */
  readonly hoisted: string[]
  /** Local names imported so far. */
  readonly bound: Set<string>
  /** Top-level name -> what declares it (squashed text, or a marker for imports and requires). */
  readonly taken: Map<string, string>
  /** Top-level statements other than tests and suites (helpers, hooks), squashed, for dedupe. */
  readonly setupSeen: Set<string>
  readonly setup: Item[]
  readonly body: Item[]
  readonly topTests: Set<string>
}

function emptyMerge(): Merge {
  return {
    imports: [],
    hoisted: [],
    bound: new Set(),
    taken: new Map(),
    setupSeen: new Set(),
    setup: [],
    body: [],
    topTests: new Set()
  }
}

const IMPORTED = '\0import'

function addFile(merge: Merge, code: string, fileName: string): void {
  const file = parseTestFile(code, fileName)
  const rest: ts.Statement[] = []
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) addImport(merge, statement, file)
    else if (isHoistedMockCall(statement, file)) {
      const text = statement.getFullText(file).trim()
      if (!merge.hoisted.includes(text)) merge.hoisted.push(text)
    } else rest.push(statement)
  }
  // The earlier layout: every candidate in a bare block of its own.
  const units =
    rest.length > 0 && rest.every((statement) => ts.isBlock(statement))
      ? rest.map((block) => [...block.statements])
      : [rest]
  for (const unit of units) addUnit(merge, unit, file, fileName)
}

/** One candidate's statements (after its imports): helpers renamed where they clash, then added. */
function addUnit(
  merge: Merge,
  statements: readonly ts.Statement[],
  file: ts.SourceFile,
  fileName: string
): void {
  const renames = clashingNames(merge, statements, file)
  const text = statements
    .map((statement) => renamedText(statement, file, renames, true))
    .join('\n\n')
  const unit = parseTestFile(text, fileName)
  for (const statement of unit.statements) {
    const kind = blockKind(statement)
    if (kind === 'suite' && addSuite(merge, statement, unit)) continue
    if (kind === 'test' || kind === 'suite') {
      const key = statementIdentity(statement, unit)
      if (merge.topTests.has(key)) continue
      merge.topTests.add(key)
      merge.body.push({ kind: 'text', text: statement.getFullText(unit).trim() })
      continue
    }
    addSetup(merge, statement, unit)
  }
}

function addImport(merge: Merge, statement: ts.ImportDeclaration, file: ts.SourceFile): void {
  const text = statement.getFullText(file).trim()
  const clause = statement.importClause
  if (!clause) {
    if (!merge.imports.some((entry) => entry.text === text))
      merge.imports.push({ text, grown: false })
    return
  }
  const named = clause.namedBindings
  const locals = [
    ...(clause.name ? [clause.name.text] : []),
    ...(named && ts.isNamespaceImport(named) ? [named.name.text] : []),
    ...(named && ts.isNamedImports(named) ? named.elements.map((e) => e.name.text) : [])
  ]
  // The same binding imported twice, even spelled differently, is a duplicate declaration.
  const fresh = new Set(locals.filter((name) => !merge.bound.has(name)))
  if (fresh.size === 0) return
  for (const name of fresh) {
    merge.bound.add(name)
    merge.taken.set(name, IMPORTED)
  }
  const from = statement.moduleSpecifier.getText(file)
  const specifier = (statement.moduleSpecifier as ts.StringLiteral).text
  if (!clause.name && named && ts.isNamedImports(named)) {
    const elements = named.elements
      .filter((e) => fresh.has(e.name.text))
      .map((e) => e.getText(file))
    const joining = merge.imports.find(
      (entry) => entry.named?.specifier === specifier && entry.named.typeOnly === clause.isTypeOnly
    )
    if (joining?.named) {
      joining.named.elements.push(...elements)
      joining.grown = true
      return
    }
    const whole = fresh.size === locals.length
    merge.imports.push({
      text: whole ? text : namedImportText(clause.isTypeOnly, elements, from),
      named: { specifier, typeOnly: clause.isTypeOnly, from, elements },
      grown: false
    })
    return
  }
  const parts: string[] = []
  if (clause.name && fresh.has(clause.name.text)) parts.push(clause.name.text)
  if (named && ts.isNamespaceImport(named) && fresh.has(named.name.text))
    parts.push(named.getText(file))
  if (named && ts.isNamedImports(named)) {
    const elements = named.elements.filter((e) => fresh.has(e.name.text))
    if (elements.length > 0) parts.push(`{ ${elements.map((e) => e.getText(file)).join(', ')} }`)
  }
  merge.imports.push({
    text:
      fresh.size === locals.length
        ? text
        : `import ${clause.isTypeOnly ? 'type ' : ''}${parts.join(', ')} from ${from}`,
    grown: false
  })
}

function namedImportText(typeOnly: boolean, elements: readonly string[], from: string): string {
  return `import ${typeOnly ? 'type ' : ''}{ ${elements.join(', ')} } from ${from}`
}

/** Adds a top-level suite, joining one with its title and setup; false when it is not one. */
function addSuite(merge: Merge, statement: ts.Statement, file: ts.SourceFile): boolean {
  const body = suiteBody(statement)
  if (!body) return false
  const call = (statement as ts.ExpressionStatement).expression as ts.CallExpression
  const title = call.arguments[0]
  if (!title) return false
  const key = `${call.expression.getText(file)}\0${
    ts.isStringLiteralLike(title) ? title.text : title.getText(file)
  }`
  const inner = body.statements
  const isMember = (s: ts.Statement): boolean => blockKind(s) !== undefined
  const setup = inner
    .filter((s) => !isMember(s))
    .map((s) => normalisedText(s, file))
    .sort()
    .join('\n')
  const existing = merge.body.find(
    (item): item is { kind: 'suite'; suite: Suite } =>
      item.kind === 'suite' && item.suite.key === key && item.suite.setup === setup
  )?.suite
  if (existing) {
    for (const member of inner.filter(isMember)) {
      const normal = statementIdentity(member, file)
      if (existing.members.has(normal)) continue
      existing.members.add(normal)
      existing.appended.push(member.getFullText(file).trim())
    }
    return true
  }
  const fullStart = statement.getFullStart()
  const leading = file.text.slice(fullStart, statement.getStart(file))
  const text = (leading + statement.getText(file)).trim()
  const offset = fullStart + (leading.length - leading.trimStart().length)
  const last = inner[inner.length - 1]
  const first = inner[0]
  const lineStart = first ? file.text.lastIndexOf('\n', first.getStart(file)) + 1 : 0
  const indent = first ? file.text.slice(lineStart, first.getStart(file)) : '  '
  merge.body.push({
    kind: 'suite',
    suite: {
      key,
      setup,
      text,
      insertAt: (last ? last.getEnd() : body.getStart(file) + 1) - offset,
      indent: /^[ \t]*$/.test(indent) ? indent : '  ',
      appended: [],
      members: new Set(inner.filter(isMember).map((s) => statementIdentity(s, file)))
    }
  })
  return true
}

/** The block body of `describe(title, () => { ... })`, or undefined for any other shape. */
function suiteBody(statement: ts.Statement): ts.Block | undefined {
  if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression))
    return undefined
  const callback = statement.expression.arguments[1]
  if (
    callback &&
    (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) &&
    ts.isBlock(callback.body)
  )
    return callback.body
  return undefined
}

function addSetup(merge: Merge, statement: ts.Statement, file: ts.SourceFile): void {
  const text = statement.getFullText(file).trim()
  const required = destructuredRequire(statement, file)
  if (required) {
    const joining = merge.setup.find(
      (item): item is Extract<Item, { kind: 'require' }> =>
        item.kind === 'require' &&
        item.entry.specifier === required.specifier &&
        item.entry.keyword === required.keyword
    )
    if (joining) {
      for (const [name, element] of required.elements)
        if (!joining.entry.elements.has(name)) joining.entry.elements.set(name, element)
    } else {
      merge.setup.push({ kind: 'require', entry: required, text, written: required.elements.size })
    }
    for (const [name, element] of required.elements)
      merge.taken.set(name, requireMarker(required.specifier, element))
    return
  }
  const squashed = canonical(statement.getText(file))
  if (merge.setupSeen.has(squashed)) return
  merge.setupSeen.add(squashed)
  for (const name of declaredNames(statement)) merge.taken.set(name, squashed)
  merge.setup.push({ kind: 'text', text })
}

function requireMarker(specifier: string, element: string): string {
  return `\0require ${specifier} ${element}`
}

/** `const { a, b: c } = require('x')` at the top level, or undefined. */
function destructuredRequire(
  statement: ts.Statement,
  file: ts.SourceFile
): RequireEntry | undefined {
  if (!ts.isVariableStatement(statement)) return undefined
  const [declaration, ...more] = statement.declarationList.declarations
  if (!declaration || more.length > 0 || !ts.isObjectBindingPattern(declaration.name))
    return undefined
  const init = declaration.initializer
  if (
    !init ||
    !ts.isCallExpression(init) ||
    init.expression.getText(file) !== 'require' ||
    init.arguments.length !== 1 ||
    !init.arguments[0] ||
    !ts.isStringLiteralLike(init.arguments[0])
  )
    return undefined
  const elements = new Map<string, string>()
  for (const element of declaration.name.elements) {
    if (element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name))
      return undefined
    elements.set(element.name.text, element.getText(file))
  }
  const keyword = statement.declarationList.getFirstToken(file)?.getText(file) ?? 'const'
  return {
    keyword,
    specifier: init.arguments[0].text,
    call: init.getText(file),
    elements
  }
}

/**
 * Top-level names this candidate declares that the file already binds to something else, each
 * with a fresh name. A declaration identical to the file's (after renaming) is the same helper.
 */
function clashingNames(
  merge: Merge,
  statements: readonly ts.Statement[],
  file: ts.SourceFile
): Map<string, string> {
  const renames = new Map<string, string>()
  const used = new Set<string>()
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text)
    ts.forEachChild(node, collect)
  }
  for (const statement of statements) collect(statement)
  const declarations = statements.filter(
    (statement) => blockKind(statement) === undefined && declaredNames(statement).length > 0
  )
  for (let grew = true; grew;) {
    grew = false
    for (const statement of declarations) {
      const required = destructuredRequire(statement, file)
      const squashed = canonical(renamedText(statement, file, renames, false))
      for (const name of declaredNames(statement)) {
        if (renames.has(name)) continue
        const owner = merge.taken.get(name)
        const element = required?.elements.get(name)
        const same =
          owner === undefined ||
          owner === squashed ||
          (required !== undefined &&
            element !== undefined &&
            owner === requireMarker(required.specifier, element))
        if (same) continue
        let n = 2
        while (merge.taken.has(`${name}_${n}`) || used.has(`${name}_${n}`)) n++
        renames.set(name, `${name}_${n}`)
        used.add(`${name}_${n}`)
        grew = true
      }
    }
  }
  return renames
}

/**
 * The statement's text with the names renamed wherever they are names of bindings (never
 * property names, import specifiers or labels); with `withComments`, its leading comments too.
 */
function renamedText(
  statement: ts.Statement,
  file: ts.SourceFile,
  renames: ReadonlyMap<string, string>,
  withComments: boolean
): string {
  const fullStart = statement.getFullStart()
  const leading = file.text.slice(fullStart, statement.getStart(file))
  const start = withComments
    ? fullStart + (leading.length - leading.trimStart().length)
    : statement.getStart(file)
  const edits: { start: number; end: number; text: string }[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) {
      const fresh = renames.get(node.text)
      if (fresh !== undefined && !isPropertyNameSlot(node)) {
        const parent = node.parent
        const shorthand =
          (ts.isShorthandPropertyAssignment(parent) && parent.name === node) ||
          (ts.isBindingElement(parent) && !parent.propertyName && parent.name === node)
        edits.push({
          start: node.getStart(file),
          end: node.getEnd(),
          text: shorthand ? `${node.text}: ${fresh}` : fresh
        })
      }
    }
    ts.forEachChild(node, visit)
  }
  if (renames.size > 0) visit(statement)
  let text = file.text.slice(start, statement.getEnd())
  for (const edit of edits.sort((a, b) => b.start - a.start))
    text = text.slice(0, edit.start - start) + edit.text + text.slice(edit.end - start)
  return text
}

function isPropertyNameSlot(node: ts.Identifier): boolean {
  const parent = node.parent
  if (ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent))
    return (ts.isPropertyAccessExpression(parent) ? parent.name : parent.right) === node
  if (
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isMethodDeclaration(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isMethodSignature(parent) ||
    ts.isGetAccessorDeclaration(parent) ||
    ts.isSetAccessorDeclaration(parent) ||
    ts.isEnumMember(parent)
  )
    return parent.name === node
  if (ts.isBindingElement(parent)) return parent.propertyName === node
  return (
    ts.isImportSpecifier(parent) ||
    ts.isExportSpecifier(parent) ||
    ts.isLabeledStatement(parent) ||
    ts.isBreakOrContinueStatement(parent) ||
    ts.isJsxAttribute(parent)
  )
}

/**
 * A statement's code with formatting, comments, quotes and semicolons set aside: the explorer's
 * `const m = require('x')` and the same line in the repository's style are one helper, not two.
 */
function canonical(text: string): string {
  const file = ts.createSourceFile('statement.ts', text, ts.ScriptTarget.Latest, true)
  return file.statements.map((statement) => normalisedText(statement, file)).join('\n')
}

function isHoistedMockCall(statement: ts.Statement, file: ts.SourceFile): boolean {
  if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression))
    return false
  const callee = statement.expression.expression.getText(file)
  return /^(jest|vi)\.(mock|unmock|doMock)$/.test(callee)
}

function renderImport(entry: ImportEntry): string {
  return entry.grown && entry.named
    ? namedImportText(entry.named.typeOnly, entry.named.elements, entry.named.from)
    : entry.text
}

function renderItem(item: Item): string {
  if (item.kind === 'text') return item.text
  if (item.kind === 'require') {
    const { keyword, elements, call } = item.entry
    return elements.size > item.written
      ? `${keyword} { ${[...elements.values()].join(', ')} } = ${call}`
      : item.text
  }
  const { suite } = item
  if (suite.appended.length === 0) return suite.text
  const added = suite.appended.map((text) => `\n\n${suite.indent}${text}`).join('')
  return suite.text.slice(0, suite.insertAt) + added + suite.text.slice(suite.insertAt)
}

function render(merge: Merge): string {
  const head = [...merge.imports.map(renderImport), ...merge.hoisted].join('\n')
  const parts = [...merge.setup, ...merge.body].map(renderItem)
  return `${head ? `${head}\n\n` : ''}${parts.join('\n\n')}\n`
}
