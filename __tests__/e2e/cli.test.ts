import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cp } from 'node:fs/promises'
import { loadSettings } from '../../src/config/load-settings.js'
import { GitRepository } from '../../src/git/repository.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { planChange } from '../../src/run.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import { createGitSandbox, createWorkRepo } from '../helpers/git-fixtures.js'

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {}
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'cli.js'), ...args],
      {
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
  it('runs the demo offline and writes a report that validates against the schema', async () => {
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
    // The comment printed is rendered from that report.
    expect(result.stdout).toContain('**TestMaster**')
    expect(result.stdout).toContain('src/pricing.ts')
  }, 180_000)

  it('prints usage errors with exit code 2', async () => {
    const result = await runCli(['run', '--depth', 'extreme'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--depth must be one of "low", "medium", "high", got "extreme"')
  })

  it('plan from the bundle resolves the same types as from source (TypeScript’s lib files ship in dist/)', async () => {
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
  }, 120_000)
})
