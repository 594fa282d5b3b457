import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cp } from 'node:fs/promises'
import { loadSettings } from '../../src/config/load-settings.js'
import { GitRepository } from '../../src/git/repository.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { planChange } from '../../src/run.js'
import { TOOL_VERSION } from '../../src/version.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import { budgetMs } from '../helpers/time-budget.js'
import {
  createGitSandbox,
  createWorkRepo,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli.js'), ...args],
      {
        ...(cwd ? { cwd } : {}),
        env: { ...process.env, CI: 'true', OPENAI_API_KEY: '', TESTMASTER_API_KEY: '', ...env },
        maxBuffer: 32 * 1024 * 1024
      },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr
        })
      }
    )
  })
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tm-e2e-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('dist/cli.js', () => {
  it(
    'runs the demo offline and writes a report that validates against the schema',
    async () => {
      const out = join(dir, 'report.json')
      const result = await runCli(['demo', '--json', out])
      expect(result.stderr).toContain('Demo repository:')
      expect(result.stderr).toContain('delivery (none): delivered')
      expect(result.code).toBe(0)
      const report = ReportSchema.parse(JSON.parse(await readFile(out, 'utf8')))
      expect(report.provider).toBe('explorer')
      expect(report.totals.accepted).toBeGreaterThan(0)
      expect(report.budget.spentUsd).toBe(0)
      // The CLI's delivery is the work tree: the tests are written there, nothing is committed.
      expect(report.delivery).toMatchObject({ mode: 'none', status: 'delivered' })
      expect(report.delivery.files).toEqual(report.tests.map((t) => t.path))
      const after = report.totals.patchCoverageAfter?.lines.pct ?? 0
      const before = report.totals.patchCoverageBefore?.lines.pct ?? 0
      expect(after).toBeGreaterThan(before)
      // Printed for a terminal (no markdown), from that report.
      expect(result.stdout).not.toContain('**TestMaster**')
      expect(result.stdout).toMatch(
        /TestMaster run \S+: \d+ candidate file\(s\) accepted \(\d+ test\(s\)\)/
      )
      expect(result.stdout).toContain('src/pricing.ts')
      // The demo repository is left for the reader to open, and the output says where.
      const kept = /The demo repository is kept at (\S+)/.exec(result.stdout)?.[1]
      expect(kept).toBeDefined()
      try {
        for (const test of report.tests) {
          expect(result.stdout).toContain(`cat ${test.path}`)
          expect(await readFile(join(kept!, test.path), 'utf8')).toBe(test.code)
        }
      } finally {
        await rm(kept!, { recursive: true, force: true })
      }
    },
    budgetMs(180_000)
  )

  it(
    '`npm link` from the clone puts a working `testmaster` on the PATH (the README Quick start)',
    async () => {
      const prefix = join(dir, 'npm-global')
      const linked = await new Promise<{ code: number; output: string }>((resolve) => {
        execFile(
          'npm',
          ['link', '--no-audit', '--no-fund', '--offline'],
          { cwd: REPO_ROOT, env: { ...process.env, npm_config_prefix: prefix } },
          (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: stdout + stderr })
        )
      })
      expect(linked).toMatchObject({ code: 0 })
      const version = await new Promise<string>((resolve) => {
        execFile(
          'testmaster',
          ['--version'],
          { env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` } },
          (_error, stdout, stderr) => resolve(stdout + stderr)
        )
      })
      expect(version.trim()).toBe(TOOL_VERSION)
    },
    budgetMs(60_000)
  )

  it('prints usage errors with exit code 2', async () => {
    const result = await runCli(['run', '--depth', 'extreme'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--depth must be one of "low", "medium", "high", got "extreme"')
  })

  it(
    'plan from the bundle resolves the same types as from source (TypeScript’s lib files ship in dist/)',
    async () => {
      const sandbox = await createGitSandbox()
      try {
        const work = await createWorkRepo(sandbox)
        const fixture = join(REPO_ROOT, '__tests__/fixtures/analysis/types-ts')
        await cp(join(fixture, 'package.json'), join(work.dir, 'package.json'))
        await cp(join(fixture, 'tsconfig.json'), join(work.dir, 'tsconfig.json'))
        const base = await work.commit('project')
        await cp(join(fixture, 'src'), join(work.dir, 'src'), { recursive: true })
        await work.commit('modules')
        const out = join(dir, 'plan.json')
        const result = await runCli(['plan', '--repo', work.dir, '--base', base, '--json', out], {
          ...sandbox.env
        })
        expect(result.stderr).toBe('')
        expect(result.code).toBe(0)
        const fromDist = JSON.parse(await readFile(out, 'utf8')) as {
          modules: { path: string; exports: unknown[] }[]
        }
        const { settings } = await loadSettings({
          repoRoot: work.dir,
          baseRef: base,
          flat: { kind: 'flag', values: {} },
          overrides: { repo: work.dir }
        })
        const fromSource = await planChange(
          await GitRepository.open(work.dir),
          settings,
          base,
          'HEAD'
        )
        const exportsBy = (modules: readonly { path: string; exports: readonly unknown[] }[]) =>
          Object.fromEntries(modules.map((m) => [m.path, m.exports]))
        const expected = JSON.parse(
          JSON.stringify(exportsBy(fromSource.modules.map((m) => m.analysis)))
        ) as Record<string, unknown[]>
        expect(Object.keys(expected).length).toBeGreaterThan(0)
        expect(exportsBy(fromDist.modules)).toEqual(expected)
        // Arrays and promises are resolved, not `any`: the bug this guards against.
        expect(JSON.stringify(expected)).toContain('"kind":"array"')
        expect(JSON.stringify(expected)).toContain('"kind":"promise"')
      } finally {
        await sandbox.cleanup()
      }
    },
    budgetMs(120_000)
  )

  describe('away from the repository root: a workspace package of an npm-workspaces monorepo', () => {
    let sandbox: GitSandbox
    let work: WorkRepo
    let base: string

    beforeAll(async () => {
      sandbox = await createGitSandbox('tm-e2e-mono-')
      work = await createWorkRepo(sandbox, {
        '.gitignore': 'node_modules\ncoverage\n',
        'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }),
        'packages/core/package.json': JSON.stringify({
          name: '@mono/core',
          type: 'module',
          scripts: { test: 'vitest run' },
          devDependencies: { vitest: '*', '@vitest/coverage-v8': '*' }
        }),
        'packages/core/src/index.ts': "export * from './math.js'\n",
        'packages/core/src/math.ts':
          'export function add(a: number, b: number): number {\n  return a + b\n}\n',
        // The suite reaches src/math.ts only through the index.
        'packages/core/test/index.test.ts':
          "import { expect, it } from 'vitest'\nimport { add } from '../src/index.js'\n\nit('adds', () => {\n  expect(add(1, 2)).toBe(3)\n})\n"
      })
      await symlink(join(REPO_ROOT, 'node_modules'), join(work.dir, 'node_modules'), 'dir')
      base = await work.git('rev-parse', 'HEAD')
      await work.commit('sign', {
        'packages/core/src/math.ts':
          "export function add(a: number, b: number): number {\n  return a + b\n}\n\nexport function sign(n: number): string {\n  return n < 0 ? 'negative' : n === 0 ? 'zero' : 'positive'\n}\n"
      })
    })
    afterAll(async () => {
      await sandbox?.cleanup()
    })

    it(
      'runs from the package directory: finds the repository root, measures "before" through the index, exits 0',
      async () => {
        const out = join(dir, 'mono.json')
        const result = await runCli(
          ['run', '--base', base, '--json', out, '--stability-runs', '1'],
          sandbox.env,
          join(work.dir, 'packages/core')
        )
        expect(result.stderr).not.toContain('unsettled top-level await')
        expect(result.code).toBe(0)
        expect(result.stderr).toContain(`repository root: ${work.dir}`)
        const report = ReportSchema.parse(JSON.parse(await readFile(out, 'utf8')))
        expect(report.modules.map((m) => [m.path, m.packageRoot, m.status])).toEqual([
          ['packages/core/src/math.ts', 'packages/core', 'done']
        ])
        expect(report.modules[0]?.baseline).toEqual({
          method: 'existing-tests',
          tests: ['packages/core/test/index.test.ts']
        })
        // add() is covered by the suite through the index: not a bogus 0% (nor a bogus 100%).
        const before = report.modules[0]?.coverageBefore?.functions
        expect(before).toMatchObject({ covered: 1, total: 2 })
        expect(result.stdout).toContain(
          'coverage before packages/core/src/math.ts: 1 existing test file(s) that reach it through imports'
        )
        expect(report.repo.uncommitted).toBeUndefined()
      },
      budgetMs(300_000)
    )

    it(
      'plans from a subdirectory, and warns that a dirty tree is what gets tested',
      async () => {
        await writeFile(
          join(work.dir, 'packages/core/src/math.ts'),
          `${await readFile(join(work.dir, 'packages/core/src/math.ts'), 'utf8')}// edited, not committed\n`
        )
        const out = join(dir, 'dirty.json')
        const result = await runCli(
          ['run', '--base', base, '--dry-run', '--json', out],
          sandbox.env,
          join(work.dir, 'packages/core/src')
        )
        expect(result.code).toBe(0)
        const report = ReportSchema.parse(JSON.parse(await readFile(out, 'utf8')))
        expect(report.modules.map((m) => m.path)).toEqual(['packages/core/src/math.ts'])
        // Earlier generated tests left in the tree are ours, not the user's change.
        expect(report.repo.uncommitted).toEqual(['packages/core/src/math.ts'])
        expect(result.stdout).toContain(
          "warning: uncommitted changes in the work tree (packages/core/src/math.ts): the tests ran on the work tree's content"
        )
      },
      budgetMs(120_000)
    )
  })
})
