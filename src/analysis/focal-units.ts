import ts from 'typescript'
import type { LineRange } from './module-model.js'

/**
 * A module split into focal units: the pieces one model call can test with their whole source in
 * view. A unit is a function, an ES5 constructor, one method of a class or of a constructor's
 * prototype (packing groups them back), or a long stretch of module-level code. What belongs to no
 * unit (imports, requires, a UMD wrapper, constants) is the module's header, shown with every unit.
 * Read from the syntax alone, so a UMD factory or a CommonJS object of functions splits the same
 * way as an ES module.
 */

export type FocalUnitKind = 'function' | 'constructor' | 'method' | 'code'

export interface FocalUnit {
  /** Unique within the module: `parse`, `Parser.prototype.next`, `Cache.get`, `code 40-90`. */
  readonly name: string
  readonly kind: FocalUnitKind
  /** Lines of the unit, its leading JSDoc included. */
  readonly lines: LineRange
  /** The class or ES5 constructor a method belongs to. */
  readonly owner?: string
  /** The declaration up to its body (`function parse(text, options)`), for callers' prompts. */
  readonly signature: string
  readonly doc?: string
  /** Identifiers the unit mentions (functions it calls, types it uses, constructors it builds). */
  readonly references: readonly string[]
  /** Property names it reads or calls (`this.next()` gives `next`). */
  readonly memberReferences: readonly string[]
}

export interface TypeDeclaration {
  readonly name: string
  readonly lines: LineRange
}

export interface ModuleOutline {
  readonly lineCount: number
  readonly units: readonly FocalUnit[]
  /** Interfaces, type aliases and enums. */
  readonly types: readonly TypeDeclaration[]
  /**
   * What a method needs beside itself: the class head (declaration line, fields, constructor) or
   * the ES5 constructor, by owner name.
   */
  readonly ownerHeads: ReadonlyMap<string, readonly LineRange[]>
  /** Lines in no unit and no type: imports, requires, wrappers, constants, short module code. */
  readonly header: readonly LineRange[]
  /**
   * False for a barrel: nothing but imports, re-exports (`export * from`, `module.exports =
   * require(…)`) and types, so there is no code of its own to test.
   */
  readonly ownLogic: boolean
}

/** Module-level code longer than this is a unit of its own instead of header. */
const LONG_CODE_LINES = 25
const MAX_SIGNATURE_CHARS = 300
const MAX_DOC_CHARS = 600

interface Collected {
  units: FocalUnit[]
  types: TypeDeclaration[]
  ownerHeads: Map<string, LineRange[]>
  /** Names of functions that get prototype members: ES5 constructors. */
  prototypeOwners: Set<string>
  /** `var P = Foo.prototype`: P stands for Foo's prototype. */
  prototypeAliases: Map<string, string>
}

/** Splits `source` (the file at `path`) into focal units, header and types. */
export function outlineModule(path: string, source: string): ModuleOutline {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, scriptKindOf(path))
  const collected: Collected = {
    units: [],
    types: [],
    ownerHeads: new Map(),
    prototypeOwners: new Set(),
    prototypeAliases: new Map()
  }
  collectStatements(file, file.statements, collected)
  // A function is a constructor when methods are put on its prototype; it heads their groups.
  const units = collected.units.map((unit) =>
    unit.kind === 'function' && collected.prototypeOwners.has(unit.name)
      ? { ...unit, kind: 'constructor' as const, owner: unit.name }
      : unit
  )
  for (const unit of units) {
    if (unit.kind === 'constructor') collected.ownerHeads.set(unit.name, [unit.lines])
  }
  const lineCount = source.split(/\r?\n/).length
  const taken = new Array<boolean>(lineCount + 1).fill(false)
  // Class heads are shown with their methods, so they are not header either.
  const heads = [...collected.ownerHeads.values()].flat()
  for (const range of [
    ...units.map((u) => u.lines),
    ...collected.types.map((t) => t.lines),
    ...heads
  ])
    for (let line = range.start; line <= range.end; line++) taken[line] = true
  const lines = source.split(/\r?\n/)
  const header: LineRange[] = []
  for (let line = 1; line <= lineCount; line++) {
    if (taken[line] || (lines[line - 1] ?? '').trim() === '') continue
    const last = header.at(-1)
    if (last && last.end >= line - 1) header[header.length - 1] = { start: last.start, end: line }
    else if (last && lines.slice(last.end, line - 1).every((l) => l.trim() === ''))
      header[header.length - 1] = { start: last.start, end: line }
    else header.push({ start: line, end: line })
  }
  return {
    lineCount,
    ownLogic: units.length > 0 || file.statements.some((s) => !isReExportOrType(s)),
    units: units.sort((a, b) => a.lines.start - b.lines.start),
    types: collected.types,
    ownerHeads: collected.ownerHeads,
    header
  }
}

