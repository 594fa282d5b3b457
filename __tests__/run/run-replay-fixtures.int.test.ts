import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { resolveConfig } from '../../src/config/resolve-config.js'
import { EventBus } from '../../src/events/event-bus.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { run } from '../../src/run.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import { createGitSandbox } from '../helpers/git-fixtures.js'

/**
 * Real model answers at no cost: sessions recorded with a stand-in model on real npm packages
 * (bench/llm-standin.ts, turned into fixtures by bench/standin-to-fixture.ts; each fixture.json
 * says which package, module, model and TestMaster commit) replayed through the whole run. The
 * repository is rebuilt as the recording saw it (base without the module, head adding it), and
 * the replay provider answers every request with the recorded answer. A request the recording
 * does not hold means the prompts changed since: the fixture must be recorded again.
 */

const FIXTURES = join(REPO_ROOT, '__tests__', 'fixtures', 'replay')

interface Fixture {
  readonly name: string
  readonly package: string
  readonly version: string
  readonly module: string
  readonly calls: { readonly generate: number; readonly heal: number }
}

function fixtures(): Fixture[] {
  if (!existsSync(FIXTURES)) return []
  return readdirSync(FIXTURES)
    .filter((name) => existsSync(join(FIXTURES, name, 'fixture.json')))
    .map((name) => ({
      name,
      ...(JSON.parse(readFileSync(join(FIXTURES, name, 'fixture.json'), 'utf8')) as Omit<
        Fixture,
        'name'
      >)
    }))
}

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync(
    'git',
    [
      '-c',
      'user.name=Fixture',
      '-c',
      'user.email=fixture@example.com',
      '-c',
      'commit.gpgSign=false',
      ...args
    ],
    {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
    }
  )
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
}

const all = fixtures()

describe('recorded stand-in sessions replay through the whole run', () => {
  if (all.length === 0)
    it.todo('record a stand-in session (bench/llm-standin.ts, bench/standin-to-fixture.ts)')

  if (all.length > 0)
    it.each(all)(
      '$package@$version $module: every recorded request is asked again and answered, and the kept tests pass',
      async (fixture) => {
        const sandbox = await createGitSandbox('tm-replay-fixture-')
        try {
          const root = join(sandbox.root, 'repo')
          await cp(join(FIXTURES, fixture.name, 'repo'), root, { recursive: true })
          const moduleSource = await readFile(join(root, fixture.module))
          await rm(join(root, fixture.module))
          await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
          git(root, 'init', '--quiet', '--initial-branch=main')
          git(root, 'add', '--all', '--force', ':!node_modules')
          git(root, 'commit', '--quiet', '--no-verify', '-m', 'base')
          git(root, 'checkout', '--quiet', '-b', 'feature')
          await writeFile(join(root, fixture.module), moduleSource)
          git(root, 'add', '--force', fixture.module)
          git(root, 'commit', '--quiet', '--no-verify', '-m', 'the pull request')

          const resolved = resolveConfig({
            overrides: {
              repo: root,
              base: 'main',
              head: 'HEAD',
              llm: { provider: 'replay', replayFile: join(FIXTURES, fixture.name, 'session.json') }
            }
          })
          const report = await run({
            resolved,
            secrets: {},
            events: new EventBus(),
            runId: 'replay'
          })
          expect(ReportSchema.safeParse(report).success).toBe(true)
          const module = report.modules.find((m) => m.path === fixture.module)
          const missing = (module?.candidates ?? []).filter(
            (c) => c.verdict.status === 'rejected' && /REPLAY_MISSING/.test(c.verdict.reason)
          )
          // a request the recording lacks: the prompts changed, so record the fixture again
          expect(missing).toEqual([])
          expect(module?.funnel?.calls).toBe(fixture.calls.generate)
          expect(report.totals.llm.costUsd).toBe(0)
          const delivered = report.tests
            .filter((t) => t.module === fixture.module)
            .map((t) => t.path)
          if (delivered.length > 0) {
            const vitest = spawnSync(
              process.execPath,
              [
                join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
                'run',
                ...delivered,
                '--root',
                root
              ],
              {
                cwd: root,
                encoding: 'utf8',
                env: { ...process.env, NODE_OPTIONS: '', CI: '1', NO_COLOR: '1' },
                timeout: 300_000
              }
            )
            expect({
              exit: vitest.status,
              output: vitest.status === 0 ? '' : vitest.stdout + vitest.stderr
            }).toEqual({ exit: 0, output: '' })
          }
        } finally {
          await sandbox.cleanup()
        }
      },
      900_000
    )
})
