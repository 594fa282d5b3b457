/**
 * ts.Type -> TypeModel: the small serialisable description of types that prompts and the explorer
 * read (primitives, literals, unions, arrays, tuples, object shapes, records, enums, promises,
 * callbacks, class instances, Date/RegExp/Map/Set). Anything else stays as its text.
 */
import ts from 'typescript'
import type { ParameterModel, PropertyModel, SignatureModel, TypeModel } from './module-model.js'

/** Object nesting kept before a type is summarised as text (prompts stay small). */
const MAX_DEPTH = 4
/** Properties kept per object shape. */
const MAX_PROPERTIES = 40
/** Members kept per union (template-literal unions can have tens of thousands). */
const MAX_UNION_MEMBERS = 60

/**
 * What modelling one module's types may cost. Depth and width limits alone still multiply (40
 * properties, four levels deep, each a new instantiation of a recursive conditional type), so the
 * modeller also counts the types it converts and watches the clock. Past the count, composite
 * types are named rather than expanded (the module is still tested; its prompt and the explorer
 * see those types by name); past the clock, the module is skipped with a reason, instead of taking
 * the whole run down.
 */
export interface TypeBudget {
  /** Types converted for one module before further ones are named, not expanded. */
  readonly maxTypes: number
  /** Wall time of one module's modelling. */
  readonly maxMs: number
}

export const DEFAULT_TYPE_BUDGET: TypeBudget = { maxTypes: 5000, maxMs: 10_000 }

/** Thrown by the modeller when a module's budget is spent; analysis turns it into a skip reason. */
export class TypeBudgetExceeded extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'TypeBudgetExceeded'
  }
}

