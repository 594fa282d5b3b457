/**
 * Which test files reach a module through the import graph: a test that imports `src/index.ts`,
 * which re-exports `./math`, exercises `src/math.ts` as surely as one that imports it directly.
 * The baseline runs exactly these tests, so "coverage before" is what the repository's own suite
 * covers. Resolution follows what bundlers and TypeScript do for relative specifiers (`.js` written
 * for a `.ts` file, extensionless, directory `index`), the package's own name, and tsconfig `paths`
 * aliases. A specifier that names the package itself, or an alias we cannot resolve to a file, is
 * taken to reach every module of the package: running one test too many costs time, missing one
 * reports covered code as uncovered.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import ts from 'typescript'

/** Every import-like specifier: `from '…'`, `import '…'`, `import('…')`, `require('…')`, mocks. */
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\b(?:jest|vi)\.(?:mock|doMock|unstable_mockModule|importActual|requireActual)\s*\(\s*)['"]([^'"\n]+)['"]/g

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']
/** `./x.js` in TypeScript source names `./x.ts` (NodeNext style). */
const JS_TO_TS: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts']
}
/** Files read while following the graph of one package (keeps huge repositories bounded). */
const MAX_GRAPH_FILES = 20_000

/** A resolved import: a file of the package, or "could be any module of the package". */
type Edge = { readonly file: string } | { readonly anyModule: true }

interface PathAlias {
  /** A pattern with no `*` matches only itself. */
  readonly exact: boolean
  readonly prefix: string
  readonly suffix: string
  readonly targets: readonly string[]
}

export class ImportGraph {
  private readonly edges = new Map<string, readonly Edge[]>()
  private readonly aliases: readonly PathAlias[]
  private readonly packageName: string | undefined

  /**
   * @param repoRoot absolute repository root
   * @param packageRoot repo-relative package root ('' for the repository root)
   */
  constructor(
    private readonly repoRoot: string,
    private readonly packageRoot: string
  ) {
    this.packageName = readPackageName(join(repoRoot, packageRoot))
    this.aliases = readPathAliases(join(repoRoot, packageRoot), packageRoot)
  }

  /**
   * The tests among `tests` (repo-relative) whose imports reach `modulePath`, with how: `direct`
   * when a chain of file imports leads there, `package` when only an import of the package as a
   * whole (its name, an unresolved alias) could.
   */
  testsReaching(
    modulePath: string,
    tests: readonly string[]
  ): { test: string; via: 'direct' | 'package' }[] {
    // Follow imports forward from every test once, then walk back from the module: one pass over
    // the graph per module, not one per test.
    const importers = new Map<string, string[]>()
    const reachesPackage = new Set<string>()
    const seen = new Set<string>(tests)
    const queue = [...tests]
    while (queue.length > 0 && seen.size < MAX_GRAPH_FILES) {
      const file = queue.shift() as string
      for (const edge of this.edgesOf(file)) {
        if ('anyModule' in edge) {
          reachesPackage.add(file)
          continue
        }
        const list = importers.get(edge.file)
        if (list) list.push(file)
        else importers.set(edge.file, [file])
        if (!seen.has(edge.file)) {
          seen.add(edge.file)
          queue.push(edge.file)
        }
      }
    }
    const reachesModule = new Set<string>()
    const back = [modulePath]
    while (back.length > 0) {
      const file = back.pop() as string
      for (const importer of importers.get(file) ?? []) {
        if (!reachesModule.has(importer)) {
          reachesModule.add(importer)
          back.push(importer)
        }
      }
    }
    // A file that imports the package as a whole may reach the module, and so may its importers.
    const mayReach = new Set<string>()
    const fromPackage = [...reachesPackage]
    while (fromPackage.length > 0) {
      const file = fromPackage.pop() as string
      if (mayReach.has(file)) continue
      mayReach.add(file)
      fromPackage.push(...(importers.get(file) ?? []))
    }
    const found: { test: string; via: 'direct' | 'package' }[] = []
    for (const test of tests) {
      if (reachesModule.has(test)) found.push({ test, via: 'direct' })
      else if (mayReach.has(test)) found.push({ test, via: 'package' })
    }
    return found
  }

