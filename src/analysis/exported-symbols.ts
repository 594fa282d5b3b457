/**
 * A module's exports with the compiler's view of them: functions (one signature per overload),
 * classes (constructor, public methods, getters, setters, properties), constants, enums, types,
 * the default export and CommonJS `module.exports`; with JSDoc, line ranges and whether a changed
 * line of the PR falls inside each declaration.
 */
import ts from 'typescript'
import { intersects } from '../git/changed-lines.js'
import type {
  ExportKind,
  ExportedSymbol,
  LineRange,
  MemberModel,
  SignatureModel
} from './module-model.js'
import { isInternalSymbolName, type TypeModeller } from './type-model.js'

export interface ExportContext {
  readonly checker: ts.TypeChecker
  readonly modeller: TypeModeller
  readonly changedLines: readonly LineRange[]
}

/** Lines of a node in its file, 1-based inclusive, from its first token (not its leading comments). */
export function lineRangeOf(node: ts.Node): LineRange {
  const file = node.getSourceFile()
  const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1
  const end = file.getLineAndCharacterOfPosition(node.getEnd()).line + 1
  return { start, end }
}

/** The declaration statement that holds `node` (the whole `export const x = ...` line). */
function statementOf(node: ts.Node): ts.Node {
  if (ts.isVariableDeclaration(node)) {
    const list = node.parent
    if (ts.isVariableDeclarationList(list) && ts.isVariableStatement(list.parent)) {
      return list.declarations.length === 1 ? list.parent : node
    }
  }
  return node
}

/** Raw JSDoc text (`/** ... *\/`) of a declaration, when it has one. */
export function jsDocOf(node: ts.Node): string | undefined {
  const holder = statementOf(node)
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc)
  const own = docs.length > 0 ? docs : ts.getJSDocCommentsAndTags(holder).filter(ts.isJSDoc)
  const last = own.at(-1)
  return last ? last.getText() : undefined
}

/** A function declaration, or a variable or class field whose value is a function expression. */
function isFunctionLike(node: ts.Node): boolean {
  if (ts.isFunctionDeclaration(node)) return true
  if ((ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) && node.initializer) {
    const init = skipOuter(node.initializer)
    return ts.isArrowFunction(init) || ts.isFunctionExpression(init)
  }
  return false
}

function skipOuter(node: ts.Expression): ts.Expression {
  let current = node
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current)
  ) {
    current = current.expression
  }
  return current
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false)
}

function isPublicMember(member: ts.ClassElement): boolean {
  if (member.name && ts.isPrivateIdentifier(member.name)) return false
  if (
    hasModifier(member, ts.SyntaxKind.PrivateKeyword) ||
    hasModifier(member, ts.SyntaxKind.ProtectedKeyword)
  )
    return false
  // JS: `@private` / `@protected` JSDoc tags.
  return !ts
    .getJSDocTags(member)
    .some((tag) => tag.tagName.text === 'private' || tag.tagName.text === 'protected')
}

export function extractExports(
  sourceFile: ts.SourceFile,
  context: ExportContext
): ExportedSymbol[] {
  const { checker } = context
  const moduleSymbol = moduleSymbolOf(sourceFile, checker)
  if (!moduleSymbol) return []
  const result: ExportedSymbol[] = []
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = resolveExportTarget(checker, exported)
    const name = exported.getName() === 'export=' ? 'default' : exported.getName()
    const model = describeSymbol(name, exported, symbol, sourceFile, context)
    if (model) result.push(model)
  }
  // `module.exports = something` in JS with nothing enumerable: keep it as the default export.
  if (result.length === 0) {
    const exportEquals = moduleSymbol.exports?.get(ts.InternalSymbolName.ExportEquals)
    if (exportEquals) {
      const model = describeSymbol('default', exportEquals, exportEquals, sourceFile, context)
      if (model) result.push(model)
    }
  }
  return result.sort((a, b) => a.lines.start - b.lines.start || a.name.localeCompare(b.name))
}

