/**
 * How a generated test loads the module under test, learned from the target repository, so the
 * file runs under the repo's own runner exactly as written: `require` or `import`; the module's
 * exports by name, or one binding for a CommonJS `module.exports`; a default or a namespace import
 * of that binding; TypeScript or JavaScript. Every writer of test code (the explorer's renderer, the
 * LLM prompts) takes its import lines and instructions from here, so they cannot disagree.
 *
 * The evidence, strongest first: the test file's extension (`.cjs` always requires, `.mjs` always
 * imports), the framework (vitest always runs ESM syntax), the nearest package.json `type` of the
 * test, jest's transform (babel-jest with a babel config, @swc/jest, ts-jest's `js-with-*`
 * presets turn `import` into `require`; none does not), the style of the repo's own JS tests, and
 * the tsconfig's `esModuleInterop`/`allowSyntheticDefaultImports` (whether a TypeScript test may
 * default-import a CommonJS module). The module's own syntax decides how its exports are reached:
 * a module written with `export` is imported by name (ts-jest rejects a default import of a module
 * with named exports only, TS1192), a `module.exports` module through one binding.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import ts from 'typescript'
import type { Framework } from './module-model.js'

export interface TestModuleStyle {
  /** Language of the test file, and so of the fenced block a model answers with. */
  readonly language: 'ts' | 'js'
  /** How the test file loads modules. */
  readonly loader: 'import' | 'require'
  /**
   * How the module's exports are reached: by their own names (a module written with `export`), or
   * through one binding for its `module.exports` (a CommonJS module).
   */
  readonly exports: 'named' | 'whole'
  /** With `import` and `whole`: `import x from` or `import * as x from`. */
  readonly wholeImport: 'default' | 'namespace'
  /** What a CommonJS module's `module.exports` is, when its source says (prompts describe it). */
  readonly main?: ModuleExportsShape
  /** Why, one short phrase per decision (plan output and prompts). */
  readonly evidence: readonly string[]
}

export interface ModuleStyleInput {
  /** Absolute repository root. */
  readonly repoRoot: string
  /** Repo-relative path of the generated test file. */
  readonly testPath: string
  /** Repo-relative package root of the module ('' for the repo root). */
  readonly packageRoot: string
  readonly framework: Framework | undefined
  /** The module's own syntax: `export`/`import` (esm), `module.exports`/`require` (cjs), neither. */
  readonly moduleSyntax: 'esm' | 'cjs' | 'none'
  /** The repo's tsconfig options, when it has a tsconfig (none: TypeScript's defaults). */
  readonly compilerOptions?: ts.CompilerOptions
  /** How the repo's own JavaScript tests load modules, when they agree on one. */
  readonly jsTestLoader?: 'import' | 'require'
  /** The module's syntax tree, to say what its `module.exports` is. */
  readonly sourceFile?: ts.SourceFile
}

/** What `module.exports = X` assigns. */
export interface ModuleExportsShape {
  /**
   * `constructor`: an ES5 function with prototype methods (call with new); `factory`: one that
   * also works without new (`if (!(this instanceof X)) return new X(...)`, the UMD habit).
   */
  readonly kind: 'class' | 'constructor' | 'factory' | 'function' | 'object'
  /** Its name in the source (`EventEmitter`), when it has one. */
  readonly name?: string
}

/** Decides the test's module style from the repository's evidence (see the file comment). */
export function learnTestModuleStyle(input: ModuleStyleInput): TestModuleStyle {
  const evidence: string[] = []
  const ext = posix.extname(input.testPath)
  const language = /^\.[cm]?tsx?$/.test(ext) ? 'ts' : 'js'
  const loader = decideLoader(input, ext, evidence)
  const exports = decideExports(input, evidence)
  const interop =
    input.compilerOptions?.esModuleInterop === true ||
    input.compilerOptions?.allowSyntheticDefaultImports === true
  // A TypeScript test may default-import `module.exports` only with interop; Node, babel and
  // vitest always give `module.exports` as the default.
  const wholeImport = language === 'ts' && !interop ? 'namespace' : 'default'
  if (loader === 'import' && exports === 'whole' && wholeImport === 'namespace')
    evidence.push('tsconfig has no esModuleInterop: `import * as` for module.exports')
  const main = exports === 'whole' && input.sourceFile ? commonJsMain(input.sourceFile) : undefined
  return { language, loader, exports, wholeImport, ...(main ? { main } : {}), evidence }
}

