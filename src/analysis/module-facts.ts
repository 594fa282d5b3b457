/**
 * Facts read from one module's syntax tree in a single walk: its imports (relative, package,
 * builtin), whether it is ESM or CJS, and side-effect hints (fs, network, child processes, timers,
 * Date, Math.random, process.env) so prompts can ask for mocks and the explorer can stay away.
 */
import { builtinModules } from 'node:module'
import ts from 'typescript'
import type { ImportModel, SideEffectHint } from './module-model.js'

const BUILTINS = new Set(builtinModules)

const MODULE_EFFECTS: readonly [RegExp, SideEffectHint][] = [
  [/^(?:node:)?fs(?:\/promises)?$|^fs-extra$|^graceful-fs$/, 'fs'],
  [
    /^(?:node:)?(?:https?|http2|net|dgram|dns|tls)(?:\/promises)?$|^(?:axios|node-fetch|undici|got|ky|superagent|ws|socket\.io-client)$/,
    'network'
  ],
  [/^(?:node:)?child_process$|^(?:execa|cross-spawn|shelljs|zx)$/, 'child-process'],
  [/^(?:node:)?timers(?:\/promises)?$/, 'timers']
]

const TIMER_CALLS = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'])
const NETWORK_GLOBALS = new Set(['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource'])

export interface ModuleFacts {
  readonly imports: ImportModel[]
  readonly sideEffects: SideEffectHint[]
  /** Syntax says: `import`/`export` statements (esm), `require`/`module.exports` (cjs), or neither. */
  readonly syntax: 'esm' | 'cjs' | 'none'
}

/** Classifies a module specifier. */
export function importKind(specifier: string): ImportModel['kind'] {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return 'relative'
  if (
    specifier.startsWith('node:') ||
    BUILTINS.has(specifier) ||
    BUILTINS.has(specifier.split('/')[0] ?? '')
  ) {
    return 'builtin'
  }
  return 'package'
}

/**
 * Walks `sourceFile` once. `resolve` maps a relative specifier to a repo-relative path (or
 * undefined when it does not resolve inside the repo).
 */
export function readModuleFacts(
  sourceFile: ts.SourceFile,
  resolve: (specifier: string) => string | undefined
): ModuleFacts {
  const imports = new Map<string, { kind: ImportModel['kind']; names: Set<string> }>()
  const effects = new Set<SideEffectHint>()
  let esm = false
  let cjs = false

  const addImport = (specifier: string, names: readonly string[]): void => {
    const entry = imports.get(specifier) ?? {
      kind: importKind(specifier),
      names: new Set<string>()
    }
    for (const name of names) entry.names.add(name)
    imports.set(specifier, entry)
    for (const [pattern, effect] of MODULE_EFFECTS) if (pattern.test(specifier)) effects.add(effect)
  }

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      esm = true
      const names: string[] = []
      const clause = node.importClause
      if (clause?.name) names.push('default')
      const bindings = clause?.namedBindings
      if (bindings && ts.isNamespaceImport(bindings)) names.push('*')
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements)
          names.push((element.propertyName ?? element.name).text)
      }
      addImport(node.moduleSpecifier.text, names)
    } else if (ts.isExportDeclaration(node)) {
      esm = true
      if (node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const names =
          node.exportClause && ts.isNamedExports(node.exportClause)
            ? node.exportClause.elements.map((e) => (e.propertyName ?? e.name).getText())
            : ['*']
        addImport(node.moduleSpecifier.text, names)
      }
    } else if (ts.isExportAssignment(node)) {
      if (node.isExportEquals) cjs = true
      else esm = true
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
        cjs = true
        addImport(ref.expression.text, ['*'])
      }
    } else if (
      ts.canHaveModifiers(node) &&
      ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    ) {
      esm = true
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      const [first] = node.arguments
      if (callee.kind === ts.SyntaxKind.ImportKeyword && first && ts.isStringLiteralLike(first)) {
        addImport(first.text, ['*'])
      } else if (
        ts.isIdentifier(callee) &&
        callee.text === 'require' &&
        first &&
        ts.isStringLiteralLike(first)
      ) {
        cjs = true
        addImport(first.text, requireNames(node))
      } else if (ts.isIdentifier(callee)) {
        if (TIMER_CALLS.has(callee.text)) effects.add('timers')
        if (NETWORK_GLOBALS.has(callee.text)) effects.add('network')
      } else if (ts.isPropertyAccessExpression(callee)) {
        const owner = callee.expression.getText(sourceFile)
        const member = callee.name.text
        if (owner === 'Math' && member === 'random') effects.add('random')
        if (owner === 'Date' && member === 'now') effects.add('date')
        if (
          owner === 'crypto' &&
          /^(?:randomUUID|randomBytes|getRandomValues|randomInt)$/.test(member)
        )
          effects.add('random')
        if ((owner === 'globalThis' || owner === 'window') && TIMER_CALLS.has(member))
          effects.add('timers')
        if ((owner === 'globalThis' || owner === 'window') && NETWORK_GLOBALS.has(member))
          effects.add('network')
      }
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
      if (node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0)
        effects.add('date')
      if (NETWORK_GLOBALS.has(node.expression.text)) effects.add('network')
    } else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const text = node.expression.getText(sourceFile)
      if (text === 'process' && ts.isPropertyAccessExpression(node) && node.name.text === 'env')
        effects.add('env')
      if (text === 'import.meta' && ts.isPropertyAccessExpression(node) && node.name.text === 'env')
        effects.add('env')
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isIdentifier(node.expression) &&
        (node.expression.text === 'module' || node.expression.text === 'exports') &&
        (node.name.text === 'exports' || node.expression.text === 'exports')
      ) {
        cjs = true
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)

  const models: ImportModel[] = []
  for (const [specifier, entry] of imports) {
    const resolvedPath = entry.kind === 'relative' ? resolve(specifier) : undefined
    models.push({
      specifier,
      kind: entry.kind,
      ...(resolvedPath ? { resolvedPath } : {}),
      names: [...entry.names]
    })
  }
  const order: SideEffectHint[] = [
    'fs',
    'network',
    'child-process',
    'timers',
    'date',
    'random',
    'env'
  ]
  return {
    imports: models,
    sideEffects: order.filter((effect) => effects.has(effect)),
    syntax: esm ? 'esm' : cjs ? 'cjs' : 'none'
  }
}

/** `const { a, b } = require('x')` -> [a, b]; `const x = require('x')` -> ['*']. */
function requireNames(call: ts.CallExpression): string[] {
  const parent = call.parent
  if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
    return parent.name.elements.map((e) => (e.propertyName ?? e.name).getText())
  }
  if (ts.isPropertyAccessExpression(parent)) return [parent.name.text]
  return ['*']
}