/**
 * The module's symbol. The public `getSymbolAtLocation(sourceFile)` answers only for ES modules;
 * a CommonJS JS file (`module.exports = {...}`) has its symbol on the node, which is the same
 * object the checker uses internally (stable across TypeScript releases).
 */
function moduleSymbolOf(sourceFile: ts.SourceFile, checker: ts.TypeChecker): ts.Symbol | undefined {
  return (
    checker.getSymbolAtLocation(sourceFile) ??
    (sourceFile as unknown as { symbol?: ts.Symbol }).symbol
  )
}

/** Follows aliases (`export { a as b }`, imports) and CJS object shorthands to the declared symbol. */
function resolveExportTarget(checker: ts.TypeChecker, exported: ts.Symbol): ts.Symbol {
  let symbol = exported.flags & ts.SymbolFlags.Alias ? safeAliased(checker, exported) : exported
  const declaration = symbol.valueDeclaration
  if (declaration && ts.isShorthandPropertyAssignment(declaration)) {
    const value = checker.getShorthandAssignmentValueSymbol(declaration)
    if (value) symbol = value.flags & ts.SymbolFlags.Alias ? safeAliased(checker, value) : value
  } else if (
    declaration &&
    ts.isPropertyAssignment(declaration) &&
    ts.isIdentifier(declaration.initializer)
  ) {
    const value = checker.getSymbolAtLocation(declaration.initializer)
    if (value) symbol = value.flags & ts.SymbolFlags.Alias ? safeAliased(checker, value) : value
  }
  return symbol
}

function safeAliased(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  try {
    return checker.getAliasedSymbol(symbol)
  } catch {
    return symbol
  }
}