/** Imports, re-exports, types and directives: what a barrel is made of. */
function isReExportOrType(statement: ts.Statement): boolean {
  if (
    ts.isImportDeclaration(statement) ||
    ts.isImportEqualsDeclaration(statement) ||
    ts.isExportDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement)
  )
    return true
  if (!ts.isExpressionStatement(statement)) return false
  const expression = skipOuter(statement.expression)
  if (ts.isStringLiteral(expression)) return true // 'use strict'
  // module.exports = require('./x'), exports.a = require('./a')
  return (
    ts.isBinaryExpression(expression) &&
    expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    isRequireCall(skipOuter(expression.right))
  )
}

function isRequireCall(node: ts.Expression): boolean {
  return (
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'require'
  )
}

function scriptKindOf(path: string): ts.ScriptKind {
  if (/\.[cm]?tsx$/.test(path)) return ts.ScriptKind.TSX
  if (/\.[cm]?ts$/.test(path)) return ts.ScriptKind.TS
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX
  return ts.ScriptKind.JS
}

function collectStatements(
  file: ts.SourceFile,
  statements: readonly ts.Statement[],
  out: Collected
): void {
  for (const statement of statements) collectStatement(file, statement, out)
}

function collectStatement(file: ts.SourceFile, statement: ts.Statement, out: Collected): void {
  if (ts.isFunctionDeclaration(statement)) {
    const name = statement.name?.text ?? 'default'
    out.units.push(unitOf(file, statement, name, 'function', statement.body))
    return
  }
  if (ts.isClassDeclaration(statement)) {
    collectClass(file, statement, statement.name?.text ?? 'default', out)
    return
  }
  if (
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement)
  ) {
    out.types.push({ name: statement.name.text, lines: linesWithDoc(file, statement) })
    return
  }
  if (ts.isVariableStatement(statement)) {
    collectVariables(file, statement, out)
    return
  }
  if (ts.isExpressionStatement(statement)) {
    collectExpression(file, statement, out)
    return
  }
  if (ts.isExportAssignment(statement)) {
    // export default function / class / { methods }
    const value = skipOuter(statement.expression)
    if (isFunctionValue(value))
      out.units.push(unitOf(file, statement, 'default', 'function', value.body))
    else if (ts.isClassExpression(value)) collectClass(file, value, 'default', out, statement)
    else if (ts.isObjectLiteralExpression(value) && hasFunctionValues(value))
      collectObjectMethods(file, value, 'default', out, statement)
    else addLongCode(file, statement, out)
    return
  }
  if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) return
  addLongCode(file, statement, out)
}