export class TypeModeller {
  private converted = 0
  private deadline = Number.POSITIVE_INFINITY

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
    /** Absolute file -> repo-relative path, or undefined outside the repo. */
    private readonly relativePath: (fileName: string) => string | undefined,
    private readonly budget: TypeBudget = DEFAULT_TYPE_BUDGET
  ) {}

  /** Starts the budget of the next module. */
  beginModule(now: number = Date.now()): void {
    this.converted = 0
    this.deadline = now + this.budget.maxMs
  }

  /** True once this module's type count is spent: further composite types are only named. */
  get summarising(): boolean {
    return this.converted > this.budget.maxTypes
  }

  /** Counts one conversion; throws TypeBudgetExceeded when the module's time is spent. */
  private charge(): void {
    this.converted += 1
    // The clock is read every few conversions: each is cheap, the checker calls between them not.
    if (this.converted % 32 === 0 && Date.now() > this.deadline)
      throw new TypeBudgetExceeded(
        `its types took more than ${Math.round(this.budget.maxMs / 1000)} s to describe`
      )
  }

  /** The model of `type`, seen from `node` (for type-to-string context). */
  model(type: ts.Type, node?: ts.Node): TypeModel {
    return this.convert(type, node, 0, new Set())
  }

  /** A signature's model; `name` prefixes its text (`add(a: number): number`). */
  signature(signature: ts.Signature, name: string, node?: ts.Node): SignatureModel {
    return this.convertSignature(signature, name, node, 0, new Set())
  }

  /** A type's text; TypeScript's own truncation bounds it (a deep recursive type prints forever). */
  private text(type: ts.Type, node?: ts.Node): string {
    return this.checker.typeToString(type, node, ts.TypeFormatFlags.UseFullyQualifiedType)
  }

  private convert(
    type: ts.Type,
    node: ts.Node | undefined,
    depth: number,
    seen: Set<ts.Type>
  ): TypeModel {
    this.charge()
    const f = type.flags
    if (f & ts.TypeFlags.Any) return { kind: 'any' }
    if (f & ts.TypeFlags.Unknown) return { kind: 'unknown' }
    if (f & ts.TypeFlags.Never) return { kind: 'never' }
    if (f & ts.TypeFlags.Void) return { kind: 'void' }
    if (f & ts.TypeFlags.Undefined) return { kind: 'undefined' }
    if (f & ts.TypeFlags.Null) return { kind: 'null' }
    if (f & ts.TypeFlags.Boolean) return { kind: 'boolean' }
    if (f & ts.TypeFlags.BooleanLiteral) {
      return {
        kind: 'literal',
        value: (type as { intrinsicName?: string }).intrinsicName === 'true'
      }
    }
    // Enums before literals and unions: an enum type is a union of enum literal types.
    const enumModel = this.enumModel(type)
    if (enumModel) return enumModel
    if (type.isStringLiteral()) return { kind: 'literal', value: type.value }
    if (type.isNumberLiteral()) return { kind: 'literal', value: type.value }
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) {
      return f & ts.TypeFlags.String
        ? { kind: 'string' }
        : { kind: 'unresolved', text: this.text(type, node) }
    }
    if (f & ts.TypeFlags.Number) return { kind: 'number' }
    if (f & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return { kind: 'bigint' }
    if (f & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol)) return { kind: 'symbol' }
    if (f & ts.TypeFlags.TypeParameter) {
      // A generic parameter: describe it by its constraint when it has one.
      const constraint = this.checker.getBaseConstraintOfType(type)
      if (constraint && constraint !== type && !(constraint.flags & ts.TypeFlags.Unknown)) {
        return this.convert(constraint, node, depth, seen)
      }
      return { kind: 'unresolved', text: this.text(type, node) }
    }
    if (type.isUnion()) return this.unionModel(type, node, depth, seen)
    if (f & ts.TypeFlags.NonPrimitive) return { kind: 'object', properties: [], name: 'object' }
    if (!(f & ts.TypeFlags.Object) && !type.isIntersection()) {
      return { kind: 'unresolved', text: this.text(type, node) }
    }
    if (seen.has(type) || depth > MAX_DEPTH || this.summarising)
      return { kind: 'unresolved', text: shortText(type) }
    seen = new Set(seen).add(type)

    if (this.checker.isTupleType(type)) {
      const elements = this.checker.getTypeArguments(type as ts.TypeReference)
      return {
        kind: 'tuple',
        elements: elements.map((t) => this.convert(t, node, depth + 1, seen))
      }
    }
    if (this.checker.isArrayType(type)) {
      const [element] = this.checker.getTypeArguments(type as ts.TypeReference)
      return {
        kind: 'array',
        element: element ? this.convert(element, node, depth + 1, seen) : { kind: 'unknown' }
      }
    }
    const symbol = type.getSymbol() ?? type.aliasSymbol
    const libName = symbol && this.isLibSymbol(symbol) ? symbol.getName() : undefined
    if (libName === 'Promise' || libName === 'PromiseLike') {
      const [inner] = this.checker.getTypeArguments(type as ts.TypeReference)
      return {
        kind: 'promise',
        type: inner ? this.convert(inner, node, depth + 1, seen) : { kind: 'unknown' }
      }
    }
    if (libName === 'Date') return { kind: 'date' }
    if (libName === 'RegExp') return { kind: 'regexp' }
    if (libName === 'Map' || libName === 'ReadonlyMap' || libName === 'WeakMap')
      return { kind: 'map' }
    if (libName === 'Set' || libName === 'ReadonlySet' || libName === 'WeakSet')
      return { kind: 'set' }

    // Class instances: the instance type of a class declaration.
    if (symbol && symbol.flags & ts.SymbolFlags.Class && !type.isIntersection()) {
      const declaration = symbol.declarations?.[0]
      const module = declaration
        ? this.relativePath(declaration.getSourceFile().fileName)
        : undefined
      const declaredName =
        declaration && ts.isClassLike(declaration) ? declaration.name?.text : undefined
      return {
        kind: 'class',
        name: declaredName ?? symbol.getName(),
        ...(module ? { module } : {})
      }
    }

    const callSignatures = type.getCallSignatures()
    // Symbol-keyed members have only TypeScript's internal names (`__@matcher@163`), which are
    // no property anyone can write: they are left out.
    const properties = this.checker
      .getPropertiesOfType(type)
      .filter((property) => !isInternalSymbolName(property.getName()))
    if (callSignatures.length > 0 && properties.length === 0) {
      const last = callSignatures[callSignatures.length - 1]
      if (last)
        return {
          kind: 'function',
          signature: this.convertSignature(last, '', node, depth + 1, seen)
        }
    }
    if (
      libName &&
      !type.isIntersection() &&
      !(symbol && symbol.flags & ts.SymbolFlags.TypeLiteral)
    ) {
      if (libName === '__type' || libName === '__object') {
        // anonymous lib shapes: described as objects below
      } else if (symbol && symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Variable)) {
        // Lib types with a constructor value (Error, Uint8Array, URL, ...): instances to construct.
        if (type.getConstructSignatures().length === 0) return { kind: 'class', name: libName }
      } else {
        // Pure lib interfaces (Iterable, Generator, ArrayLike): their text says more than their members.
        return { kind: 'unresolved', text: this.text(type, node) }
      }
    }
    if (properties.length === 0) {
      const infos = this.checker.getIndexInfosOfType(type)
      const info = infos[0]
      if (info) {
        return {
          kind: 'record',
          key: this.convert(info.keyType, node, depth + 1, seen),
          value: this.convert(info.type, node, depth + 1, seen)
        }
      }
    }
    const props: PropertyModel[] = []
    for (const property of properties.slice(0, MAX_PROPERTIES)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0]
      const propType = declaration
        ? this.checker.getTypeOfSymbolAtLocation(property, declaration)
        : this.checker.getTypeOfSymbol(property)
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0
      props.push({
        name: property.getName(),
        type: optional
          ? withoutUndefined(this.convert(propType, node, depth + 1, seen))
          : this.convert(propType, node, depth + 1, seen),
        optional
      })
    }
    const name = this.shapeName(type)
    return { kind: 'object', properties: props, ...(name ? { name } : {}) }
  }

  private unionModel(
    type: ts.UnionType,
    node: ts.Node | undefined,
    depth: number,
    seen: Set<ts.Type>
  ): TypeModel {
    const parts: TypeModel[] = []
    let sawTrue = false
    let sawFalse = false
    for (const member of type.types.slice(0, MAX_UNION_MEMBERS)) {
      const model = this.convert(member, node, depth, seen)
      if (model.kind === 'literal' && model.value === true) sawTrue = true
      else if (model.kind === 'literal' && model.value === false) sawFalse = true
      else parts.push(model)
    }
    // TS spells `boolean` as `true | false` inside unions: fold it back.
    if (sawTrue && sawFalse) parts.push({ kind: 'boolean' })
    else if (sawTrue) parts.push({ kind: 'literal', value: true })
    else if (sawFalse) parts.push({ kind: 'literal', value: false })
    if (parts.length === 1 && parts[0]) return parts[0]
    return { kind: 'union', types: parts }
  }

  private enumModel(type: ts.Type): TypeModel | undefined {
    const symbol = type.getSymbol()
    if (!symbol) return undefined
    if (
      symbol.flags & ts.SymbolFlags.Enum &&
      (type.flags & ts.TypeFlags.EnumLike || type.isUnion())
    ) {
      const declaration = symbol.declarations?.find(ts.isEnumDeclaration)
      const members = declaration
        ? declaration.members.map((member) => ({
            name: member.name.getText(),
            value: this.checker.getConstantValue(member) ?? member.name.getText()
          }))
        : []
      return { kind: 'enum', name: symbol.getName(), members }
    }
    if (symbol.flags & ts.SymbolFlags.EnumMember) {
      const declaration = symbol.declarations?.find(ts.isEnumMember)
      const value = declaration ? this.checker.getConstantValue(declaration) : undefined
      if (value !== undefined) return { kind: 'literal', value }
    }
    return undefined
  }

  private shapeName(type: ts.Type): string | undefined {
    const alias = type.aliasSymbol?.getName()
    if (alias) return alias
    const name = type.getSymbol()?.getName()
    if (!name || name.startsWith('__')) return undefined
    return name
  }

  private isLibSymbol(symbol: ts.Symbol): boolean {
    const declarations = symbol.declarations ?? []
    return (
      declarations.length > 0 &&
      declarations.some((d) => {
        const file = d.getSourceFile()
        return (
          this.program.isSourceFileDefaultLibrary(file) ||
          /[\\/]node_modules[\\/]@types[\\/]node[\\/]/.test(file.fileName)
        )
      })
    )
  }

  private convertSignature(
    signature: ts.Signature,
    name: string,
    node: ts.Node | undefined,
    depth: number,
    seen: Set<ts.Type>
  ): SignatureModel {
    const declaration = signature.getDeclaration() as ts.SignatureDeclaration | undefined
    const parameters: ParameterModel[] = signature.getParameters().map((parameter, index) => {
      const paramDecl = parameter.valueDeclaration
      const decl = paramDecl && ts.isParameter(paramDecl) ? paramDecl : undefined
      const type = this.checker.getTypeOfSymbolAtLocation(
        parameter,
        paramDecl ?? declaration ?? node ?? signature.getDeclaration()
      )
      const rest = Boolean(decl?.dotDotDotToken)
      const optional = decl
        ? Boolean(decl.questionToken || decl.initializer) || this.checker.isOptionalParameter(decl)
        : Boolean(parameter.flags & ts.SymbolFlags.Optional)
      const paramName = decl && !ts.isIdentifier(decl.name) ? `arg${index}` : parameter.getName()
      return {
        name: paramName,
        // Optionality is its own flag: drop the `undefined` strict mode adds to optional parameters.
        type: optional
          ? withoutUndefined(this.convert(type, node, depth, seen))
          : this.convert(type, node, depth, seen),
        optional,
        rest,
        ...(decl?.initializer ? { defaultText: decl.initializer.getText() } : {})
      }
    })
    const returnType = signature.getReturnType()
    const returns = this.convert(returnType, node, depth, seen)
    const isAsync =
      Boolean(
        declaration &&
        ts.canHaveModifiers(declaration) &&
        ts.getModifiers(declaration)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)
      ) || returns.kind === 'promise'
    const text = `${name}${this.checker.signatureToString(signature, node, ts.TypeFormatFlags.NoTruncation)}`
    return { parameters, returns, async: isAsync, text }
  }
}