function describeSymbol(
  name: string,
  exported: ts.Symbol,
  symbol: ts.Symbol,
  sourceFile: ts.SourceFile,
  context: ExportContext
): ExportedSymbol | undefined {
  const { checker, modeller, changedLines } = context
  const declarations = symbol.declarations ?? []
  const declaration = symbol.valueDeclaration ?? declarations[0]
  if (!declaration) return undefined
  // Where the export lives in this file: the declaration itself, or the export statement that
  // re-exports it (`export { x } from './y'`, `export default x`).
  const localDecl =
    declarations.find((d) => d.getSourceFile() === sourceFile) ??
    exported.declarations?.find((d) => d.getSourceFile() === sourceFile) ??
    declaration
  const anchor = statementOf(localDecl)
  let lines =
    localDecl.getSourceFile() === sourceFile
      ? lineRangeOf(anchor)
      : (starExportLines(sourceFile, name, checker) ?? { start: 1, end: 1 })
  // Overloads: span every declaration of the function in this file.
  for (const other of declarations) {
    if (
      other === localDecl ||
      other.getSourceFile() !== sourceFile ||
      !ts.isFunctionDeclaration(other)
    )
      continue
    const range = lineRangeOf(other)
    lines = { start: Math.min(lines.start, range.start), end: Math.max(lines.end, range.end) }
  }
  const changed = localDecl.getSourceFile() === sourceFile && intersects(lines, changedLines)
  const jsDoc = jsDocOf(declaration)
  const localName = localNameOf(symbol, declaration, name)
  const base = {
    name,
    ...(localName ? { localName } : {}),
    lines,
    changed,
    ...(jsDoc ? { jsDoc } : {})
  }

  const flags = symbol.flags
  if (flags & ts.SymbolFlags.Class) {
    const classDecl = declarations.find((d): d is ts.ClassLikeDeclaration => ts.isClassLike(d))
    return {
      ...base,
      kind: 'class',
      ...describeClass(symbol, classDecl, context, localName ?? name)
    }
  }
  if (flags & ts.SymbolFlags.Enum) {
    const type = checker.getTypeOfSymbolAtLocation(symbol, declaration)
    const declared = checker.getDeclaredTypeOfSymbol(symbol)
    return {
      ...base,
      kind: 'enum',
      type: modeller.model(
        declared.flags & ts.TypeFlags.EnumLike || declared.isUnion() ? declared : type,
        declaration
      )
    }
  }
  if (flags & ts.SymbolFlags.Interface && !(flags & ts.SymbolFlags.Value)) {
    return {
      ...base,
      kind: 'interface',
      type: modeller.model(checker.getDeclaredTypeOfSymbol(symbol), declaration)
    }
  }
  if (flags & ts.SymbolFlags.TypeAlias && !(flags & ts.SymbolFlags.Value)) {
    return {
      ...base,
      kind: 'type',
      type: modeller.model(checker.getDeclaredTypeOfSymbol(symbol), declaration)
    }
  }
  if (!(flags & ts.SymbolFlags.Value) && !(flags & ts.SymbolFlags.Alias)) return undefined

  const type = checker.getTypeOfSymbolAtLocation(symbol, declaration)
  const displayName = name === 'default' ? (localName ?? 'default') : name
  if (flags & ts.SymbolFlags.Function || isFunctionLike(declaration)) {
    return {
      ...base,
      kind: 'function',
      signatures: functionSignatures(symbol, type, displayName, context)
    }
  }
  // A default-exported expression or a CJS export that is a class or a function.
  const construct = type.getConstructSignatures()
  if (construct.length > 0 && type.getCallSignatures().length === 0) {
    const classSymbol = construct[0]?.getReturnType().getSymbol()
    const classDecl = classSymbol?.declarations?.find((d): d is ts.ClassLikeDeclaration =>
      ts.isClassLike(d)
    )
    if (classSymbol && classDecl)
      return {
        ...base,
        kind: 'class',
        ...describeClass(classSymbol, classDecl, context, displayName)
      }
  }
  const calls = type.getCallSignatures()
  if (calls.length > 0 && checker.getPropertiesOfType(type).length === 0) {
    return {
      ...base,
      kind: 'function',
      signatures: calls.map((signature) => modeller.signature(signature, displayName, declaration))
    }
  }
  const widened = checker.getWidenedType(type)
  const isConst =
    ts.isVariableDeclaration(declaration) &&
    (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0
  return { ...base, kind: 'const', type: modeller.model(isConst ? type : widened, declaration) }
}

/** Lines of the `export * from '...'` statement that brings `name` into this module. */
function starExportLines(
  sourceFile: ts.SourceFile,
  name: string,
  checker: ts.TypeChecker
): LineRange | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isExportDeclaration(statement) || statement.exportClause || !statement.moduleSpecifier)
      continue
    const target = checker.getSymbolAtLocation(statement.moduleSpecifier)
    if (target && checker.getExportsOfModule(target).some((s) => s.getName() === name))
      return lineRangeOf(statement)
  }
  return undefined
}

/** The declared name when it differs from the export name (`export default class Greeter`). */
function localNameOf(
  symbol: ts.Symbol,
  declaration: ts.Declaration,
  name: string
): string | undefined {
  const declared = ts.getNameOfDeclaration(declaration)
  const candidate = declared && ts.isIdentifier(declared) ? declared.text : symbol.getName()
  if (
    candidate === name ||
    candidate.startsWith('__') ||
    candidate === 'default' ||
    candidate === 'export='
  )
    return undefined
  return candidate
}

function functionSignatures(
  symbol: ts.Symbol,
  type: ts.Type,
  name: string,
  context: ExportContext
): SignatureModel[] {
  const { checker, modeller } = context
  const declarations = (symbol.declarations ?? []).filter(ts.isFunctionDeclaration)
  if (declarations.length > 1) {
    // Overloads first, then the implementation signature (the contract's order).
    const overloads = declarations.filter((d) => !d.body)
    const implementation = declarations.filter((d) => d.body)
    return [...overloads, ...implementation].flatMap((d) => {
      const signature = checker.getSignatureFromDeclaration(d)
      return signature ? [modeller.signature(signature, name, d)] : []
    })
  }
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0]
  return type
    .getCallSignatures()
    .map((signature) => modeller.signature(signature, name, declaration))
}

