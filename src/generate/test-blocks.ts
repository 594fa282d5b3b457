import ts from 'typescript'

/**
 * The `describe` / `it` / `test` blocks of a jest or vitest file, read with the TypeScript parser:
 * their full names (describe titles and the test title joined by ' > ', as the runners report
 * them), what each test does with formatting set aside (so a test already in a file is known
 * however it was spelled), and removal of tests, so one failing test costs that test, not its
 * whole file.
 */

const SUITE_NAMES = new Set(['describe', 'fdescribe', 'xdescribe', 'suite', 'context'])
const TEST_NAMES = new Set(['it', 'test', 'fit', 'xit', 'xtest', 'specify'])

interface Block {
  readonly kind: 'suite' | 'test'
  /** The statement that holds the call (what removal cuts out). */
  readonly statement: ts.Statement
  /** Matches the block's full name as runners report it. */
  readonly name: RegExp
  /** The full name as written: titles joined by ' > ' (a non-literal title as its source text). */
  readonly fullTitle: string
  readonly call: ts.CallExpression
  readonly parent?: Block
}

/** `describe`, `it.only`, `test.each(rows)`, `it.concurrent.each`: the root name and whether `.each`. */
function calleeRoot(
  expression: ts.Expression
): { readonly root: string; readonly each: boolean } | undefined {
  let node: ts.Expression = expression
  let each = false
  for (;;) {
    if (ts.isIdentifier(node)) return { root: node.text, each }
    if (ts.isPropertyAccessExpression(node)) {
      if (node.name.text === 'each') each = true
      node = node.expression
    } else if (ts.isCallExpression(node)) {
      node = node.expression
    } else if (ts.isTaggedTemplateExpression(node)) {
      each = true
      node = node.tag
    } else {
      return undefined
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A pattern for a title: literal text as is; template substitutions and `.each` placeholders
 * (`%s`, `%d`, `$name`) match anything, since the runner fills them in.
 */
function titlePattern(node: ts.Expression, each: boolean): string | undefined {
  const placeholders = (text: string): string => {
    const escaped = escapeRegExp(text)
    return each ? escaped.replace(/%[sdifjop#%]|\\\$[A-Za-z_][\w.]*/g, '.*') : escaped
  }
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
    return placeholders(node.text)
  if (ts.isTemplateExpression(node)) {
    return [
      placeholders(node.head.text),
      ...node.templateSpans.map((span) => `.*${placeholders(span.literal.text)}`)
    ].join('')
  }
  // A function or class as a describe title: jest uses its name.
  if (ts.isIdentifier(node)) return '.*'
  return undefined
}

/** A title as written: a literal's text, anything else as its source text. */
function titleText(node: ts.Expression, file: ts.SourceFile): string {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
    ? node.text
    : node.getText(file)
}

function blocksOf(file: ts.SourceFile): Block[] {
  const blocks: Block[] = []
  const visit = (node: ts.Node, parent: Block | undefined, prefix: string): void => {
    if (ts.isExpressionStatement(node) && ts.isCallExpression(node.expression)) {
      const call = node.expression
      const callee = calleeRoot(call.expression)
      const kind =
        callee && SUITE_NAMES.has(callee.root)
          ? 'suite'
          : callee && TEST_NAMES.has(callee.root)
            ? 'test'
            : undefined
      const titleNode = call.arguments[0]
      const title = kind && callee && titleNode ? titlePattern(titleNode, callee.each) : undefined
      if (kind && title !== undefined && titleNode) {
        const full = prefix ? `${prefix} > ${title}` : title
        const written = titleText(titleNode, file)
        const block: Block = {
          kind,
          statement: node,
          name: new RegExp(`^${full}$`, 's'),
          fullTitle: parent ? `${parent.fullTitle} > ${written}` : written,
          call,
          ...(parent ? { parent } : {})
        }
        blocks.push(block)
        if (kind === 'suite') ts.forEachChild(call, (child) => visit(child, block, full))
        return
      }
    }
    ts.forEachChild(node, (child) => visit(child, parent, prefix))
  }
  visit(file, undefined, '')
  return blocks
}

function parse(code: string, fileName: string): ts.SourceFile {
  return ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, scriptKind(fileName))
}

function scriptKind(fileName: string): ts.ScriptKind {
  if (/\.[cm]?tsx$/.test(fileName)) return ts.ScriptKind.TSX
  if (/\.[cm]?ts$/.test(fileName)) return ts.ScriptKind.TS
  if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX
  return ts.ScriptKind.JS
}

/** How many test blocks (`it`, `test`; an `.each` counts once) the file declares. */
export function countTestBlocks(code: string, fileName: string): number {
  return blocksOf(parse(code, fileName)).filter((block) => block.kind === 'test').length
}

export interface RemovedTests {
  readonly code: string
  /** The requested names that matched a test block (and were removed). */
  readonly removed: readonly string[]
  /** Requested names no block matched: the file could not be cut there. */
  readonly notFound: readonly string[]
  /** Test blocks left in the file. */
  readonly remaining: number
}

/**
 * Removes the tests with these full names (`suite > inner > title`), the suites they leave empty,
 * and the imports nothing uses any more (a TypeScript config with `noUnusedLocals` would reject
 * the file over them). Everything else keeps its text.
 */
export function removeTests(
  code: string,
  fileName: string,
  fullNames: readonly string[]
): RemovedTests {
  const file = parse(code, fileName)
  const blocks = blocksOf(file)
  const tests = blocks.filter((block) => block.kind === 'test')
  const doomed = new Set<Block>()
  const removed: string[] = []
  const notFound: string[] = []
  for (const name of fullNames) {
    const matches = tests.filter((block) => block.name.test(name))
    if (matches.length === 0) notFound.push(name)
    else removed.push(name)
    for (const match of matches) doomed.add(match)
  }
  const { code: cleaned, remaining } = cutBlocks(code, fileName, blocks, doomed)
  return { code: cleaned, removed, notFound, remaining }
}

/** A test as it reads: its full name, and what it does with formatting and comments set aside. */
export interface TestCase {
  /** Describe titles and the test title joined by ' > ', as written. */
  readonly name: string
  /**
   * The test call without its title, as a string of tokens: whitespace, comments, semicolons,
   * trailing commas and the quotes of strings do not count, nor `it` versus `test`; preceded by
   * the setup it runs in (helpers and hooks around it), in the same form.
   */
  readonly body: string
}

/** The file's tests, in source order. */
export function testCases(code: string, fileName: string): TestCase[] {
  const file = parse(code, fileName)
  return blocksOf(file)
    .filter((block) => block.kind === 'test')
    .map((block) => testCaseOf(block, file))
}

function testCaseOf(block: Block, file: ts.SourceFile): TestCase {
  return {
    name: block.fullTitle,
    body: `${setupAround(block, file)}${normalisedBody(block.call, file)}`
  }
}

/**
 * The setup a test runs in, normalised: the file's top-level helpers and hooks, then those of each
 * suite around it. The same body under another `beforeEach` or another helper is another test.
 * Imports and `require`s are left out: they say where names come from, which merging reconciles.
 */
function setupAround(block: Block, file: ts.SourceFile): string {
  const scopes: (readonly ts.Statement[])[] = [file.statements]
  for (let suite = block.parent; suite; suite = suite.parent) {
    const callback = suite.call.arguments[1]
    if (callback && (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)))
      if (ts.isBlock(callback.body)) scopes.splice(1, 0, callback.body.statements)
  }
  const used = new Set<string>()
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text)
    ts.forEachChild(node, collect)
  }
  collect(block.call)
  // A helper counts when the test uses it; a hook, always.
  const bears = (statement: ts.Statement): boolean => {
    const names = declaredNames(statement)
    return names.length === 0 || names.some((name) => used.has(name))
  }
  return scopes
    .map((statements) =>
      statements
        .filter((statement) => isSetup(statement, file) && bears(statement))
        .map((statement) => `${normalisedText(statement, file)}\n`)
        .join('')
    )
    .join('')
}

/** Names a statement declares in its scope. */
export function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement))
    return statement.declarationList.declarations.flatMap((d) => bindingNames(d.name))
  if (
    (ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement)) &&
    statement.name
  )
    return [statement.name.text]
  return []
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text]
  return name.elements.flatMap((element) =>
    ts.isOmittedExpression(element) ? [] : bindingNames(element.name)
  )
}