function collectClass(
  file: ts.SourceFile,
  node: ts.ClassDeclaration | ts.ClassExpression,
  name: string,
  out: Collected,
  holder: ts.Node = node
): void {
  const methods = node.members.filter(
    (m) =>
      (ts.isMethodDeclaration(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m)) &&
      m.body !== undefined
  )
  const whole = linesWithDoc(file, holder)
  if (methods.length === 0) {
    out.units.push(unitOf(file, holder, name, 'function', undefined))
    return
  }
  // The head: the declaration up to its first member, the fields and the constructor, and the
  // closing brace; every method group of the class is shown with it.
  const head: LineRange[] = []
  const first = methods[0]
  if (first)
    head.push({
      start: whole.start,
      end: Math.max(whole.start, linesWithDoc(file, first).start - 1)
    })
  for (const member of node.members) {
    if (methods.includes(member)) continue
    head.push(linesWithDoc(file, member))
  }
  head.push({ start: whole.end, end: whole.end })
  out.ownerHeads.set(name, mergeRanges(head))
  for (const method of methods) {
    const memberName = method.name ? textOfName(method.name) : 'member'
    const isStatic = ts.getCombinedModifierFlags(method) & ts.ModifierFlags.Static
    const body = (method as ts.MethodDeclaration | ts.AccessorDeclaration).body
    out.units.push({
      ...unitOf(file, method, `${name}${isStatic ? '.' : '#'}${memberName}`, 'method', body),
      owner: name
    })
  }
}

function collectVariables(
  file: ts.SourceFile,
  statement: ts.VariableStatement,
  out: Collected
): void {
  const single = statement.declarationList.declarations.length === 1
  for (const declaration of statement.declarationList.declarations) {
    if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue
    const name = declaration.name.text
    const holder = single ? statement : declaration
    const init = skipOuter(declaration.initializer)
    if (ts.isFunctionExpression(init) || ts.isArrowFunction(init)) {
      out.units.push(unitOf(file, holder, name, 'function', init.body))
    } else if (ts.isClassExpression(init)) {
      collectClass(file, init, name, out, holder)
    } else if (ts.isObjectLiteralExpression(init) && hasFunctionValues(init)) {
      collectObjectMethods(file, init, name, out, holder)
    } else if (
      ts.isPropertyAccessExpression(init) &&
      init.name.text === 'prototype' &&
      ts.isIdentifier(init.expression)
    ) {
      out.prototypeAliases.set(name, init.expression.text)
      out.prototypeOwners.add(init.expression.text)
    } else if (isIife(init)) {
      collectIife(file, init, out)
    } else if (single) {
      addLongCode(file, statement, out)
    }
  }
}

function collectExpression(
  file: ts.SourceFile,
  statement: ts.ExpressionStatement,
  out: Collected
): void {
  const expression = skipOuter(statement.expression)
  if (
    ts.isBinaryExpression(expression) &&
    expression.operatorToken.kind === ts.SyntaxKind.EqualsToken
  ) {
    const target = expression.left
    const value = skipOuter(expression.right)
    const written = ts.isPropertyAccessExpression(target) ? accessPath(target) : undefined
    // P.bar = … where `var P = Foo.prototype` is Foo.prototype.bar = …
    const alias = written?.[0] !== undefined ? out.prototypeAliases.get(written[0]) : undefined
    const path = alias && written ? [alias, 'prototype', ...written.slice(1)] : written
    if (path) {
      const prototypeAt = path.indexOf('prototype')
      // Foo.prototype.bar = function () {...}
      if (prototypeAt > 0 && prototypeAt === path.length - 2 && isFunctionValue(value)) {
        const owner = path[prototypeAt - 1] ?? 'anonymous'
        out.prototypeOwners.add(owner)
        out.units.push({
          ...unitOf(
            file,
            statement,
            `${owner}.prototype.${path.at(-1) ?? ''}`,
            'method',
            bodyOf(value)
          ),
          owner
        })
        return
      }
      // Foo.prototype = { bar: function () {...}, ... }
      if (path.at(-1) === 'prototype' && path.length >= 2 && ts.isObjectLiteralExpression(value)) {
        const owner = path.at(-2) ?? 'anonymous'
        out.prototypeOwners.add(owner)
        collectObjectMethods(file, value, `${owner}.prototype`, out, statement, owner)
        return
      }
      if (isFunctionValue(value)) {
        const name = path.join('.')
        out.units.push(unitOf(file, statement, name, 'function', bodyOf(value)))
        return
      }
      if (ts.isObjectLiteralExpression(value) && hasFunctionValues(value)) {
        collectObjectMethods(file, value, path.join('.'), out, statement)
        return
      }
      if (ts.isClassExpression(value)) {
        collectClass(file, value, path.at(-1) ?? 'default', out, statement)
        return
      }
    }
  }
  if (isIife(expression)) {
    collectIife(file, expression, out)
    return
  }
  addLongCode(file, statement, out)
}