function describeClass(
  symbol: ts.Symbol,
  declaration: ts.ClassLikeDeclaration | undefined,
  context: ExportContext,
  name: string
): { constructorSignature?: SignatureModel; members: MemberModel[] } {
  const { checker, modeller, changedLines } = context
  const staticType = declaration
    ? checker.getTypeOfSymbolAtLocation(symbol, declaration)
    : checker.getTypeOfSymbol(symbol)
  const constructs = staticType.getConstructSignatures()
  const ctor = constructs[constructs.length - 1]
  const constructorSignature = ctor
    ? modeller.signature(ctor, `new ${name}`, declaration)
    : undefined
  const members: MemberModel[] = []
  for (const member of declaration?.members ?? []) {
    if (!member.name || ts.isConstructorDeclaration(member) || !isPublicMember(member)) continue
    if (ts.isIndexSignatureDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) continue
    const memberSymbol = checker.getSymbolAtLocation(member.name)
    if (!memberSymbol) continue
    const isStatic = hasModifier(member, ts.SyntaxKind.StaticKeyword)
    const changed = intersects(lineRangeOf(member), changedLines)
    const memberName = memberSymbol.getName()
    if (isInternalSymbolName(memberName)) continue
    if (ts.isMethodDeclaration(member)) {
      // One entry per method name: overload declarations repeat it.
      if (
        members.some((m) => m.name === memberName && m.static === isStatic && m.kind === 'method')
      )
        continue
      const memberType = checker.getTypeOfSymbolAtLocation(memberSymbol, member)
      const signatures = memberType.getCallSignatures()
      const signature = signatures[signatures.length - 1]
      members.push({
        name: memberName,
        kind: 'method',
        static: isStatic,
        changed,
        ...(signature ? { signature: modeller.signature(signature, memberName, member) } : {})
      })
    } else if (ts.isGetAccessorDeclaration(member)) {
      members.push({
        name: memberName,
        kind: 'getter',
        static: isStatic,
        changed,
        type: modeller.model(checker.getTypeOfSymbolAtLocation(memberSymbol, member), member)
      })
    } else if (ts.isSetAccessorDeclaration(member)) {
      members.push({
        name: memberName,
        kind: 'setter',
        static: isStatic,
        changed,
        type: modeller.model(checker.getTypeOfSymbolAtLocation(memberSymbol, member), member)
      })
    } else if (ts.isPropertyDeclaration(member)) {
      const memberType = checker.getTypeOfSymbolAtLocation(memberSymbol, member)
      const calls = memberType.getCallSignatures()
      if (isFunctionLike(member) && calls[0]) {
        members.push({
          name: memberName,
          kind: 'method',
          static: isStatic,
          changed,
          signature: modeller.signature(calls[0], memberName, member)
        })
      } else {
        members.push({
          name: memberName,
          kind: 'property',
          static: isStatic,
          changed,
          type: modeller.model(memberType, member)
        })
      }
    }
  }
  if (declaration) {
    members.push(...implicitProperties(declaration, members, context))
    if (declaration.heritageClauses?.some((c) => c.token === ts.SyntaxKind.ExtendsKeyword)) {
      members.push(
        ...inheritedMembers(
          checker.getDeclaredTypeOfSymbol(symbol),
          false,
          declaration,
          members,
          context
        ),
        ...inheritedMembers(staticType, true, declaration, members, context)
      )
    }
  }
  return { ...(constructorSignature ? { constructorSignature } : {}), members }
}

/**
 * The public members a class gets from its base classes (in the project's own source) and does not
 * override, so a test writer sees the whole API of an instance.
 */