function isSetup(statement: ts.Statement, file: ts.SourceFile): boolean {
  if (ts.isImportDeclaration(statement) || ts.isBlock(statement) || blockKind(statement))
    return false
  if (ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression))
    return !/^(jest|vi)\.(mock|unmock|doMock)$/.test(statement.expression.expression.getText(file))
  if (ts.isVariableStatement(statement))
    return !statement.declarationList.declarations.some(
      (d) =>
        d.initializer &&
        ts.isCallExpression(d.initializer) &&
        d.initializer.expression.getText(file) === 'require'
    )
  return !ts.isEmptyStatement(statement)
}

/**
 * Removes the tests `doomed` picks (given each test and its index in `testCases` order), the
 * suites they leave empty and the imports nothing uses any more.
 */
/**
 * The full names of the tests whose code holds one of these lines (1-based): a type error on a
 * line costs the test it is in. A line outside every test (an import, a helper) names none.
 */
export function testsAtLines(
  code: string,
  fileName: string,
  lines: readonly number[]
): { name: string; line: number }[] {
  const file = parse(code, fileName)
  const found: { name: string; line: number }[] = []
  for (const block of blocksOf(file)) {
    if (block.kind !== 'test') continue
    const first = file.getLineAndCharacterOfPosition(block.statement.getStart(file)).line + 1
    const last = file.getLineAndCharacterOfPosition(block.statement.getEnd()).line + 1
    const line = lines.find((l) => l >= first && l <= last)
    if (line !== undefined) found.push({ name: block.fullTitle, line })
  }
  return found
}