/** `(function (root, factory) {...})(this, function () {...})`: both bodies are read. */
function collectIife(file: ts.SourceFile, expression: ts.Expression, out: Collected): void {
  const call = unwrapCall(expression)
  if (!call) return
  const functions: ts.FunctionLikeDeclaration[] = []
  const callee = skipOuter(call.expression)
  if (isFunctionValue(callee)) functions.push(callee)
  if (ts.isPropertyAccessExpression(callee) && isFunctionValue(skipOuter(callee.expression)))
    functions.push(skipOuter(callee.expression) as ts.FunctionExpression)
  for (const argument of call.arguments) {
    const value = skipOuter(argument)
    if (isFunctionValue(value)) functions.push(value)
  }
  for (const fn of functions) {
    if (fn.body && ts.isBlock(fn.body)) collectStatements(file, fn.body.statements, out)
  }
}

function collectObjectMethods(
  file: ts.SourceFile,
  object: ts.ObjectLiteralExpression,
  prefix: string,
  out: Collected,
  holder: ts.Node,
  owner?: string
): void {
  let found = false
  for (const property of object.properties) {
    const name = property.name ? textOfName(property.name) : undefined
    if (!name) continue
    let body: ts.Node | undefined
    if (
      ts.isMethodDeclaration(property) ||
      ts.isGetAccessor(property) ||
      ts.isSetAccessor(property)
    )
      body = property.body
    else if (ts.isPropertyAssignment(property) && isFunctionValue(skipOuter(property.initializer)))
      body = bodyOf(skipOuter(property.initializer))
    if (!body) continue
    found = true
    out.units.push({
      ...unitOf(file, property, `${prefix}.${name}`, 'method', body),
      owner: owner ?? prefix
    })
  }
  if (!found) addLongCode(file, holder, out)
}

/** An object literal with methods or function-valued properties (a namespace of functions). */
function hasFunctionValues(object: ts.ObjectLiteralExpression): boolean {
  return object.properties.some(
    (p) =>
      ts.isMethodDeclaration(p) ||
      ts.isGetAccessor(p) ||
      ts.isSetAccessor(p) ||
      (ts.isPropertyAssignment(p) && isFunctionValue(skipOuter(p.initializer)))
  )
}

function addLongCode(file: ts.SourceFile, node: ts.Node, out: Collected): void {
  if (!isLong(file, node)) return
  const lines = linesWithDoc(file, node)
  out.units.push(unitOf(file, node, `code ${lines.start}-${lines.end}`, 'code', undefined))
}

function isLong(file: ts.SourceFile, node: ts.Node): boolean {
  const lines = linesWithDoc(file, node)
  return lines.end - lines.start + 1 > LONG_CODE_LINES
}

