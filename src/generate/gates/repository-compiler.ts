/**
 * The repository's own TypeScript decides whether a test type-checks (its ts-jest or `tsc` runs
 * it), but gate 1 checks with our bundled TypeScript 6, whose defaults for options a tsconfig
 * leaves out changed from TypeScript 5's. The repository's `typescript` package is never loaded
 * into our process (its node_modules is the pull request's to control, and our process holds
 * secrets): its version is read from its package.json, a plain file read, and under a TypeScript
 * older than 6 the options its tsconfig is silent about get the values TypeScript 5 gave them.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import ts from 'typescript'

/**
 * The major version of the `typescript` package Node resolves from `fromDir` (the nearest
 * `node_modules/typescript` up the tree); undefined when there is none or its version is unreadable.
 */
export function repositoryTypeScriptMajor(fromDir: string): number | undefined {
  let dir = fromDir
  for (;;) {
    const manifest = join(dir, 'node_modules', 'typescript', 'package.json')
    let text: string | undefined
    try {
      text = readFileSync(manifest, 'utf8')
    } catch {
      text = undefined
    }
    if (text !== undefined) {
      try {
        const version: unknown = (JSON.parse(text) as { version?: unknown }).version
        const major = typeof version === 'string' ? /^(\d+)\./.exec(version)?.[1] : undefined
        return major === undefined ? undefined : Number(major)
      } catch {
        return undefined
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/**
 * `options` (a tsconfig's, as parsed) with TypeScript 5's defaults for what it leaves out, where
 * TypeScript 6 changed the default and the change decides whether a test file type-checks:
 * - `types`: TypeScript 5 included every package under each `node_modules/@types` up the tree
 *   (`@types/jest` gives `describe`); TypeScript 6 none. `['*']` is TypeScript 6's own spelling
 *   of the old walk (same type roots, same skipping of stub packages).
 * - `strict`: off in 5, on in 6.
 * - `module`/`moduleResolution`: 5 gave CommonJS with node10 resolution below an ES2015 target
 *   (its default target was ES5); 6 gives ESNext with bundler resolution. Above ES2015, 5 paired
 *   ES2015 with classic resolution, which 6 no longer has: 6's defaults stay there.
 * - `esModuleInterop`/`allowSyntheticDefaultImports`: off in 5 (a CommonJS module cannot be
 *   default-imported), always on in 6.
 * - `noUncheckedSideEffectImports`: off in 5, on in 6; `libReplacement`: on in 5, off in 6.
 * Left alone: `target` (6's later default only widens the lib, so it rejects nothing 5 accepts in
 * a test) and `rootDir` (it shapes emit, and the gate emits nothing).
 */
export function withTypeScript5Defaults(options: ts.CompilerOptions): ts.CompilerOptions {
  const defaults: ts.CompilerOptions = { ignoreDeprecations: '6.0' }
  if (options.types === undefined) defaults.types = ['*']
  if (options.strict === undefined) defaults.strict = false
  const target = options.target ?? ts.ScriptTarget.ES5
  const module =
    options.module ?? (target < ts.ScriptTarget.ES2015 ? ts.ModuleKind.CommonJS : undefined)
  if (options.module === undefined && module !== undefined) defaults.module = module
  if (options.moduleResolution === undefined && module === ts.ModuleKind.CommonJS)
    defaults.moduleResolution = ts.ModuleResolutionKind.Node10
  const nodeModules =
    module !== undefined && module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext
  if (options.esModuleInterop === undefined && !nodeModules && module !== ts.ModuleKind.Preserve)
    defaults.esModuleInterop = false
  const interop = options.esModuleInterop ?? defaults.esModuleInterop ?? true
  const resolution = options.moduleResolution ?? defaults.moduleResolution
  if (options.allowSyntheticDefaultImports === undefined)
    defaults.allowSyntheticDefaultImports =
      interop ||
      module === ts.ModuleKind.System ||
      resolution === ts.ModuleResolutionKind.Bundler ||
      (module === undefined && resolution === undefined)
  if (options.noUncheckedSideEffectImports === undefined)
    defaults.noUncheckedSideEffectImports = false
  if (options.libReplacement === undefined) defaults.libReplacement = true
  return { ...defaults, ...options }
}
