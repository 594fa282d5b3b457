import { readFileSync, existsSync } from 'node:fs'
import { createRequire, registerHooks, SourceMap, type SourceMapPayload } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import istanbul from 'istanbul-lib-instrument'
import ts from 'typescript'

/**
 * Module hooks of the explorer child: load the target repository's TypeScript (transpiled with the
 * TypeScript compiler API and the repository's own tsconfig options, `.js` specifiers mapped to
 * `.ts` files, the NodeNext convention), and
 * instrument the module under test with istanbul so every call's coverage can be measured.
 */

/** Istanbul's per-file counters, as the instrumented code keeps them. */
export interface FileCounters {
  readonly s: Record<string, number>
  readonly b: Record<string, number[]>
  readonly f: Record<string, number>
}

interface Location {
  readonly start: { readonly line: number; readonly column: number }
}

interface FileCoverageShape {
  readonly statementMap: Record<string, Location>
  readonly branchMap: Record<
    string,
    { readonly loc: Location; readonly locations: readonly Location[] }
  >
  readonly fnMap: Record<string, { readonly decl: Location }>
}

export interface InstrumentedModule {
  /** The counters object, filled once the module has loaded. */
  readonly counters: () => FileCounters | undefined
  /** Every coverage unit (`s3`, `b2.1`, `f0`) with its 1-based line in the original source. */
  readonly units: () => (readonly [string, number])[]
}

const TS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts']
export const COVERAGE_VARIABLE = '__testmasterExplorerCoverage__'

function isTypeScript(path: string): boolean {
  return TS_EXTENSIONS.some((ext) => path.endsWith(ext)) && !path.endsWith('.d.ts')
}

function packageType(file: string): 'module' | 'commonjs' {
  let dir = dirname(file)
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }
        return parsed.type === 'module' ? 'module' : 'commonjs'
      } catch {
        return 'commonjs'
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return 'commonjs'
    dir = parent
  }
}

function typeScriptFormat(file: string): 'module' | 'commonjs' {
  if (file.endsWith('.mts')) return 'module'
  if (file.endsWith('.cts')) return 'commonjs'
  return packageType(file)
}

/** Compiler options of the nearest tsconfig.json of each directory (undefined: none found). */
const configOptions = new Map<string, ts.CompilerOptions | undefined>()

/**
 * The compiler options of the nearest tsconfig.json above `file` (its `extends` followed), so a
 * module loads here as the repo's own ts-jest or tsc builds it: `esModuleInterop` decides what a
 * default or namespace import of a CommonJS module holds, and so what the explorer records.
 */
export function repoCompilerOptions(file: string): ts.CompilerOptions | undefined {
  const dir = dirname(file)
  if (configOptions.has(dir)) return configOptions.get(dir)
  const configPath = join(dir, 'tsconfig.json')
  let options: ts.CompilerOptions | undefined
  if (existsSync(configPath)) {
    const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path))
    // Only the options matter: no directory is scanned for the config's files.
    const host: ts.ParseConfigHost = { ...ts.sys, readDirectory: () => [] }
    options = read.error
      ? undefined
      : ts.parseJsonConfigFileContent(read.config, host, dir, undefined, configPath).options
  } else {
    const parent = dirname(dir)
    options = parent === dir ? undefined : repoCompilerOptions(dir)
  }
  configOptions.set(dir, options)
  return options
}

/** What the explorer uses where the repository has no tsconfig at all. */
const NO_CONFIG_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  jsx: ts.JsxEmit.ReactJSX,
  esModuleInterop: true,
  experimentalDecorators: true
}

/**
 * Transpile options: the repo's own, with the module kind Node will load it as, a source map for
 * coverage lines, and nothing that stops a single-file emit.
 */
export function transpileOptions(file: string, format: 'module' | 'commonjs'): ts.CompilerOptions {
  const repo = repoCompilerOptions(file) ?? NO_CONFIG_OPTIONS
  return {
    ...repo,
    module: format === 'module' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
    target: repo.target ?? ts.ScriptTarget.ES2022,
    jsx: repo.jsx ?? ts.JsxEmit.ReactJSX,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: false,
    noEmit: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    composite: false,
    incremental: false,
    // ESM syntax kept verbatim could not load as CommonJS.
    verbatimModuleSyntax: false
  }
}

/** The compiler of each resolved `typescript` path. */
const compilers = new Map<string, typeof ts>()

/**
 * The TypeScript the repository's own ts-jest compiles `file` with (resolved from ts-jest, else
 * from the file), so a repository pinned to another TypeScript than ours records what its own
 * tests will see. Ours when it has none, or one without a JavaScript API (TypeScript 7).
 */
export function repoCompiler(file: string): typeof ts {
  let resolved: string
  try {
    const fromFile = createRequire(file)
    let fromTsJest: string | undefined
    try {
      fromTsJest = fromFile.resolve('ts-jest/package.json')
    } catch {
      // no ts-jest: the file's own resolution
    }
    resolved = (fromTsJest ? createRequire(fromTsJest) : fromFile).resolve('typescript')
  } catch {
    return ts
  }
  const known = compilers.get(resolved)
  if (known) return known
  let compiler: typeof ts = ts
  try {
    const loaded = createRequire(file)(resolved) as Partial<typeof ts>
    if (typeof loaded.transpileModule === 'function') compiler = loaded as typeof ts
  } catch {
    // a broken install: ours
  }
  compilers.set(resolved, compiler)
  return compiler
}

