import ts from 'typescript'
import { blockKind, parseTestFile } from './test-blocks.js'

/**
 * Tests written at the top level of a candidate (`it(...)` outside any `describe`) grouped in one
 * `describe` per function or class they exercise: the export of the module under test they call
 * first. The file then reads like the explorer's, one block per unit, and a later candidate's
 * tests of the same unit join that block when the files are merged. Done before the gates run, so
 * the names the tests pass under are the names they are delivered with.
 */
export function groupLooseTests(code: string, fileName: string, fallbackTitle: string): string {
  const file = parseTestFile(code, fileName)
  const loose = file.statements.filter((statement) => blockKind(statement) === 'test')
  if (loose.length === 0) return code
  const units = unitBindings(file)
  const groups = new Map<string, ts.Statement[]>()
  for (const test of loose) {
    const title = exercisedUnit(test, units) ?? fallbackTitle
    groups.set(title, [...(groups.get(title) ?? []), test])
  }
  const quote = quoteOf(file)
  const edits: { start: number; end: number; text: string }[] = []
  for (const [title, tests] of groups) {
    const [first, ...rest] = tests
    if (!first) continue
    const bodies = tests.map((test) => indented(textWithComments(test, file), test, file))
    edits.push({
      start: first.getStart(file) - leadingComments(first, file).length,
      end: first.getEnd(),
      text: `describe(${quote}${escapeTitle(title, quote)}${quote}, () => {\n${bodies.join('\n\n')}\n})`
    })
    for (const test of rest)
      edits.push({ start: test.getFullStart(), end: test.getEnd(), text: '' })
  }
  let text = code
  for (const edit of edits.sort((a, b) => b.start - a.start))
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end)
  return text
}

/**
 * Local names bound to the module under test: imports and `require`s of a relative path, by
 * local name, with the name a test reads for them (a namespace's member names come from use).
 */
function unitBindings(file: ts.SourceFile): Map<string, 'named' | 'namespace'> {
  const bindings = new Map<string, 'named' | 'namespace'>()
  const relative = (specifier: string): boolean => /^\.{1,2}(\/|$)/.test(specifier)
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      if (!relative((statement.moduleSpecifier as ts.StringLiteral).text)) continue
      const clause = statement.importClause
      if (clause.isTypeOnly) continue
      if (clause.name) bindings.set(clause.name.text, 'named')
      const named = clause.namedBindings
      if (named && ts.isNamespaceImport(named)) bindings.set(named.name.text, 'namespace')
      if (named && ts.isNamedImports(named))
        for (const element of named.elements)
          if (!element.isTypeOnly) bindings.set(element.name.text, 'named')
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer
        const required =
          init &&
          ts.isCallExpression(init) &&
          ts.isIdentifier(init.expression) &&
          init.expression.text === 'require' &&
          init.arguments[0] &&
          ts.isStringLiteralLike(init.arguments[0]) &&
          relative(init.arguments[0].text)
        if (!required) continue
        if (ts.isIdentifier(declaration.name)) bindings.set(declaration.name.text, 'namespace')
        else if (ts.isObjectBindingPattern(declaration.name))
          for (const element of declaration.name.elements)
            if (ts.isIdentifier(element.name)) bindings.set(element.name.text, 'named')
      }
    }
  }
  return bindings
}

/** The first unit of the module the test uses: `f(...)`, `new C()`, `ns.f(...)`. */
function exercisedUnit(
  test: ts.Statement,
  units: ReadonlyMap<string, 'named' | 'namespace'>
): string | undefined {
  let found: string | undefined
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return
    if (ts.isIdentifier(node) && units.has(node.text) && isReference(node)) {
      const parent = node.parent
      found =
        units.get(node.text) === 'namespace' &&
        ts.isPropertyAccessExpression(parent) &&
        parent.expression === node
          ? parent.name.text
          : node.text
      return
    }
    ts.forEachChild(node, visit)
  }
  // The title is not what the test exercises.
  const call = (test as ts.ExpressionStatement).expression as ts.CallExpression
  for (const argument of call.arguments.slice(1)) visit(argument)
  return found
}

function isReference(node: ts.Identifier): boolean {
  const parent = node.parent
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false
  return true
}

function leadingComments(statement: ts.Statement, file: ts.SourceFile): string {
  return file.text.slice(statement.getFullStart(), statement.getStart(file)).trimStart()
}

function textWithComments(statement: ts.Statement, file: ts.SourceFile): string {
  return leadingComments(statement, file) + statement.getText(file)
}

/**
 * The text two spaces further in, except lines that begin inside a template literal (indenting
 * them would change the string).
 */
function indented(text: string, statement: ts.Statement, file: ts.SourceFile): string {
  const start = statement.getStart(file) - leadingComments(statement, file).length
  const inTemplate: { start: number; end: number }[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node))
      inTemplate.push({ start: node.getStart(file) - start, end: node.getEnd() - start })
    ts.forEachChild(node, visit)
  }
  visit(statement)
  let offset = 0
  return text
    .split('\n')
    .map((line) => {
      const at = offset
      offset += line.length + 1
      const literal = inTemplate.some((range) => at > range.start && at < range.end)
      return literal || line.length === 0 ? line : `  ${line}`
    })
    .join('\n')
}

/** The quote the file's own imports use, so the new title reads like the rest. */
function quoteOf(file: ts.SourceFile): string {
  for (const statement of file.statements)
    if (ts.isImportDeclaration(statement))
      return statement.moduleSpecifier.getText(file).startsWith('"') ? '"' : "'"
  return "'"
}

function escapeTitle(title: string, quote: string): string {
  return title.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`)
}