  private edgesOf(file: string): readonly Edge[] {
    const cached = this.edges.get(file)
    if (cached) return cached
    let text = ''
    try {
      text = readFileSync(join(this.repoRoot, file), 'utf8')
    } catch {
      // An unreadable file imports nothing we can follow.
    }
    const edges: Edge[] = []
    for (const match of text.matchAll(SPECIFIER)) {
      const edge = this.resolve(file, match[1] ?? '')
      if (edge) edges.push(edge)
    }
    this.edges.set(file, edges)
    return edges
  }

  private resolve(importer: string, specifier: string): Edge | undefined {
    if (specifier.startsWith('.')) {
      const file = this.resolveFile(posix.normalize(posix.join(posix.dirname(importer), specifier)))
      return file ? { file } : undefined
    }
    if (
      this.packageName &&
      (specifier === this.packageName || specifier.startsWith(`${this.packageName}/`))
    )
      return { anyModule: true }
    for (const alias of this.aliases) {
      const matches = alias.exact
        ? specifier === alias.prefix
        : specifier.startsWith(alias.prefix) && specifier.endsWith(alias.suffix)
      if (!matches) continue
      const star = specifier.slice(alias.prefix.length, specifier.length - alias.suffix.length)
      for (const target of alias.targets) {
        const file = this.resolveFile(posix.normalize(target.replace('*', star)))
        if (file) return { file }
      }
      return { anyModule: true }
    }
    return undefined
  }

  /** A repo-relative path as written, to the source file it names, if it is inside the package. */
  private resolveFile(path: string): string | undefined {
    if (path.startsWith('..') || path.split('/').includes('node_modules')) return undefined
    if (this.packageRoot !== '' && !path.startsWith(`${this.packageRoot}/`)) return undefined
    const ext = posix.extname(path)
    const candidates: string[] = []
    if (SOURCE_EXTENSIONS.includes(ext)) {
      const stem = path.slice(0, -ext.length)
      candidates.push(path, ...(JS_TO_TS[ext] ?? []).map((e) => stem + e))
    }
    candidates.push(...SOURCE_EXTENSIONS.map((e) => path + e))
    candidates.push(...SOURCE_EXTENSIONS.map((e) => `${path}/index${e}`))
    return candidates.find((candidate) => isFile(join(this.repoRoot, candidate)))
  }
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile()
  } catch {
    return false
  }
}

function readPackageName(packageDir: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      name?: unknown
    }
    return typeof parsed.name === 'string' && parsed.name !== '' ? parsed.name : undefined
  } catch {
    return undefined
  }
}

/** tsconfig `compilerOptions.paths` of the package, as repo-relative targets. */
function readPathAliases(packageDir: string, packageRoot: string): PathAlias[] {
  let text: string
  try {
    text = readFileSync(join(packageDir, 'tsconfig.json'), 'utf8')
  } catch {
    return []
  }
  const parsed = ts.parseConfigFileTextToJson('tsconfig.json', text).config as
    { compilerOptions?: { paths?: Record<string, unknown>; baseUrl?: unknown } } | undefined
  const paths = parsed?.compilerOptions?.paths
  if (!paths || typeof paths !== 'object') return []
  const baseUrl =
    typeof parsed.compilerOptions?.baseUrl === 'string' ? parsed.compilerOptions.baseUrl : '.'
  const aliases: PathAlias[] = []
  for (const [pattern, targets] of Object.entries(paths)) {
    if (!Array.isArray(targets)) continue
    const star = pattern.indexOf('*')
    aliases.push({
      exact: star < 0,
      prefix: star < 0 ? pattern : pattern.slice(0, star),
      suffix: star < 0 ? '' : pattern.slice(star + 1),
      targets: targets
        .filter((t): t is string => typeof t === 'string')
        .map((t) => posix.join(packageRoot, baseUrl, t))
    })
  }
  // The longest prefix wins, as in TypeScript.
  return aliases.sort((a, b) => b.prefix.length - a.prefix.length)
}