export function removeTestsWhere(
  code: string,
  fileName: string,
  doomed: (test: TestCase, index: number) => boolean
): { readonly code: string; readonly removed: readonly TestCase[]; readonly remaining: number } {
  const file = parse(code, fileName)
  const blocks = blocksOf(file)
  const picked = new Set<Block>()
  const removed: TestCase[] = []
  blocks
    .filter((block) => block.kind === 'test')
    .forEach((block, index) => {
      const test = testCaseOf(block, file)
      if (!doomed(test, index)) return
      picked.add(block)
      removed.push(test)
    })
  const { code: cleaned, remaining } = cutBlocks(code, fileName, blocks, picked)
  return { code: cleaned, removed, remaining }
}

/**
 * The call's tokens after its title: `it('x', () => { expect(f(1)).toBe(1); })` and
 * `test("x", () => {\n  expect(f(1)).toBe(1)\n})` read the same.
 */
function normalisedBody(call: ts.CallExpression, file: ts.SourceFile): string {
  const tokens: string[] = []
  collectTokens(call.expression, file, tokens)
  // `test` and `specify` are other names of `it`.
  if (tokens[0] === 'test' || tokens[0] === 'specify') tokens[0] = 'it'
  for (const argument of call.arguments.slice(1)) collectTokens(argument, file, tokens)
  return tokens.join(' ')
}

/** What a statement or expression does, with formatting, comments and quotes set aside. */
export function normalisedText(node: ts.Node, file: ts.SourceFile): string {
  const tokens: string[] = []
  collectTokens(node, file, tokens)
  return tokens.join(' ')
}

/**
 * What makes a test statement the same test: its title and normalised body (a suite or any other
 * statement: its normalised text).
 */
export function statementIdentity(statement: ts.Statement, file: ts.SourceFile): string {
  if (blockKind(statement) !== 'test') return normalisedText(statement, file)
  const call = (statement as ts.ExpressionStatement).expression as ts.CallExpression
  const title = call.arguments[0]
  return `${title ? titleText(title, file) : ''}\0${normalisedBody(call, file)}`
}

/** Whether a statement is a `describe` (suite) or an `it` / `test` (test) call. */
export function blockKind(statement: ts.Statement): 'suite' | 'test' | undefined {
  if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression))
    return undefined
  const callee = calleeRoot(statement.expression.expression)
  if (!callee) return undefined
  return SUITE_NAMES.has(callee.root) ? 'suite' : TEST_NAMES.has(callee.root) ? 'test' : undefined
}

/** The parser's view of a test file, with the script kind its name implies. */
export function parseTestFile(code: string, fileName: string): ts.SourceFile {
  return parse(code, fileName)
}