/**
 * A type's name without printing its structure: printing a deep recursive type costs as much as
 * expanding it (seconds and gigabytes for recursive conditional types), and past the depth limit
 * the name is all a reader needs.
 */
function shortText(type: ts.Type): string {
  const alias = type.aliasSymbol?.getName()
  if (alias) return type.aliasTypeArguments?.length ? `${alias}<...>` : alias
  const name = type.getSymbol()?.getName()
  if (name && !name.startsWith('__')) return name
  return type.isUnion() ? 'union' : type.isIntersection() ? 'intersection' : 'object'
}

/** Removes `undefined` from a union model (optionality is carried by its own flag). */
function withoutUndefined(model: TypeModel): TypeModel {
  if (model.kind !== 'union') return model
  const kept = model.types.filter((t) => t.kind !== 'undefined')
  if (kept.length === model.types.length) return model
  if (kept.length === 1 && kept[0]) return kept[0]
  return { kind: 'union', types: kept }
}

/**
 * A compact, TypeScript-like rendering of a TypeModel (`{ x: number; y?: string }`,
 * `Promise<string[]>`, `enum Color`), for prompts, logs and readable test assertions.
 */
export function formatTypeModel(model: TypeModel): string {
  switch (model.kind) {
    case 'literal':
      return typeof model.value === 'string' ? JSON.stringify(model.value) : String(model.value)
    case 'union':
      return model.types
        .map((t) => (t.kind === 'function' ? `(${formatTypeModel(t)})` : formatTypeModel(t)))
        .join(' | ')
    case 'array': {
      const inner = formatTypeModel(model.element)
      return model.element.kind === 'union' || model.element.kind === 'function'
        ? `(${inner})[]`
        : `${inner}[]`
    }
    case 'tuple':
      return `[${model.elements.map(formatTypeModel).join(', ')}]`
    case 'object': {
      const body = model.properties
        .map((p) => `${p.name}${p.optional ? '?' : ''}: ${formatTypeModel(p.type)}`)
        .join('; ')
      const shape = body ? `{ ${body} }` : '{}'
      return model.name ? `${model.name} ${shape}` : shape
    }
    case 'record':
      return `Record<${formatTypeModel(model.key)}, ${formatTypeModel(model.value)}>`
    case 'enum':
      return `enum ${model.name}`
    case 'promise':
      return `Promise<${formatTypeModel(model.type)}>`
    case 'function': {
      const params = model.signature.parameters
        .map(
          (p) =>
            `${p.rest ? '...' : ''}${p.name}${p.optional && !p.rest ? '?' : ''}: ${formatTypeModel(p.type)}`
        )
        .join(', ')
      return `(${params}) => ${formatTypeModel(model.signature.returns)}`
    }
    case 'class':
      return `class ${model.name}`
    case 'date':
      return 'Date'
    case 'regexp':
      return 'RegExp'
    case 'map':
      return 'Map'
    case 'set':
      return 'Set'
    case 'unresolved':
      return `unresolved(${model.text})`
    default:
      return model.kind
  }
}

/**
 * Whether `name` is TypeScript's internal name for a symbol-keyed member (`__@iterator@12`,
 * `__@matcher@163`): never valid in generated code, so such members are skipped.
 */
export function isInternalSymbolName(name: string): boolean {
  return name.startsWith('__@') || name.startsWith('__#')
}