/**
 * What the module assigns to `module.exports` (anywhere, so inside a UMD wrapper too): a class, an
 * ES5 constructor (prototype methods), a factory that also works without `new`, a plain function,
 * or an object. Undefined when it assigns something else (a call, a require).
 */
export function commonJsMain(sourceFile: ts.SourceFile): ModuleExportsShape | undefined {
  let assigned: ts.Expression | undefined
  const prototypeOwners = new Set<string>()
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const target = node.left.getText(sourceFile)
      if (target === 'module.exports' && assigned === undefined) {
        // `exports = module.exports = X`, `module.exports = exports = X`
        let value = node.right
        while (
          ts.isBinaryExpression(value) &&
          value.operatorToken.kind === ts.SyntaxKind.EqualsToken
        )
          value = value.right
        assigned = value
      }
      const owner = /^([\w$]+)\.prototype(?:\.[\w$]+)?$/.exec(target)?.[1]
      if (owner !== undefined) prototypeOwners.add(owner)
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  if (assigned === undefined) return undefined
  const value = ts.isParenthesizedExpression(assigned) ? assigned.expression : assigned
  if (ts.isObjectLiteralExpression(value)) return { kind: 'object' }
  if (ts.isClassExpression(value)) return { kind: 'class', ...nameOf(value.name) }
  if (ts.isArrowFunction(value) || ts.isFunctionExpression(value))
    return functionShape(value, value.name?.text, prototypeOwners, sourceFile)
  if (!ts.isIdentifier(value)) return undefined
  const name = value.text
  const declaration = findDeclaration(sourceFile, name)
  if (declaration === undefined) return undefined
  if (ts.isClassDeclaration(declaration) || ts.isClassExpression(declaration))
    return { kind: 'class', name }
  if (ts.isObjectLiteralExpression(declaration)) return { kind: 'object', name }
  return functionShape(declaration, name, prototypeOwners, sourceFile)
}

function nameOf(identifier: ts.Identifier | undefined): { name?: string } {
  return identifier ? { name: identifier.text } : {}
}

function functionShape(
  fn: ts.FunctionLikeDeclaration,
  name: string | undefined,
  prototypeOwners: ReadonlySet<string>,
  sourceFile: ts.SourceFile
): ModuleExportsShape {
  const named = name !== undefined ? { name } : {}
  if (name === undefined || !prototypeOwners.has(name)) return { kind: 'function', ...named }
  const body = fn.body?.getText(sourceFile) ?? ''
  const factory = new RegExp(`\\binstanceof\\s+${name.replace(/\$/g, '\\$')}\\b`).test(body)
  return { kind: factory ? 'factory' : 'constructor', ...named }
}

/** The function, class or object a top-level (or UMD-wrapped) name is declared as. */
function findDeclaration(
  sourceFile: ts.SourceFile,
  name: string
): ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration | ts.ObjectLiteralExpression | undefined {
  let found:
    ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration | ts.ObjectLiteralExpression | undefined
  const visit = (node: ts.Node): void => {
    if (found) return
    if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name?.text === name)
      found = node
    else if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === name &&
      node.initializer
    ) {
      const init = node.initializer
      if (
        ts.isFunctionExpression(init) ||
        ts.isArrowFunction(init) ||
        ts.isClassExpression(init) ||
        ts.isObjectLiteralExpression(init)
      )
        found = init
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  return found
}