function collectTokens(node: ts.Node, file: ts.SourceFile, into: string[]): void {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    into.push(JSON.stringify(node.text))
    return
  }
  if (
    ts.isTemplateHead(node) ||
    ts.isTemplateMiddle(node) ||
    ts.isTemplateTail(node) ||
    ts.isRegularExpressionLiteral(node) ||
    ts.isNumericLiteral(node)
  ) {
    into.push(node.getText(file))
    return
  }
  const children = node.getChildren(file)
  if (children.length === 0) {
    if (node.kind !== ts.SyntaxKind.SemicolonToken) into.push(node.getText(file))
    return
  }
  children.forEach((child, i) => {
    // A trailing comma (`f(a, b,)`, `[1, 2,]`) is the last child of its list.
    const trailingComma =
      child.kind === ts.SyntaxKind.CommaToken &&
      node.kind === ts.SyntaxKind.SyntaxList &&
      i === children.length - 1
    if (!trailingComma) collectTokens(child, file, into)
  })
}

/** Cuts the doomed blocks, the suites left empty, and the imports left unused. */
function cutBlocks(
  code: string,
  fileName: string,
  blocks: readonly Block[],
  doomed: Set<Block>
): { readonly code: string; readonly remaining: number } {
  const tests = blocks.filter((block) => block.kind === 'test')
  // A suite goes when every test inside it goes.
  for (const suite of blocks.filter((block) => block.kind === 'suite')) {
    const inside = tests.filter((test) => isWithin(test, suite))
    if (inside.length > 0 && inside.every((test) => doomed.has(test))) doomed.add(suite)
  }
  const outermost = [...doomed].filter(
    (block) => ![...doomed].some((other) => other !== block && isWithin(block, other))
  )
  const ranges = outermost
    .map((block) => ({ start: block.statement.getFullStart(), end: block.statement.getEnd() }))
    .sort((a, b) => b.start - a.start)
  let text = code
  for (const { start, end } of ranges) text = text.slice(0, start) + text.slice(end)
  const cleaned = ranges.length > 0 ? withoutUnusedImports(text, fileName) : text
  return { code: cleaned, remaining: tests.filter((test) => !isDoomed(test, doomed)).length }
}

function isWithin(block: Block, ancestor: Block): boolean {
  for (let current = block.parent; current; current = current.parent)
    if (current === ancestor) return true
  return false
}

function isDoomed(block: Block, doomed: ReadonlySet<Block>): boolean {
  for (let current: Block | undefined = block; current; current = current.parent)
    if (doomed.has(current)) return true
  return false
}

/** Drops import bindings no other statement mentions; side-effect imports stay. */
function withoutUnusedImports(code: string, fileName: string): string {
  const file = parse(code, fileName)
  const used = new Set<string>()
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) used.add(node.text)
    ts.forEachChild(node, collect)
  }
  for (const statement of file.statements)
    if (!ts.isImportDeclaration(statement)) collect(statement)
  const edits: { start: number; end: number; text: string }[] = []
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue
    const clause = statement.importClause
    const named = clause.namedBindings
    const keepDefault = clause.name && used.has(clause.name.text) ? clause.name.text : undefined
    let keepNamed: string | undefined
    if (named && ts.isNamespaceImport(named))
      keepNamed = used.has(named.name.text) ? named.getText(file) : undefined
    else if (named && ts.isNamedImports(named)) {
      const elements = named.elements.filter((element) => used.has(element.name.text))
      keepNamed =
        elements.length === named.elements.length
          ? named.getText(file)
          : elements.length > 0
            ? `{ ${elements.map((element) => element.getText(file)).join(', ')} }`
            : undefined
    }
    const allKept =
      (!clause.name || keepDefault !== undefined) && (!named || keepNamed === named.getText(file))
    if (allKept) continue
    const parts = [keepDefault, keepNamed].filter((part) => part !== undefined)
    const text =
      parts.length === 0
        ? ''
        : `import ${clause.isTypeOnly ? 'type ' : ''}${parts.join(', ')} from ${statement.moduleSpecifier.getText(file)}`
    edits.push({
      start: parts.length === 0 ? statement.getFullStart() : statement.getStart(file),
      end: statement.getEnd(),
      text
    })
  }
  let text = code
  for (const edit of edits.sort((a, b) => b.start - a.start))
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end)
  return text
}
