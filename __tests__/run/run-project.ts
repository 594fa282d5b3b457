import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readFile, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Framework } from '../../src/analysis/module-model.js'
import { resolveConfig } from '../../src/config/resolve-config.js'
import { EventBus } from '../../src/events/event-bus.js'
import type { Report } from '../../src/report/report-schema.js'
import { run } from '../../src/run.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import {
  createGitSandbox,
  createWorkRepo,
  type FileTree,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

/**
 * A small TypeScript project in a real git repository for whole-run tests: `main` holds the
 * framework config, a module and an existing test; the `feature` branch (checked out) holds the
 * PR's changes. Our node_modules is symlinked in (and ignored), so the project's own jest or
 * vitest runs with no install, the way the fixture projects do it.
 */

export interface RunProject {
  readonly sandbox: GitSandbox
  readonly repo: WorkRepo
  readonly root: string
  readonly framework: Framework
  /** Runs `run()` on main...HEAD with these settings (camelCase, as the schema). */
  run(
    settings?: Record<string, unknown>,
    secrets?: { apiKey?: string },
    events?: EventBus
  ): Promise<Report>
  /** `git status --porcelain` lines (untracked files listed one by one). */
  status(): Promise<string[]>
  read(relative: string): Promise<string>
  /** Runs the project's framework ourselves on these test files, with json-summary coverage of src/. */
  runFramework(testFiles: readonly string[]): FrameworkRun
  remove(): Promise<void>
}

export interface FrameworkRun {
  readonly exitCode: number | null
  readonly output: string
  readonly passed: number
  readonly failed: number
  /** Line coverage (percent) of each `src/` file, from the framework's own summary. */
  readonly linePct: ReadonlyMap<string, number>
  /** Covered and total lines over all of `src/`. */
  readonly lines: { readonly covered: number; readonly total: number }
}

const JEST_CONFIG = `export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\\\.{1,2}/.*)\\\\.js$': '$1' },
  transform: { '^.+\\\\.ts$': ['ts-jest', { useESM: true }] }
}
`

function frameworkFiles(framework: Framework): FileTree {
  if (framework === 'vitest') {
    return {
      'package.json': `${JSON.stringify(
        {
          name: 'run-fixture-vitest',
          private: true,
          type: 'module',
          scripts: { test: 'vitest run' },
          devDependencies: { vitest: '*', '@vitest/coverage-istanbul': '*' }
        },
        null,
        2
      )}\n`,
      'vitest.config.js': "export default { test: { coverage: { provider: 'istanbul' } } }\n"
    }
  }
  return {
    'package.json': `${JSON.stringify(
      {
        name: 'run-fixture-jest',
        private: true,
        type: 'module',
        scripts: { test: 'NODE_OPTIONS=--experimental-vm-modules jest' },
        devDependencies: { jest: '*', 'ts-jest': '*', typescript: '*' }
      },
      null,
      2
    )}\n`,
    'jest.config.js': JEST_CONFIG,
    'tsconfig.json': `${JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        strict: true,
        isolatedModules: true,
        esModuleInterop: true,
        types: ['jest', 'node']
      },
      include: ['src', 'tests']
    })}\n`
  }
}

/** The import line for test globals in this framework (jest ESM needs `@jest/globals`). */
export function globalsImport(framework: Framework): string {
  return framework === 'vitest'
    ? "import { describe, it, expect } from 'vitest'"
    : "import { describe, it, expect } from '@jest/globals'"
}

export async function createRunProject(input: {
  framework: Framework
  /** The project's manifest and framework config; default: an ESM TypeScript project of `framework`. */
  setup?: FileTree
  /** Files of the base commit besides the framework config. */
  base: FileTree
  /** Files changed by the PR (null deletes). */
  head: FileTree
  /** Extra .gitignore lines. */
  ignore?: readonly string[]
  /** Changes the PR makes that a file tree cannot say (symlinks), before its commit. */
  beforeHeadCommit?: (root: string) => Promise<void>
}): Promise<RunProject> {
  const sandbox = await createGitSandbox('tm-run-')
  const repo = await createWorkRepo(sandbox, {
    ...(input.setup ?? frameworkFiles(input.framework)),
    '.gitignore': ['node_modules', ...(input.ignore ?? [])].join('\n') + '\n',
    ...input.base
  })
  await symlink(join(REPO_ROOT, 'node_modules'), join(repo.dir, 'node_modules'), 'dir')
  await repo.checkout('feature', { create: true })
  await repo.write(input.head)
  await input.beforeHeadCommit?.(repo.dir)
  await repo.commit('the pull request')
  const root = repo.dir

  return {
    sandbox,
    repo,
    root,
    framework: input.framework,
    async run(settings = {}, secrets = {}, events = new EventBus()) {
      const resolved = resolveConfig({
        overrides: { ...settings, repo: root, base: 'main', head: 'HEAD' }
      })
      return run({ resolved, secrets, events, runId: 'run-test' })
    },
    async status() {
      const out = await repo.git('status', '--porcelain', '--untracked-files=all')
      return out === '' ? [] : out.split('\n')
    },
    read: (relative) => readFile(join(root, relative), 'utf8'),
    runFramework(testFiles) {
      const coverageDir = join(sandbox.root, `coverage-${Date.now()}`)
      const args =
        input.framework === 'vitest'
          ? [
              join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
              'run',
              ...testFiles,
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
              '--coverageReporters=json-summary',
              `--coverageDirectory=${coverageDir}`,
              '--collectCoverageFrom=src/**',
              '--runTestsByPath',
              ...testFiles
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
      const linePct = new Map<string, number>()
      let lines = { covered: 0, total: 0 }
      try {
        const summary = JSON.parse(
          readFileSync(join(coverageDir, 'coverage-summary.json'), 'utf8')
        ) as Record<string, { lines: { covered: number; total: number; pct: number } }>
        for (const [file, entry] of Object.entries(summary)) {
          if (file === 'total') {
            lines = { covered: entry.lines.covered, total: entry.lines.total }
          } else {
            linePct.set(file.slice(root.length + 1), entry.lines.pct)
          }
        }
      } catch {
        // No summary: the run failed before coverage; the exit code and output say why.
      }
      return { exitCode: result.status, output, passed, failed, linePct, lines }
    },
    remove: () => sandbox.cleanup()
  }
}