function inheritedMembers(
  type: ts.Type,
  isStatic: boolean,
  declaration: ts.ClassLikeDeclaration,
  listed: readonly MemberModel[],
  context: ExportContext
): MemberModel[] {
  const { checker, modeller } = context
  const found: MemberModel[] = []
  for (const property of checker.getPropertiesOfType(type)) {
    const name = property.getName()
    if (name === 'prototype' || name.startsWith('#') || name.startsWith('__')) continue
    if (listed.some((m) => m.name === name && m.static === isStatic)) continue
    const member = property.valueDeclaration ?? property.declarations?.[0]
    if (!member || (!ts.isClassElement(member) && !ts.isParameter(member))) continue
    // A parameter property (`constructor(readonly step: number)`) belongs to the constructor's class.
    const owner = ts.isParameter(member) ? member.parent.parent : member.parent
    if (!owner || owner === declaration || !ts.isClassLike(owner)) continue
    // Only bases written in the project: `extends EventEmitter` or `Error` would list the runtime's API.
    const file = owner.getSourceFile()
    if (file.isDeclarationFile || /[\\/]node_modules[\\/]/.test(file.fileName)) continue
    if (!isPublicMember(member as ts.ClassElement)) continue
    const from = owner.name?.text ?? 'its base class'
    const memberType = checker.getTypeOfSymbolAtLocation(property, declaration)
    const signatures = memberType.getCallSignatures()
    const signature = signatures[signatures.length - 1]
    const base = { name, static: isStatic, changed: false, inheritedFrom: from }
    // An arrow-function field is a method to a caller, as it is for the class's own members.
    if ((ts.isMethodDeclaration(member) || isFunctionLike(member)) && signature)
      found.push({
        ...base,
        kind: 'method',
        signature: modeller.signature(signature, name, member)
      })
    else if (ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member))
      found.push({
        ...base,
        kind: ts.isGetAccessorDeclaration(member) ? 'getter' : 'setter',
        type: modeller.model(memberType, declaration)
      })
    else found.push({ ...base, kind: 'property', type: modeller.model(memberType, declaration) })
  }
  return found
}

/** Whether an export kind has runtime behaviour to test (types and interfaces do not). */
export function isTestableKind(kind: ExportKind): boolean {
  return kind !== 'type' && kind !== 'interface'
}

/**
 * Instance properties that are not class members in the syntax: TypeScript parameter properties
 * (`constructor(readonly step: number)`) and JavaScript `this.x = ...` assignments in the class.
 */
function implicitProperties(
  declaration: ts.ClassLikeDeclaration,
  listed: readonly MemberModel[],
  context: ExportContext
): MemberModel[] {
  const { checker, modeller, changedLines } = context
  const found: MemberModel[] = []
  const seen = new Set(listed.filter((m) => !m.static).map((m) => m.name))
  const add = (name: string, node: ts.Node, symbolNode: ts.Node): void => {
    if (seen.has(name) || name.startsWith('#')) return
    const symbol = checker.getSymbolAtLocation(symbolNode)
    if (!symbol) return
    seen.add(name)
    found.push({
      name,
      kind: 'property',
      static: false,
      changed: intersects(lineRangeOf(node), changedLines),
      // The declared type (all assignments), not the narrowed type at this one.
      type: modeller.model(checker.getTypeOfSymbol(symbol), node)
    })
  }
  const ctor = declaration.members.find(ts.isConstructorDeclaration)
  for (const parameter of ctor?.parameters ?? []) {
    if (!ts.isParameterPropertyDeclaration(parameter, ctor as ts.ConstructorDeclaration)) continue
    if (
      !isPublicMember(parameter as unknown as ts.ClassElement) ||
      !ts.isIdentifier(parameter.name)
    )
      continue
    add(parameter.name.text, parameter, parameter.name)
  }
  if (!/\.[cm]?jsx?$/.test(declaration.getSourceFile().fileName)) return found
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
      ts.isIdentifier(node.left.name)
    ) {
      const statement = ts.isExpressionStatement(node.parent) ? node.parent : node
      const isPrivate = ts
        .getJSDocTags(statement)
        .some((t) => t.tagName.text === 'private' || t.tagName.text === 'protected')
      if (!isPrivate && !node.left.name.text.startsWith('_'))
        add(node.left.name.text, statement, node.left.name)
    }
    // Nested functions and classes have their own `this`.
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassLike(node))
      return
    ts.forEachChild(node, visit)
  }
  for (const member of declaration.members) {
    if (ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member)) {
      if (member.body) ts.forEachChild(member.body, visit)
    }
  }
  return found
}
