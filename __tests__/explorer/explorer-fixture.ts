import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import type { Framework, LineRange, ModuleAnalysis } from '../../src/analysis/module-model.js'
import { EventBus } from '../../src/events/event-bus.js'
import { parsePatchSections } from '../../src/git/changed-lines.js'
import type { GenerationContext } from '../../src/generate/strategy.js'

/**
 * Explorer fixture sets copied to a temp dir as a jest or a vitest project, with our node_modules
 * symlinked in, analysed by the real analysis, and run with their real framework:
 *
 * - `ts`: TypeScript modules (`__tests__/fixtures/explorer/ts`)
 * - `js`: JavaScript typed with JSDoc (`__tests__/fixtures/explorer/js`)
 * - `shapes`: CommonJS shapes of real packages (`__tests__/fixtures/explorer/shapes`): ES5
 *   constructors, a UMD wrapper with a sibling `.d.cts`, callbacks, file writes, late throws
 * - `demo`: the demo repo (`examples/demo/base` with `examples/demo/pr` on top); its changed lines
 *   are those of the PR against the base.
 *
 * The fixture sets hold sources only; the framework's manifest and config are written here, so
 * every set runs under both frameworks.
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const FIXTURES = join(REPO_ROOT, '__tests__', 'fixtures', 'explorer')
const DEMO = join(REPO_ROOT, 'examples', 'demo')

export type FixtureSet = 'ts' | 'js' | 'shapes' | 'demo'

export interface ExplorerFixture {
  readonly root: string
  readonly framework: Framework
  /** Analyses one module; its changed lines are the whole file, or the PR's for the demo. */
  analyze(path: string): Promise<ModuleAnalysis>
  context(module: ModuleAnalysis): Promise<GenerationContext>
  write(relative: string, code: string): Promise<string>
  /** Runs the project's framework on these test files, with istanbul coverage of `src/` when asked. */
  runTests(testPaths: readonly string[], options?: { coverage?: boolean }): Promise<FrameworkRun>
  remove(): Promise<void>
}

export interface CoveragePercent {
  readonly statements: number
  readonly branches: number
  readonly functions: number
  readonly lines: number
}

export interface FrameworkRun {
  readonly exitCode: number | null
  readonly output: string
  readonly passed: number
  readonly failed: number
  /** Percentages from the framework's own coverage summary, per repo-relative file. */
  readonly coverage: ReadonlyMap<string, CoveragePercent>
}

interface SummaryEntry {
  statements: { pct: number }
  branches: { pct: number }
  functions: { pct: number }
  lines: { pct: number }
}

const JEST_TS_CONFIG = `export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\\\.{1,2}/.*)\\\\.js$': '$1' },
  transform: { '^.+\\\\.ts$': ['ts-jest', { useESM: true }] }
}
`

const JEST_JS_CONFIG = `export default { testEnvironment: 'node', transform: {} }
`

function manifest(set: FixtureSet, framework: Framework): string {
  const devDependencies =
    framework === 'vitest'
      ? { vitest: '*', '@vitest/coverage-istanbul': '*' }
      : set === 'js' || set === 'shapes'
        ? { jest: '*', '@jest/globals': '*' }
        : { jest: '*', '@jest/globals': '*', 'ts-jest': '*', typescript: '*' }
  const test = framework === 'vitest' ? 'vitest run' : 'NODE_OPTIONS=--experimental-vm-modules jest'
  return `${JSON.stringify(
    {
      name: `explorer-fixture-${set}-${framework}`,
      private: true,
      type: 'module',
      scripts: { test },
      devDependencies
    },
    null,
    2
  )}\n`
}

/** The head-side lines the demo PR changes in each file (added files: every line). */
function demoChangedLines(): Map<string, LineRange[]> {
  const changed = new Map<string, LineRange[]>()
  for (const file of ['cart.ts', 'pricing.ts']) {
    const before = join(DEMO, 'base', 'src', file)
    const after = join(DEMO, 'pr', 'src', file)
    const diff = spawnSync('git', ['diff', '--no-index', '-U0', '--', before, after], {
      encoding: 'utf8'
    })
    const lines = diff.status === 0 ? [] : (parsePatchSections(diff.stdout)[0]?.lines ?? [])
    changed.set(`src/${file}`, lines)
  }
  return changed
}

/**
 * Runs a command to its end without blocking the event loop (the tests run concurrently), with the
 * framework's colours off.
 */
export function run(
  command: string,
  args: readonly string[],
  cwd: string
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '', CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' },
      timeout: 120_000
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (exitCode) => resolvePromise({ exitCode, stdout, stderr }))
  })
}

