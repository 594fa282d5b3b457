import { spawnSync } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import type { LineRange, ModuleAnalysis } from '../../src/analysis/module-model.js'
import { EventBus } from '../../src/events/event-bus.js'
import type { GenerationContext } from '../../src/generate/strategy.js'

/**
 * Explorer fixture projects (`__tests__/fixtures/explorer/<name>`) copied to a temp dir with our
 * node_modules symlinked in, analysed by the real analysis, and run with their real framework.
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const FIXTURES = join(REPO_ROOT, '__tests__', 'fixtures', 'explorer')

export interface ExplorerFixture {
  readonly root: string
  analyze(path: string, changed?: readonly LineRange[]): Promise<ModuleAnalysis>
  context(module: ModuleAnalysis): Promise<GenerationContext>
  write(relative: string, code: string): Promise<string>
  /** Runs the project's framework on one test file with istanbul coverage of `src/`. */
  runTests(testPath: string): FrameworkRun
  remove(): Promise<void>
}

export interface FrameworkRun {
  readonly exitCode: number | null
  readonly output: string
  readonly passed: number
  readonly failed: number
  /** Percentages from the framework's own coverage summary, per repo-relative file. */
  readonly coverage: ReadonlyMap<
    string,
    { statements: number; branches: number; functions: number; lines: number }
  >
}

interface SummaryEntry {
  statements: { pct: number }
  branches: { pct: number }
  functions: { pct: number }
  lines: { pct: number }
}

export async function createExplorerFixture(
  name: 'vitest-ts' | 'jest-js'
): Promise<ExplorerFixture> {
  const root = await realpath(await mkdtemp(join(tmpdir(), `tm-explorer-${name}-`)))
  await cp(join(FIXTURES, name), root, { recursive: true })
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  const framework = name === 'vitest-ts' ? 'vitest' : 'jest'
  return {
    root,
    async analyze(path, changed = [{ start: 1, end: 10_000 }]) {
      const [module] = await analyzeModules(
        root,
        [{ path, status: 'modified', binary: false, lines: changed }],
        { framework }
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
    runTests(testPath) {
      const coverageDir = join(root, 'coverage')
      const args =
        framework === 'vitest'
          ? [
              join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
              'run',
              testPath,
              '--coverage.enabled',
              '--coverage.provider=istanbul',
              '--coverage.reporter=json-summary',
              `--coverage.reportsDirectory=${coverageDir}`,
              '--coverage.include=src/**'
            ]
          : [
              '--experimental-vm-modules',
              join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
              '--ci',
              '--coverage',
              '--coverageProvider=babel',
              '--coverageReporters=json-summary',
              `--coverageDirectory=${coverageDir}`,
              '--collectCoverageFrom=src/**',
              testPath
            ]
      const result = spawnSync(process.execPath, args, {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' },
        timeout: 120_000
      })
      const output = `${result.stdout}\n${result.stderr}`
      const passed = Number(/Tests:?\s+(?:.*?)(\d+) passed/.exec(output)?.[1] ?? 0)
      const failed = Number(/Tests:?\s+(?:.*?)(\d+) failed/.exec(output)?.[1] ?? 0)
      const coverage = new Map<
        string,
        { statements: number; branches: number; functions: number; lines: number }
      >()
      try {
        const summary = JSON.parse(
          spawnSync('cat', [join(coverageDir, 'coverage-summary.json')], { encoding: 'utf8' })
            .stdout
        ) as Record<string, SummaryEntry>
        for (const [file, entry] of Object.entries(summary)) {
          if (file === 'total') continue
          coverage.set(file.startsWith(root) ? file.slice(root.length + 1) : file, {
            statements: entry.statements.pct,
            branches: entry.branches.pct,
            functions: entry.functions.pct,
            lines: entry.lines.pct
          })
        }
      } catch {
        // no summary: the run failed before coverage
      }
      return { exitCode: result.status, output, passed, failed, coverage }
    },
    remove: () => rm(root, { recursive: true, force: true })
  }
}
