import ts from 'typescript'

/**
 * Why two test files cannot share one file, seen without running them: a name both import but
 * bind to different things (the merge keeps one import, so one file would call the wrong thing), a
 * module mocked by one and not the same way by the other (`jest.mock` / `vi.mock` are hoisted
 * and apply to the whole file), or hooks at the top level (they would run around the other's tests).
 * What this does not see (globals, shared module state) the merged run finds.
 */

interface FileFacts {
  /** Local import name -> what it binds (`default of './x'`, `add of './x'`, `* of './x'`). */
  readonly bindings: Map<string, string>
  /** Module specifier -> the mock call's text. */
  readonly mocks: Map<string, string>
  /** Top-level hook calls (`beforeEach`, `jest.useFakeTimers`), by text. */
  readonly hooks: Set<string>
}

const MOCK_CALL = /^(?:jest|vi)\.(?:mock|doMock|unmock)$/
const TOP_LEVEL_HOOK =
  /^(?:beforeEach|afterEach|beforeAll|afterAll|(?:jest|vi)\.(?:useFakeTimers|useRealTimers|spyOn|setSystemTime|stubGlobal|stubEnv|resetModules|restoreAllMocks|resetAllMocks|clearAllMocks))$/

function factsOf(code: string, fileName: string): FileFacts {
  const file = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true)
  const bindings = new Map<string, string>()
  const mocks = new Map<string, string>()
  const hooks = new Set<string>()
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && statement.importClause) {
      // './x', './x.js' and './x.ts' name one module.
      const from = `'${(statement.moduleSpecifier as ts.StringLiteral).text.replace(/\.[cm]?[jt]sx?$/, '')}'`
      const clause = statement.importClause
      if (clause.name) bindings.set(clause.name.text, `default of ${from}`)
      const named = clause.namedBindings
      if (named && ts.isNamespaceImport(named)) bindings.set(named.name.text, `* of ${from}`)
      if (named && ts.isNamedImports(named)) {
        for (const element of named.elements)
          bindings.set(
            element.name.text,
            `${(element.propertyName ?? element.name).text} of ${from}`
          )
      }
      continue
    }
    if (ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression)) {
      const call = statement.expression
      const callee = call.expression.getText(file)
      const first = call.arguments[0]
      if (MOCK_CALL.test(callee) && first && ts.isStringLiteralLike(first)) {
        mocks.set(first.text, statement.getText(file))
      } else if (TOP_LEVEL_HOOK.test(callee)) {
        hooks.add(statement.getText(file))
      }
    }
  }
  return { bindings, mocks, hooks }
}

/** The reason `next` cannot join a file made of `existing`, or undefined when none is seen. */
export function mergeClash(
  existing: readonly string[],
  next: string,
  fileName: string
): string | undefined {
  const incoming = factsOf(next, fileName)
  for (const code of existing) {
    const present = factsOf(code, fileName)
    for (const [name, binding] of incoming.bindings) {
      const other = present.bindings.get(name)
      if (other !== undefined && other !== binding)
        return `both import '${name}', one as ${other}, the other as ${binding}`
    }
    for (const specifier of new Set([...incoming.mocks.keys(), ...present.mocks.keys()])) {
      const mine = incoming.mocks.get(specifier)
      const theirs = present.mocks.get(specifier)
      if (mine !== theirs)
        return mine && theirs
          ? `both mock '${specifier}', differently (a mock applies to the whole file)`
          : `one mocks '${specifier}' and the other does not (a mock applies to the whole file)`
    }
    const hook = [...incoming.hooks, ...present.hooks].find(
      (text) => !(incoming.hooks.has(text) && present.hooks.has(text))
    )
    if (hook !== undefined)
      return `a top-level '${hook.split('(')[0] ?? hook}' would run around the other's tests too`
  }
  return undefined
}
