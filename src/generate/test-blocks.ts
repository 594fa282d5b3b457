import ts from 'typescript'

/**
 * The `describe` / `it` / `test` blocks of a jest or vitest file, read with the TypeScript parser:
 * their full names (describe titles and the test title joined by ' > ', as the runners report
 * them), and removal of named tests, so one failing test costs that test, not its whole file.
 */

const SUITE_NAMES = new Set(['describe', 'fdescribe', 'xdescribe', 'suite', 'context'])
const TEST_NAMES = new Set(['it', 'test', 'fit', 'xit', 'xtest', 'specify'])

interface Block {
  readonly kind: 'suite' | 'test'
  /** The statement that holds the call (what removal cuts out). */
  readonly statement: ts.Statement
  /** Matches the block's full name as runners report it. */
  readonly name: RegExp
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
      if (kind && title !== undefined) {
        const full = prefix ? `${prefix} > ${title}` : title
        const block: Block = {
          kind,
          statement: node,
          name: new RegExp(`^${full}$`, 's'),
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
  return {
    code: cleaned,
    removed,
    notFound,
    remaining: tests.filter((test) => !isDoomed(test, doomed)).length
  }
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
