/**
 * The ts.Program the analysis reads, built with the target's own tsconfig when it has one. One
 * Program per tsconfig (normally one per package) holds all changed modules under it, and parsed
 * library files (lib.*.d.ts, node_modules typings) are shared between Programs.
 */
import { existsSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { AnalysisError } from '../errors.js'

export interface AnalysisProject {
  readonly program: ts.Program
  readonly checker: ts.TypeChecker
  readonly options: ts.CompilerOptions
  /** Absolute tsconfig path, when the target has one. */
  readonly configPath?: string
  readonly moduleResolutionCache: ts.ModuleResolutionCache
  readonly host: ts.CompilerHost
}

/** Options used when the target has no tsconfig (plain JS projects): JSDoc types, strict nulls. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  jsx: ts.JsxEmit.Preserve
}

/** Nearest tsconfig.json from `fileDir` up to (and including) `repoRoot`, absolute paths. */
export function findTsconfig(fileDir: string, repoRoot: string): string | undefined {
  let dir = fileDir
  for (;;) {
    const candidate = join(dir, 'tsconfig.json')
    if (existsSync(candidate)) return candidate
    if (dir === repoRoot || relative(repoRoot, dir).startsWith('..')) return undefined
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** Reads and resolves a tsconfig (extends included); config errors fall back to defaults. */
export function readCompilerOptions(configPath: string | undefined): ts.CompilerOptions {
  if (!configPath) return { ...DEFAULT_OPTIONS }
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path))
  if (read.error) return { ...DEFAULT_OPTIONS }
  const parsed = ts.parseJsonConfigFileContent(
    read.config,
    ts.sys,
    dirname(configPath),
    undefined,
    configPath
  )
  return parsed.options
}

/** Overrides that make any target config fit analysis: no emit, JS allowed, no lib checking. */
function analysisOptions(options: ts.CompilerOptions): ts.CompilerOptions {
  return {
    ...options,
    noEmit: true,
    allowJs: true,
    checkJs: false,
    skipLibCheck: true,
    skipDefaultLibCheck: true,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    composite: false,
    incremental: false,
    tsBuildInfoFile: undefined,
    sourceMap: false,
    noUnusedLocals: false,
    noUnusedParameters: false
  }
}

/** Shares parsed declaration files between the Programs of one analysis run. */
export class SourceFileCache {
  private readonly files = new Map<string, ts.SourceFile>()

  wrap(host: ts.CompilerHost): ts.CompilerHost {
    const getSourceFile = host.getSourceFile.bind(host)
    host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
      // Only immutable inputs are shared: lib files and typings under node_modules.
      const shareable =
        fileName.endsWith('.d.ts') &&
        (fileName.includes('/node_modules/') || /[\\/]lib\.[^\\/]*\.d\.ts$/.test(fileName))
      const version =
        typeof languageVersionOrOptions === 'object'
          ? languageVersionOrOptions.languageVersion
          : languageVersionOrOptions
      const key = `${version}:${fileName}`
      if (shareable) {
        const cached = this.files.get(key)
        if (cached) return cached
      }
      const file = getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreate)
      if (file && shareable) this.files.set(key, file)
      return file
    }
    return host
  }
}

/**
 * Where TypeScript's own lib.*.d.ts files are. Bundled, TypeScript looks beside the chunk that
 * holds it and finds nothing there: arrays, promises and maps would silently become `any`. The
 * build copies them to dist/typescript-lib; from source they are in the typescript package.
 */
export function defaultLibDirectory(): string {
  const candidates = [
    fileURLToPath(new URL('./typescript-lib', import.meta.url)),
    dirname(ts.getDefaultLibFilePath({}))
  ]
  const found = candidates.find((dir) => existsSync(join(dir, 'lib.es5.d.ts')))
  if (!found)
    throw new AnalysisError(
      'ANALYSIS_TS_LIB_MISSING',
      `TypeScript's standard library (lib.es5.d.ts) is in none of: ${candidates.join(', ')}`,
      'Rebuild TestMaster (npm run build): the build copies the lib files to dist/typescript-lib.'
    )
  return found
}

/** Builds one Program whose roots are `rootFiles` (absolute), with the config at `configPath`. */
export function createProject(
  rootFiles: readonly string[],
  configPath: string | undefined,
  cache: SourceFileCache
): AnalysisProject {
  const options = analysisOptions(readCompilerOptions(configPath))
  const host = cache.wrap(ts.createCompilerHost(options, true))
  const libDirectory = defaultLibDirectory()
  host.getDefaultLibLocation = () => libDirectory
  host.getDefaultLibFileName = (libOptions) =>
    join(libDirectory, ts.getDefaultLibFileName(libOptions))
  const program = ts.createProgram({ rootNames: [...rootFiles], options, host })
  const moduleResolutionCache = ts.createModuleResolutionCache(
    host.getCurrentDirectory(),
    (name) => (host.useCaseSensitiveFileNames() ? name : name.toLowerCase()),
    options
  )
  return {
    program,
    checker: program.getTypeChecker(),
    options,
    ...(configPath ? { configPath } : {}),
    moduleResolutionCache,
    host
  }
}

/** Whether relative imports of an ESM TypeScript module need an extension under these options. */
export function requiresImportExtension(options: ts.CompilerOptions): boolean {
  const resolution = options.moduleResolution
  return (
    resolution === ts.ModuleResolutionKind.Node16 ||
    resolution === ts.ModuleResolutionKind.NodeNext ||
    (resolution === undefined &&
      (options.module === ts.ModuleKind.Node16 || options.module === ts.ModuleKind.NodeNext))
  )
}