function transpile(
  file: string,
  source: string,
  format: 'module' | 'commonjs'
): { code: string; map?: SourceMapPayload } {
  const output = repoCompiler(file).transpileModule(source, {
    fileName: file,
    compilerOptions: transpileOptions(file, format),
    reportDiagnostics: false
  })
  const map =
    output.sourceMapText === undefined
      ? undefined
      : (JSON.parse(output.sourceMapText) as SourceMapPayload)
  // The source map comment points to a file that does not exist.
  return { code: output.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, ''), map }
}

/** Candidate files for a relative `.js` specifier written for a `.ts` source (NodeNext style). */
function typeScriptAlternatives(specifier: string): string[] {
  if (specifier.endsWith('.js'))
    return [specifier.slice(0, -3) + '.ts', specifier.slice(0, -3) + '.tsx']
  if (specifier.endsWith('.mjs')) return [specifier.slice(0, -4) + '.mts']
  if (specifier.endsWith('.cjs')) return [specifier.slice(0, -4) + '.cts']
  if (!/\.[cm]?[jt]sx?$/.test(specifier))
    return [specifier + '.ts', specifier + '.tsx', specifier + '/index.ts']
  return []
}

/** Registers the hooks; returns a handle on the instrumented module under test. */
export function registerExplorerHooks(target: string): InstrumentedModule {
  let shape: FileCoverageShape | undefined
  let mapLine: (line: number, column: number) => number = (line) => line
  const instrumenter = istanbul.createInstrumenter({
    coverageVariable: COVERAGE_VARIABLE,
    esModules: true,
    compact: true,
    produceSourceMap: false,
    autoWrap: true
  })

  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context)
      } catch (error) {
        if (
          !specifier.startsWith('.') &&
          !specifier.startsWith('/') &&
          !specifier.startsWith('file:')
        )
          throw error
        for (const alternative of typeScriptAlternatives(specifier)) {
          try {
            return nextResolve(alternative, context)
          } catch {
            // try the next spelling
          }
        }
        throw error
      }
    },
    load(url, context, nextLoad) {
      if (!url.startsWith('file:')) return nextLoad(url, context)
      const file = fileURLToPath(url)
      const isTarget = file === target
      if (isTypeScript(file)) {
        const format = typeScriptFormat(file)
        const { code, map } = transpile(file, readFileSync(file, 'utf8'), format)
        if (!isTarget) return { format, source: code, shortCircuit: true }
        if (map) {
          const sourceMap = new SourceMap(map)
          mapLine = (line, column) => {
            const entry = sourceMap.findEntry(line - 1, column)
            return 'originalLine' in entry ? entry.originalLine + 1 : line
          }
        }
        const source = instrumenter.instrumentSync(code, file)
        shape = instrumenter.lastFileCoverage()
        return { format, source, shortCircuit: true }
      }
      if (!isTarget) return nextLoad(url, context)
      const loaded = nextLoad(url, context)
      const format =
        loaded.format === 'module'
          ? 'module'
          : loaded.format === 'commonjs'
            ? 'commonjs'
            : undefined
      if (format === undefined) return loaded
      const code = readFileSync(file, 'utf8')
      const source = instrumenter.instrumentSync(code.startsWith('#!') ? '//' + code : code, file)
      shape = instrumenter.lastFileCoverage()
      return { format, source, shortCircuit: true }
    }
  })

  return {
    counters: () => {
      const all = (globalThis as Record<string, unknown>)[COVERAGE_VARIABLE] as
        Record<string, FileCounters> | undefined
      return all?.[target]
    },
    units: () => {
      if (!shape) return []
      const out: (readonly [string, number])[] = []
      for (const [id, loc] of Object.entries(shape.statementMap)) {
        out.push([`s${id}`, mapLine(loc.start.line, loc.start.column)])
      }
      for (const [id, branch] of Object.entries(shape.branchMap)) {
        branch.locations.forEach((loc, arm) => {
          const at = loc.start.line > 0 ? loc : branch.loc
          out.push([`b${id}.${arm}`, mapLine(at.start.line, at.start.column)])
        })
      }
      for (const [id, fn] of Object.entries(shape.fnMap)) {
        out.push([`f${id}`, mapLine(fn.decl.start.line, fn.decl.start.column)])
      }
      return out
    }
  }
}

/** Flattens counters into `unit -> count` for comparing before and after a program. */
export function snapshotCounters(counters: FileCounters | undefined): Map<string, number> {
  const out = new Map<string, number>()
  if (!counters) return out
  for (const [id, count] of Object.entries(counters.s)) out.set(`s${id}`, count)
  for (const [id, arms] of Object.entries(counters.b))
    arms.forEach((count, arm) => out.set(`b${id}.${arm}`, count))
  for (const [id, count] of Object.entries(counters.f)) out.set(`f${id}`, count)
  return out
}

/** Units whose counters rose between two snapshots. */
export function unitsCoveredBetween(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>
): string[] {
  const out: string[] = []
  for (const [unit, count] of after) if (count > (before.get(unit) ?? 0)) out.push(unit)
  return out
}