/** Copies a fixture set to a temp dir as a `framework` project. */
export async function createExplorerFixture(
  set: FixtureSet,
  framework: Framework
): Promise<ExplorerFixture> {
  const root = await realpath(await mkdtemp(join(tmpdir(), `tm-explorer-${set}-${framework}-`)))
  let changedLines = new Map<string, LineRange[]>()
  if (set === 'demo') {
    await cp(join(DEMO, 'base'), root, { recursive: true })
    changedLines = demoChangedLines()
    await cp(join(DEMO, 'pr'), root, { recursive: true })
    if (framework === 'jest') {
      await rm(join(root, 'vitest.config.ts'))
      const existing = join(root, 'src', 'cart.test.ts')
      await writeFile(
        existing,
        (await readFile(existing, 'utf8')).replace("from 'vitest'", "from '@jest/globals'")
      )
    }
  } else {
    await cp(join(FIXTURES, set), root, { recursive: true })
  }
  await writeFile(join(root, 'package.json'), manifest(set, framework))
  if (framework === 'jest' && set !== 'js' && set !== 'shapes') {
    // What a TypeScript jest project sets: ts-jest compiles NodeNext modules only file by file, and
    // since TypeScript 6 the jest globals' types are listed, not found.
    const tsconfig = join(root, 'tsconfig.json')
    const options = JSON.parse(await readFile(tsconfig, 'utf8')) as {
      compilerOptions: Record<string, unknown>
    }
    options.compilerOptions.isolatedModules = true
    options.compilerOptions.types = ['jest']
    await writeFile(tsconfig, `${JSON.stringify(options, null, 2)}\n`)
  }
  if (framework === 'jest')
    await writeFile(
      join(root, 'jest.config.js'),
      set === 'js' || set === 'shapes' ? JEST_JS_CONFIG : JEST_TS_CONFIG
    )
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  return {
    root,
    framework,
    async analyze(path) {
      const lines = changedLines.get(path) ?? [{ start: 1, end: 10_000 }]
      const [module] = await analyzeModules(
        root,
        [{ path, status: 'modified', binary: false, lines }],
        { framework: 'auto' }
      )
      if (!module) throw new Error(`no analysis for ${path}`)
      return module
    },
    async context(module) {
      return {
        module,
        repoRoot: root,
        source: await readFile(join(root, module.path), 'utf8'),
        uncoveredLines: [],
        signal: new AbortController().signal,
        events: new EventBus()
      }
    },
    async write(relative, code) {
      const file = join(root, relative)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, code)
      return file
    },
    async runTests(testPaths, { coverage = true } = {}) {
      const coverageDir = join(root, `coverage-${Date.now()}`)
      const args =
        framework === 'vitest'
          ? [
              join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
              'run',
              ...testPaths,
              ...(coverage
                ? [
                    '--coverage.enabled',
                    '--coverage.provider=istanbul',
                    '--coverage.reporter=json-summary',
                    `--coverage.reportsDirectory=${coverageDir}`,
                    '--coverage.include=src/**'
                  ]
                : [])
            ]
          : [
              '--experimental-vm-modules',
              join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
              '--ci',
              ...(coverage
                ? [
                    '--coverage',
                    '--coverageProvider=babel',
                    '--coverageReporters=json-summary',
                    `--coverageDirectory=${coverageDir}`,
                    '--collectCoverageFrom=src/**'
                  ]
                : []),
              '--runTestsByPath',
              ...testPaths
            ]
      const result = await run(process.execPath, args, root)
      const output = `${result.stdout}\n${result.stderr}`
      const passed = Number(/Tests:?\s+(?:.*?)(\d+) passed/.exec(output)?.[1] ?? 0)
      const failed = Number(/Tests:?\s+(?:.*?)(\d+) failed/.exec(output)?.[1] ?? 0)
      const percents = new Map<string, CoveragePercent>()
      if (coverage) {
        try {
          const summary = JSON.parse(
            readFileSync(join(coverageDir, 'coverage-summary.json'), 'utf8')
          ) as Record<string, SummaryEntry>
          for (const [file, entry] of Object.entries(summary)) {
            if (file === 'total') continue
            percents.set(file.startsWith(root) ? file.slice(root.length + 1) : file, {
              statements: entry.statements.pct,
              branches: entry.branches.pct,
              functions: entry.functions.pct,
              lines: entry.lines.pct
            })
          }
        } catch {
          // no summary: the run failed before coverage
        }
      }
      return { exitCode: result.exitCode, output, passed, failed, coverage: percents }
    },
    remove: () => rm(root, { recursive: true, force: true })
  }
}
