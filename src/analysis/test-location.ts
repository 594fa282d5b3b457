/**
 * Where a module's generated test goes and how it imports the module, learned from the package's
 * existing tests: co-located `x.test.ts`, an adjacent `__tests__/`, or a separate `test/` tree;
 * `.test` or `.spec`; relative imports with `.js`, `.ts` or no extension; explicit
 * `@jest/globals`/`vitest` imports or framework globals. Also finds the existing tests that
 * already import each module. Generated files are named `<name>.testmaster.test.<ext>` so later
 * runs find and heal them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { ImportGraph } from './import-graph.js'
import type { Framework, TestPlacement } from './module-model.js'

/** The infix that marks a generated test file: `math.testmaster.test.ts`. */
export const GENERATED_TEST_INFIX = '.testmaster.'

/** Whether `path` is a test file TestMaster generated. */
export function isGeneratedTestPath(path: string): boolean {
  // `x.testmaster.test.ts`, and its numbered siblings for candidates that could not be merged.
  return /\.testmaster(?:-\d+)?\.(?:test|spec)\.[cm]?[jt]sx?$/.test(path)
}

const TEST_FILE = /\.(?:test|spec)\.[cm]?[jt]sx?$/
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'out',
  'coverage',
  '.next',
  '.turbo',
  '.cache',
  'vendor'
])
/** Test files read per package for conventions and imports (keeps huge repos bounded). */
const MAX_TEST_FILES = 3000
const RELATIVE_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\b(?:jest|vi)\.(?:mock|doMock|unstable_mockModule|importActual|requireActual)\s*\(\s*)['"](\.{1,2}\/[^'"]*|\.{1,2})['"]/g
/** Tests that import `describe`/`it`/`test`/`expect` explicitly (from @jest/globals, vitest, or a wrapper). */
const EXPLICIT_IMPORT =
  /\bimport\s*(?:type\s*)?\{[^}]*\b(?:describe|it|test|expect)\b[^}]*\}\s*from\s*['"][^'"]+['"]|require\(\s*['"](?:@jest\/globals|vitest)['"]\s*\)/

type Layout = 'colocated' | 'adjacent' | 'separate'
type ExtensionStyle = 'js' | 'ts' | 'none'

export interface TestConventions {
  readonly layout: Layout
  /** For `separate`: the top directory of the test tree, package-relative (`test`, `__tests__`). */
  readonly separateRoot: string
  /** Whether the separate tree mirrors the `src/` level (`test/src/x.test.ts`) or drops it. */
  readonly mirrorsSrc: boolean
  readonly suffix: 'test' | 'spec'
  readonly extension: ExtensionStyle | undefined
  readonly explicitImports: boolean | undefined
  /** How the human-written JavaScript tests load modules, when most of them agree. */
  readonly jsLoader: 'import' | 'require' | undefined
  /** Repo-relative paths of existing test files. */
  readonly testFiles: readonly string[]
}

interface ExistingTest {
  readonly path: string
  /** Repo-relative targets of its relative imports, extension stripped. */
  readonly targets: readonly string[]
}

/** Per-package index of existing tests; built once per analysis run. */
export class TestIndex {
  private graph: ImportGraph | undefined

  private constructor(
    private readonly repoRoot: string,
    readonly packageRoot: string,
    readonly conventions: TestConventions,
    private readonly tests: readonly ExistingTest[]
  ) {}

  /** Scans the package at `packageRoot` (repo-relative) for test files. */
  static build(repoRoot: string, packageRoot: string): TestIndex {
    const files: string[] = []
    const walk = (rel: string): void => {
      if (files.length >= MAX_TEST_FILES) return
      let entries
      try {
        entries = readdirSync(join(repoRoot, rel), { withFileTypes: true })
      } catch {
        return
      }
      // A nested package (monorepo workspace) has its own conventions.
      if (
        rel !== packageRoot &&
        entries.some((entry) => entry.isFile() && entry.name === 'package.json')
      )
        return
      for (const entry of entries) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`
        if (entry.isDirectory()) {
          if (SKIP_DIRS.has(entry.name) || entry.name.startsWith('.')) continue
          walk(child)
        } else if (entry.isFile() && TEST_FILE.test(entry.name)) {
          files.push(child)
        }
      }
    }
    walk(packageRoot)
    const tests: ExistingTest[] = []
    const layoutVotes: Record<Layout, number> = { colocated: 0, adjacent: 0, separate: 0 }
    const separateRoots = new Map<string, number>()
    let mirrorVotes = 0
    let suffixSpec = 0
    const extensionVotes: Record<ExtensionStyle, number> = { js: 0, ts: 0, none: 0 }
    let explicit = 0
    const loaderVotes = { import: 0, require: 0 }
    let sourcesChecked = new Map<string, Set<string>>()
    const dirListing = (dir: string): Set<string> => {
      let listing = sourcesChecked.get(dir)
      if (!listing) {
        try {
          listing = new Set(readdirSync(join(repoRoot, dir)))
        } catch {
          listing = new Set()
        }
        sourcesChecked.set(dir, listing)
      }
      return listing
    }
    for (const file of files) {
      const generated = isGeneratedTestPath(file)
      let text = ''
      try {
        text = readFileSync(join(repoRoot, file), 'utf8')
      } catch {
        continue
      }
      const dir = posix.dirname(file)
      const targets: string[] = []
      for (const match of text.matchAll(RELATIVE_IMPORT)) {
        const specifier = match[1] ?? ''
        const joined = posix.normalize(posix.join(dir, specifier))
        targets.push(stripExtension(joined))
        // Conventions are learned from human-written tests only.
        if (!generated) extensionVotes[extensionStyleOf(specifier)]++
      }
      tests.push({ path: file, targets })
      if (generated) continue
      if (EXPLICIT_IMPORT.test(text)) explicit++
      if (/\.[cm]?jsx?$/.test(file)) {
        if (/^\s*import\s[^(]/m.test(text)) loaderVotes.import++
        else if (/\brequire\s*\(\s*['"]/.test(text)) loaderVotes.require++
      }
      if (/\.spec\.[cm]?[jt]sx?$/.test(file)) suffixSpec++
      const within = packageRoot === '' ? file : file.slice(packageRoot.length + 1)
      const segments = within.split('/')
      const base = stripTestSuffix(posix.basename(file))
      if (
        segments.length > 1 &&
        ['test', 'tests', '__tests__', 'spec'].includes(segments[0] ?? '')
      ) {
        layoutVotes.separate++
        separateRoots.set(
          segments[0] ?? 'test',
          (separateRoots.get(segments[0] ?? 'test') ?? 0) + 1
        )
        if (segments[1] === 'src') mirrorVotes++
      } else if (segments.includes('__tests__')) {
        layoutVotes.adjacent++
      } else if (
        [...dirListing(dir)].some((name) => stripExtension(name) === base && !TEST_FILE.test(name))
      ) {
        layoutVotes.colocated++
      } else {
        layoutVotes.colocated += 0.5
      }
    }
    sourcesChecked = new Map()
    const humanCount = files.filter((f) => !isGeneratedTestPath(f)).length
    const layout = (Object.entries(layoutVotes) as [Layout, number][]).sort(
      (a, b) => b[1] - a[1]
    )[0]
    const separateRoot = [...separateRoots.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'test'
    const extensionTotal = extensionVotes.js + extensionVotes.ts + extensionVotes.none
    const extension =
      extensionTotal === 0
        ? undefined
        : (Object.entries(extensionVotes) as [ExtensionStyle, number][]).sort(
            (a, b) => b[1] - a[1]
          )[0]?.[0]
    return new TestIndex(
      repoRoot,
      packageRoot,
      {
        layout: humanCount > 0 && layout && layout[1] > 0 ? layout[0] : 'colocated',
        separateRoot,
        mirrorsSrc: mirrorVotes * 2 > layoutVotes.separate,
        suffix: suffixSpec * 2 > humanCount && humanCount > 0 ? 'spec' : 'test',
        extension,
        explicitImports: humanCount > 0 ? explicit * 2 >= humanCount : undefined,
        jsLoader:
          loaderVotes.import > loaderVotes.require
            ? 'import'
            : loaderVotes.require > loaderVotes.import
              ? 'require'
              : undefined,
        testFiles: files
      },
      tests
    )
  }

  /**
   * The repository's own tests of `modulePath` (repo-relative): those that import it, or are
   * named after it beside it, first; then those that reach it through other modules (an index
   * that re-exports it, a helper that uses it). Tests TestMaster generated are never among them:
   * they are not the user's tests.
   */
  testsOf(modulePath: string): string[] {
    const target = stripExtension(modulePath)
    const indexTarget = target.endsWith('/index') ? target.slice(0, -'/index'.length) : undefined
    const base = posix.basename(target)
    const human = this.tests.filter((test) => !isGeneratedTestPath(test.path))
    const direct: string[] = []
    for (const test of human) {
      const imports = test.targets.some(
        (t) => t === target || (indexTarget !== undefined && t === indexTarget)
      )
      const named =
        stripTestSuffix(posix.basename(test.path)) === base &&
        posix.dirname(test.path) === posix.dirname(modulePath)
      if (imports || named) direct.push(test.path)
    }
    this.graph ??= new ImportGraph(this.repoRoot, this.packageRoot)
    const reaching = this.graph
      .testsReaching(
        modulePath,
        human.map((test) => test.path).filter((path) => !direct.includes(path))
      )
      .map((found) => found.test)
    return [...direct.sort(), ...reaching.sort()]
  }
}

export interface PlacementInput {
  /** Repo-relative module path. */
  readonly modulePath: string
  /** Repo-relative package root ('' for the repo root). */
  readonly packageRoot: string
  readonly framework: Framework | undefined
  /**
   * Whether relative imports need a file extension when the tests give no evidence (ESM under
   * NodeNext/Node16 resolution, or plain Node ESM JavaScript).
   */
  readonly extensionRequired: boolean
  /** Configured test directory (repo-relative); generated tests go under it when set. */
  readonly testDir?: string
}

/** Decides the generated test's path and import specifier for one module. */
export function placeTest(index: TestIndex, input: PlacementInput): TestPlacement {
  const { modulePath, packageRoot } = input
  const conventions = index.conventions
  const ext = posix.extname(modulePath)
  const name = posix.basename(modulePath, ext)
  const testExt = testExtension(ext, input.framework, conventions.testFiles)
  const fileName = `${name}${GENERATED_TEST_INFIX}${conventions.suffix}${testExt}`
  const within = packageRoot === '' ? modulePath : modulePath.slice(packageRoot.length + 1)
  const withinDir = posix.dirname(within) === '.' ? '' : posix.dirname(within)
  const prefix = (path: string): string => (packageRoot === '' ? path : `${packageRoot}/${path}`)

  let testPath: string
  if (input.testDir) {
    const testDir = input.testDir.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '')
    // Mirror the module's place below the package (or repo) root, without a leading src/ or lib/.
    const insidePackage =
      packageRoot !== '' && (testDir === packageRoot || testDir.startsWith(`${packageRoot}/`))
    const relDir = insidePackage
      ? withinDir
      : posix.dirname(modulePath) === '.'
        ? ''
        : posix.dirname(modulePath)
    const mirrored = relDir.replace(/^(?:src|lib)(?:\/|$)/, '')
    testPath = posix.join(testDir, mirrored, fileName)
  } else if (conventions.layout === 'adjacent') {
    testPath = prefix(posix.join(withinDir, '__tests__', fileName))
  } else if (conventions.layout === 'separate') {
    const mirrored = conventions.mirrorsSrc
      ? withinDir
      : withinDir.replace(/^(?:src|lib)(?:\/|$)/, '')
    testPath = prefix(posix.join(conventions.separateRoot, mirrored, fileName))
  } else {
    testPath = prefix(posix.join(withinDir, fileName))
  }

  const style: ExtensionStyle = conventions.extension ?? (input.extensionRequired ? 'js' : 'none')
  let relative = posix.relative(posix.dirname(testPath), posix.dirname(modulePath))
  relative = posix.join(relative, importFileName(posix.basename(modulePath), style))
  const importSpecifier = relative.startsWith('.') ? relative : `./${relative}`

  return {
    testPath,
    importSpecifier,
    explicitImports: conventions.explicitImports ?? input.framework === 'vitest',
    existingTests: index.testsOf(modulePath)
  }
}

/**
 * The generated test's extension: the module's own, except that a `.cjs` module under vitest gets
 * an ESM test, as vitest itself cannot be `require`d (it ships ESM only; a `.cjs` test fails
 * at its first line). `.mjs` when the package's own JavaScript tests are `.mjs`, else `.js`,
 * which vitest runs as ESM whatever the package's `type`; the test imports the module by its
 * `.cjs` name and gets its `module.exports` as the default.
 */
function testExtension(
  moduleExt: string,
  framework: Framework | undefined,
  testFiles: readonly string[]
): string {
  if (moduleExt !== '.cjs' || framework !== 'vitest') return moduleExt
  const mjs = testFiles.filter((file) => file.endsWith('.mjs')).length
  const js = testFiles.filter((file) => /\.[cm]?jsx?$/.test(file)).length
  return mjs > js - mjs ? '.mjs' : '.js'
}

/** `math.ts` as imported: `math.js` (NodeNext), `math.ts` (allowImportingTsExtensions) or `math`. */
function importFileName(fileName: string, style: ExtensionStyle): string {
  const ext = posix.extname(fileName)
  const stem = fileName.slice(0, -ext.length)
  const isTs = /^\.[cm]?tsx?$/.test(ext)
  // .mjs/.cjs (and .mts/.cts) need their extension to resolve at all.
  if (style === 'none' && !/^\.[cm][jt]s$/.test(ext)) return stem
  if (style === 'ts') return fileName
  if (!isTs) return fileName
  const jsExt = ext === '.mts' ? '.mjs' : ext === '.cts' ? '.cjs' : '.js'
  return `${stem}${jsExt}`
}

function extensionStyleOf(specifier: string): ExtensionStyle {
  if (/\.[cm]?tsx?$/.test(specifier)) return 'ts'
  if (/\.[cm]?jsx?$/.test(specifier)) return 'js'
  return 'none'
}

function stripExtension(path: string): string {
  return path.replace(/\.(?:[cm]?[jt]sx?|json)$/, '')
}

function stripTestSuffix(fileName: string): string {
  return fileName.replace(/(?:\.testmaster)?\.(?:test|spec)\.[cm]?[jt]sx?$/, '')
}