function unitOf(
  file: ts.SourceFile,
  node: ts.Node,
  name: string,
  kind: FocalUnitKind,
  body: ts.Node | undefined
): FocalUnit {
  const references = new Set<string>()
  const memberReferences = new Set<string>()
  const visit = (child: ts.Node): void => {
    if (ts.isIdentifier(child)) {
      const parent = child.parent
      if (ts.isPropertyAccessExpression(parent) && parent.name === child)
        memberReferences.add(child.text)
      else references.add(child.text)
    }
    ts.forEachChild(child, visit)
  }
  ts.forEachChild(node, visit)
  const start = node.getStart(file)
  const signatureEnd = body
    ? body.getStart(file)
    : Math.min(node.getEnd(), start + MAX_SIGNATURE_CHARS)
  let signature = file.text.slice(start, signatureEnd).replace(/\s+/g, ' ').trim()
  if (!body) signature = signature.split(/[{=]/)[0]?.trim() ?? signature
  if (signature.length > MAX_SIGNATURE_CHARS)
    signature = `${signature.slice(0, MAX_SIGNATURE_CHARS)}…`
  const doc = docOf(file, node)
  return {
    name,
    kind,
    lines: linesWithDoc(file, node),
    signature,
    ...(doc ? { doc } : {}),
    references: [...references],
    memberReferences: [...memberReferences]
  }
}

/** The JSDoc comment (`/** … *\/`) right before `node`, if any. */
function jsDocRangeOf(file: ts.SourceFile, node: ts.Node): ts.CommentRange | undefined {
  const ranges = ts.getLeadingCommentRanges(file.text, node.getFullStart()) ?? []
  const last = ranges.at(-1)
  if (!last || last.kind !== ts.SyntaxKind.MultiLineCommentTrivia) return undefined
  return file.text.startsWith('/**', last.pos) ? last : undefined
}

function docOf(file: ts.SourceFile, node: ts.Node): string | undefined {
  const range = jsDocRangeOf(file, node)
  if (!range) return undefined
  const text = file.text
    .slice(range.pos, range.end)
    .replace(/^\/\*\*|\*\/$/g, '')
    .replace(/^\s*\* ?/gm, '')
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > MAX_DOC_CHARS ? `${text.slice(0, MAX_DOC_CHARS)}…` : text
}

function linesWithDoc(file: ts.SourceFile, node: ts.Node): LineRange {
  const doc = jsDocRangeOf(file, node)
  const from = doc ? doc.pos : node.getStart(file)
  return {
    start: file.getLineAndCharacterOfPosition(from).line + 1,
    end: file.getLineAndCharacterOfPosition(node.getEnd()).line + 1
  }
}

function skipOuter(node: ts.Expression): ts.Expression {
  let current = node
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isNonNullExpression(current)
  )
    current = current.expression
  return current
}

function isFunctionValue(node: ts.Node): node is ts.FunctionExpression | ts.ArrowFunction {
  return ts.isFunctionExpression(node) || ts.isArrowFunction(node)
}

function bodyOf(node: ts.Node): ts.Node | undefined {
  return isFunctionValue(node) ? node.body : undefined
}

/** `(fn)(…)`, `!function(){}()`, `(function(){}).call(this)`: the call, or undefined. */
function unwrapCall(expression: ts.Expression): ts.CallExpression | undefined {
  let current = skipOuter(expression)
  if (ts.isPrefixUnaryExpression(current)) current = skipOuter(current.operand)
  if (ts.isVoidExpression(current)) current = skipOuter(current.expression)
  return ts.isCallExpression(current) ? current : undefined
}

function isIife(expression: ts.Expression): boolean {
  const call = unwrapCall(expression)
  if (!call) return false
  const callee = skipOuter(call.expression)
  if (isFunctionValue(callee)) return true
  if (ts.isPropertyAccessExpression(callee) && isFunctionValue(skipOuter(callee.expression)))
    return true
  return call.arguments.some((a) => isFunctionValue(skipOuter(a)))
}

/** `a.b.c` as ['a', 'b', 'c'], or undefined for anything but identifiers and `this`. */
function accessPath(node: ts.PropertyAccessExpression): string[] | undefined {
  const parts: string[] = [node.name.text]
  let current: ts.Expression = node.expression
  while (ts.isPropertyAccessExpression(current)) {
    parts.unshift(current.name.text)
    current = current.expression
  }
  if (ts.isIdentifier(current)) parts.unshift(current.text)
  else if (current.kind === ts.SyntaxKind.ThisKeyword) parts.unshift('this')
  else return undefined
  return parts
}

function textOfName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text
  return name.getText()
}

/** Sorted ranges with overlapping or touching ones joined. */
export function mergeRanges(ranges: readonly LineRange[]): LineRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  const out: LineRange[] = []
  for (const range of sorted) {
    const last = out.at(-1)
    if (last && range.start <= last.end + 1)
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, range.end) }
    else out.push(range)
  }
  return out
}