function decideLoader(
  input: ModuleStyleInput,
  ext: string,
  evidence: string[]
): TestModuleStyle['loader'] {
  if (ext === '.cjs') {
    evidence.push('a .cjs test is CommonJS: require')
    return 'require'
  }
  if (ext === '.mjs') {
    evidence.push('a .mjs test is ESM: import')
    return 'import'
  }
  if (/^\.[cm]?tsx?$/.test(ext)) {
    evidence.push('a TypeScript test: import (compiled by its transform)')
    return 'import'
  }
  if (input.framework === 'vitest') {
    evidence.push('vitest runs ESM syntax: import')
    return 'import'
  }
  const testDir = join(input.repoRoot, posix.dirname(input.testPath))
  if (nearestPackageType(testDir, input.repoRoot) === 'module') {
    evidence.push('package.json "type": "module": import')
    return 'import'
  }
  const packageDir = join(input.repoRoot, input.packageRoot)
  const converts = jestTransformConvertsEsm(packageDir)
  if (!converts) {
    evidence.push('a .js test of a CommonJS package with no ESM transform: require')
    return 'require'
  }
  if (input.jsTestLoader) {
    evidence.push(`the repo's JavaScript tests use ${input.jsTestLoader}`)
    return input.jsTestLoader
  }
  const chosen = input.moduleSyntax === 'esm' ? 'import' : 'require'
  evidence.push(`jest's transform turns import into require; the module uses ${chosen} syntax`)
  return chosen
}

function decideExports(input: ModuleStyleInput, evidence: string[]): TestModuleStyle['exports'] {
  if (input.moduleSyntax === 'esm') {
    evidence.push('the module is written with export: imported by name')
    return 'named'
  }
  if (input.moduleSyntax === 'cjs') {
    evidence.push('the module sets module.exports: one binding for it')
    return 'whole'
  }
  return 'whole'
}

/** The nearest package.json `type` from `dir` up to `repoRoot` (CommonJS when none says). */
export function nearestPackageType(dir: string, repoRoot: string): 'module' | 'commonjs' {
  for (let current = dir; ;) {
    const manifest = readJson(join(current, 'package.json'))
    if (manifest !== undefined) return manifest.type === 'module' ? 'module' : 'commonjs'
    const parent = dirname(current)
    if (current === repoRoot || parent === current || !current.startsWith(repoRoot)) break
    current = parent
  }
  return 'commonjs'
}

const JEST_CONFIG = /^jest\.config\.(?:[cm]?[jt]s|json)$/
const BABEL_CONFIG = /^(?:babel\.config\.(?:[cm]?js|json|cts)|\.babelrc(?:\.(?:[cm]?js|json))?)$/
/** Transformers that turn ESM syntax in .js files into CommonJS under jest. */
const ESM_CONVERTING = /babel-jest|@swc\/jest|esbuild-jest|@sucrase\/jest|ts-jest\/presets\/js-with/

/**
 * Whether jest, in the package at `packageDir`, turns `import` in a .js test into `require`: an
 * explicit `transform` that names a converting transformer (an empty or TypeScript-only one does
 * not), or jest's default babel-jest with a babel config present. Read as text: configs are code.
 */
