import ts from 'typescript'

/**
 * Gate 6, the part that costs no test run and applies at every depth: a kept test must contain at
 * least one assertion about something it computed. `expect(true).toBe(true)` and a test with no
 * assertion at all are rejected here; whether the assertions would catch a change is the mutant
 * check's question (6-asserts.ts), asked when the depth turns it on.
 *
 * An expression is constant when it refers to nothing but literals, a few built-ins, and `const`
 * names of the file bound to constants (`const ok = true; expect(ok)` is still `expect(true)`).
 */

export type StaticAssertionCheck =
  | { readonly ok: true; readonly assertions: number }
  | { readonly ok: false; readonly reason: string }

/** Globals whose use does not make a value depend on the code under test. */
const CONSTANT_GLOBALS = new Set([
  'undefined',
  'NaN',
  'Infinity',
  'Object',
  'Array',
  'String',
  'Number',
  'Boolean',
  'BigInt',
  'Symbol',
  'JSON',
  'Math',
  'Promise',
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  // asymmetric matchers: `expect.any(Number)` says nothing about the subject on its own
  'expect'
])

/** Where an identifier is a name, not a reference to a value. */
function isNamePosition(node: ts.Identifier): boolean {
  const parent = node.parent
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
    (ts.isPropertyAssignment(parent) && parent.name === node) ||
    (ts.isMethodDeclaration(parent) && parent.name === node) ||
    (ts.isParameter(parent) && parent.name === node) ||
    (ts.isVariableDeclaration(parent) && parent.name === node) ||
    (ts.isBindingElement(parent) && (parent.name === node || parent.propertyName === node)) ||
    ts.isTypeReferenceNode(parent) ||
    ts.isQualifiedName(parent) ||
    ts.isLabeledStatement(parent) ||
    ts.isBreakOrContinueStatement(parent)
  )
}

/** `const` names bound to constant values, solved to a fixed point over the whole file. */
function constantNames(file: ts.SourceFile): Set<string> {
  const candidates = new Map<string, ts.Expression>()
  const elsewhere = new Set<string>()
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
      const isConst =
        ts.isVariableDeclarationList(node.parent) && (node.parent.flags & ts.NodeFlags.Const) !== 0
      if (isConst && node.initializer && !candidates.has(node.name.text))
        candidates.set(node.name.text, node.initializer)
      else elsewhere.add(node.name.text)
    } else if ((ts.isParameter(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name)) {
      elsewhere.add(node.name.text)
    } else if (
      (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) &&
      node.name !== undefined
    ) {
      elsewhere.add(node.name.text)
    } else if (ts.isImportClause(node) && node.name) {
      elsewhere.add(node.name.text)
    } else if (ts.isImportSpecifier(node) || ts.isNamespaceImport(node)) {
      elsewhere.add(node.name.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  for (const name of elsewhere) candidates.delete(name)
  const constant = new Set<string>()
  for (let changed = true; changed;) {
    changed = false
    for (const [name, initializer] of candidates) {
      if (!constant.has(name) && isConstant(initializer, constant)) {
        constant.add(name)
        changed = true
      }
    }
  }
  return constant
}

/** True when the expression refers to no value the test obtained from code (see the file comment). */
function isConstant(node: ts.Node, constants: ReadonlySet<string>): boolean {
  let constant = true
  const visit = (child: ts.Node): void => {
    if (!constant || ts.isTypeNode(child)) return
    if (child.kind === ts.SyntaxKind.ThisKeyword || child.kind === ts.SyntaxKind.SuperKeyword) {
      constant = false
    } else if (ts.isIdentifier(child)) {
      if (!isNamePosition(child) && !CONSTANT_GLOBALS.has(child.text) && !constants.has(child.text))
        constant = false
    } else if (ts.isPropertyAccessExpression(child)) {
      visit(child.expression)
    } else {
      ts.forEachChild(child, visit)
    }
  }
  visit(node)
  return constant
}

/** `expect`, `expect.soft`, `expect.poll`: the callees that take an assertion's subject. */
function isExpectCallee(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'expect'
  return (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'expect' &&
    /^(soft|poll)$/.test(callee.name.text)
  )
}

/** `assert(x)`, `assert.equal(a, b)`, `assert.strict.equal(a, b)`, `t.assert.ok(x)`. */
function isAssertCallee(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'assert'
  if (!ts.isPropertyAccessExpression(callee)) return false
  for (let node: ts.Expression = callee; ; node = node.expression) {
    if (ts.isIdentifier(node)) return node.text === 'assert'
    if (!ts.isPropertyAccessExpression(node)) return false
    if (node !== callee && node.name.text === 'assert') return true
  }
}

/**
 * The matcher calls of an `expect(subject)` chain (`.not.toBe(x)`, `.resolves.toEqual(y)`), or
 * undefined when nothing follows the `expect(...)` (which asserts nothing).
 */
function matcherArguments(expectCall: ts.CallExpression): readonly ts.Expression[] | undefined {
  let node: ts.Node = expectCall
  if (!ts.isPropertyAccessExpression(node.parent) || node.parent.expression !== node)
    return undefined
  while (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node)
    node = node.parent
  const call = node.parent
  // chai's `expect(x).to.be.true` asserts with no call at the end
  return ts.isCallExpression(call) && call.expression === node ? call.arguments : []
}

/**
 * Says whether test code holds an assertion about a value it computed: an `expect(...)` chain or
 * an `assert...(...)` call where the subject or a compared value is not constant.
 */
export function checkAssertsStatically(
  code: string,
  fileName = 'candidate.test.ts'
): StaticAssertionCheck {
  const file = ts.createSourceFile(
    fileName,
    code,
    ts.ScriptTarget.Latest,
    true,
    /x$/.test(fileName) ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  )
  const constants = constantNames(file)
  let found = 0
  let meaningful = 0
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      if (isExpectCallee(node.expression)) {
        const matchers = matcherArguments(node)
        if (matchers !== undefined) {
          found++
          const compared = [...node.arguments, ...matchers]
          if (compared.some((arg) => !isConstant(arg, constants))) meaningful++
        }
      } else if (isAssertCallee(node.expression)) {
        found++
        if (node.arguments.slice(0, 2).some((arg) => !isConstant(arg, constants))) meaningful++
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  if (meaningful > 0) return { ok: true, assertions: meaningful }
  return {
    ok: false,
    reason:
      found === 0
        ? 'contains no assertion (no expect(...) matcher or assert(...) call): it can only fail by throwing'
        : `asserts only constants (${found} assertion(s) such as expect(true).toBe(true)): no assertion checks a value the code under test produced`
  }
}