export function jestTransformConvertsEsm(packageDir: string): boolean {
  const files = list(packageDir)
  const manifest = readJson(join(packageDir, 'package.json'))
  const configFile = files.find((name) => JEST_CONFIG.test(name))
  const config =
    configFile !== undefined
      ? (readText(join(packageDir, configFile)) ?? '')
      : manifest?.jest !== undefined
        ? JSON.stringify(manifest.jest)
        : ''
  if (ESM_CONVERTING.test(config)) return true
  if (/\btransform['"]?\s*:/.test(config)) return false
  return files.some((name) => BABEL_CONFIG.test(name)) || manifest?.babel !== undefined
}

interface Manifest {
  readonly type?: unknown
  readonly jest?: unknown
  readonly babel?: unknown
  readonly scripts?: Record<string, unknown>
}

function readJson(path: string): Manifest | undefined {
  const text = readText(path)
  if (text === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed !== null && typeof parsed === 'object' ? parsed : {}
  } catch {
    return {}
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

// ---------------------------------------------------------------------------------------------
// Writing: the import lines and the instruction for a model, from the style.

export interface ModuleBindings {
  /** The module's named exports the test uses (style `named`). */
  readonly named: readonly string[]
  /** Local name of the default export (`named`) or of `module.exports` (`whole`), when used. */
  readonly whole?: string
}

/** The lines that bring the module under test (at `specifier`) into the test file. */
export function moduleImportLines(
  style: TestModuleStyle,
  specifier: string,
  bindings: ModuleBindings
): string[] {
  const spec = quoteSpecifier(specifier)
  const named = [...bindings.named].sort()
  if (style.exports === 'whole') {
    if (bindings.whole === undefined) return []
    if (style.loader === 'require') return [`const ${bindings.whole} = require(${spec})`]
    return style.wholeImport === 'namespace'
      ? [`import * as ${bindings.whole} from ${spec}`]
      : [`import ${bindings.whole} from ${spec}`]
  }
  if (style.loader === 'require') {
    const parts = [
      ...(bindings.whole !== undefined ? [`default: ${bindings.whole}`] : []),
      ...named
    ]
    return parts.length > 0 ? [`const { ${parts.join(', ')} } = require(${spec})`] : []
  }
  const parts = [
    ...(bindings.whole !== undefined ? [bindings.whole] : []),
    ...(named.length > 0 ? [`{ ${named.join(', ')} }`] : [])
  ]
  return parts.length > 0 ? [`import ${parts.join(', ')} from ${spec}`] : []
}

/** Named bindings from another module (a sibling's enum), in the test's loader syntax. */
export function namedImportLine(
  style: TestModuleStyle,
  specifier: string,
  names: readonly string[]
): string {
  const list = [...names].sort().join(', ')
  return style.loader === 'require'
    ? `const { ${list} } = require(${quoteSpecifier(specifier)})`
    : `import { ${list} } from ${quoteSpecifier(specifier)}`
}

/** The framework's API (`describe`, `it`, `expect`) imported explicitly, in the test's syntax. */
export function frameworkImportLine(
  style: TestModuleStyle,
  framework: Framework,
  names: readonly string[] = ['describe', 'expect', 'it']
): string {
  const from = framework === 'vitest' ? 'vitest' : '@jest/globals'
  return style.loader === 'require'
    ? `const { ${names.join(', ')} } = require('${from}')`
    : `import { ${names.join(', ')} } from '${from}'`
}

/** The fence language a model answers with. */
export function fenceLanguage(style: TestModuleStyle): 'ts' | 'js' {
  return style.language
}

/** What the module exports, as the instruction describes it to a model. */
export interface ExportOutline {
  /** Runtime export names other than the default. */
  readonly named: readonly string[]
  /** What the default export / module.exports is, when there is one. */
  readonly main?: { readonly kind: string; readonly name?: string }
}

/**
 * The sentence(s) telling a model how to load the module, with the exact line to write, so its
 * answer runs under the repo's own runner as written.
 */
export function importInstruction(
  style: TestModuleStyle,
  specifier: string,
  localName: string,
  outline: ExportOutline
): string {
  const language =
    style.language === 'ts'
      ? 'TypeScript'
      : style.loader === 'require'
        ? 'JavaScript (CommonJS)'
        : 'JavaScript (ES modules)'
  const lines = [
    `- Write the test in ${language} and answer with one \`\`\`${fenceLanguage(style)} fenced block.`
  ]
  if (style.exports === 'whole') {
    const main = outline.main
    const shape = main
      ? `its module.exports is ${describeMain(main)}`
      : 'it is a CommonJS module (module.exports)'
    const line = moduleImportLines(style, specifier, { named: [], whole: localName })[0] ?? ''
    const members =
      outline.named.length > 0
        ? `; reach its other exports as properties (${outline.named
            .slice(0, 4)
            .map((name) => `${localName}.${name}`)
            .join(', ')})`
        : ''
    lines.push(`- Load the module exactly like this: \`${line}\` (${shape}${members}).`)
  } else {
    const hasDefault = outline.main !== undefined
    const line =
      moduleImportLines(style, specifier, {
        named: outline.named.slice(0, 6),
        ...(hasDefault ? { whole: localName } : {})
      })[0] ?? ''
    lines.push(
      `- Load the module by its export names, like this: \`${line}\`${
        hasDefault ? '' : ' (it has no default export: never default-import it)'
      }.`
    )
  }
  lines.push(
    style.loader === 'require'
      ? '- Use require() for every module, never import statements: this test file runs as CommonJS.'
      : '- Use import statements, never require().'
  )
  return lines.join('\n')
}

function describeMain(main: NonNullable<ExportOutline['main']>): string {
  const name = main.name !== undefined ? ` ${main.name}` : ''
  switch (main.kind) {
    case 'class':
      return `the class${name} (construct it with new)`
    case 'constructor':
      return `the ES5 constructor${name} (construct it with new; its methods are on the prototype)`
    case 'factory':
      return `the factory${name} (works with or without new; its methods are on the prototype)`
    case 'function':
      return `the function${name} (module.exports = fn: call it directly)`
    default:
      return `an object${name} whose properties are the API`
  }
}

function quoteSpecifier(specifier: string): string {
  return `'${specifier.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

// ---------------------------------------------------------------------------------------------
// The Node flags the repo's own test command uses (our runners add these and no others).

/** Node flags a test command may carry that we pass on; anything else is left out. */
const PASSED_FLAG =
  /^--(?:experimental-[a-z-]+|no-experimental-[a-z-]+|no-warnings|no-deprecation|trace-warnings|expose-gc|enable-source-maps|disable-warning=\S+|max-old-space-size=\d+|stack-size=\d+|unhandled-rejections=[a-z-]+|conditions=\S+|(?:experimental-)?loader=\S+|import=\S+|require=\S+)$/
/** Flags that take their value as the next word. */
const FLAG_WITH_VALUE = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C'
])

/**
 * The Node flags the package's own `test` script gives the test runner: `NODE_OPTIONS=...` (also
 * behind `cross-env`) and flags of a `node ... jest` invocation, following one `npm run x` /
 * `yarn x` / `pnpm x` hop. Only flags in the pass list are returned.
 */
export function testScriptNodeFlags(packageDir: string): string[] {
  const scripts = readJson(join(packageDir, 'package.json'))?.scripts ?? {}
  const script = (name: string): string | undefined =>
    typeof scripts[name] === 'string' ? scripts[name] : undefined
  let command = script('test') ?? ''
  const hop = /^(?:npm run|yarn(?: run)?|pnpm(?: run)?|bun run)\s+([\w:.-]+)\s*$/.exec(
    command.trim()
  )
  if (hop?.[1] !== undefined) command = script(hop[1]) ?? command
  const flags: string[] = []
  const words = command.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? []
  for (let i = 0; i < words.length; i++) {
    const word = unquote(words[i] ?? '')
    const options = /^NODE_OPTIONS=(.*)$/s.exec(word)
    if (options?.[1] !== undefined) {
      flags.push(...passedFlags(unquote(options[1]).split(/\s+/).filter(Boolean)))
      continue
    }
    if (/^(?:node|.*\/node)$/.test(word)) {
      const after: string[] = []
      for (let j = i + 1; j < words.length && /^-/.test(words[j] ?? ''); j++) {
        after.push(unquote(words[j] ?? ''))
        if (FLAG_WITH_VALUE.has(unquote(words[j] ?? '')) && words[j + 1] !== undefined)
          after.push(unquote(words[++j] ?? ''))
      }
      flags.push(...passedFlags(after))
    }
  }
  return [...new Set(flags)]
}

function passedFlags(words: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? ''
    if (FLAG_WITH_VALUE.has(word) && words[i + 1] !== undefined) {
      const long = word === '-r' ? '--require' : word === '-C' ? '--conditions' : word
      out.push(`${long}=${words[++i] ?? ''}`)
    } else if (PASSED_FLAG.test(word)) out.push(word)
  }
  return out.filter((flag) => PASSED_FLAG.test(flag))
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/s, '$2')
}
