import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { main, type CliDeps } from '../../src/cli/program.js'
import { EXIT_CODES } from '../../src/errors.js'
import { TOOL_VERSION } from '../../src/version.js'
import {
  createGitSandbox,
  createWorkRepo,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

function cli(
  cwd: string,
  env: NodeJS.ProcessEnv = {}
): CliDeps & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdout: { write: (t: string) => void (out += t), isTTY: false },
    stderr: { write: (t: string) => void (err += t) },
    env,
    cwd,
    out: () => out,
    err: () => err
  }
}

let sandbox: GitSandbox
let repo: WorkRepo
let base: string

beforeAll(async () => {
  sandbox = await createGitSandbox('tm-cli-')
  repo = await createWorkRepo(sandbox, {
    'package.json': JSON.stringify({
      name: 'calc',
      type: 'module',
      devDependencies: { vitest: '^5' }
    }),
    'src/add.ts': 'export function add(a: number, b: number): number {\n  return a + b\n}\n',
    '.github/testmaster.yml': 'depth: low\n'
  })
  base = await repo.git('rev-parse', 'HEAD')
  await repo.commit('subtract', {
    'src/sub.ts':
      '/** Difference of two numbers. */\nexport function sub(a: number, b: number): number {\n  return a - b\n}\n',
    '.github/testmaster.yml': 'depth: high\nbudget:\n  run-usd: 100\n'
  })
})

afterAll(async () => {
  await sandbox.cleanup()
})

describe('testmaster CLI', () => {
  it('prints the version', async () => {
    const io = cli(repo.dir)
    expect(await main(['node', 'testmaster', '--version'], io)).toBe(0)
    expect(io.out().trim()).toBe(TOOL_VERSION)
  })

  it('documents the run flags in --help', async () => {
    const io = cli(repo.dir)
    expect(await main(['node', 'testmaster', 'run', '--help'], io)).toBe(0)
    for (const flag of [
      '--repo',
      '--base',
      '--head',
      '--provider',
      '--model',
      '--base-url',
      '--max-cost-usd',
      '--json',
      '--dry-run',
      '--verbose'
    ]) {
      expect(io.out()).toContain(flag)
    }
  })

  it('fails with exit 2 and names the flag for a bad value', async () => {
    const io = cli(repo.dir)
    const code = await main(
      ['node', 'testmaster', 'run', '--base', base, '--max-cost-usd', 'ten'],
      io
    )
    expect(code).toBe(EXIT_CODES.usage)
    expect(io.err()).toContain('--max-cost-usd must be a number >= 0, got "ten"')
  })

  it('exits 2 on an unknown command', async () => {
    const io = cli(repo.dir)
    expect(await main(['node', 'testmaster', 'frobnicate'], io)).toBe(EXIT_CODES.usage)
    expect(io.err()).toMatch(/unknown command 'frobnicate'/)
  })

  it('plans the change, reading the config from the base ref, and writes --json', async () => {
    const io = cli(repo.dir)
    const out = join(sandbox.root, 'plan.json')
    expect(await main(['node', 'testmaster', 'plan', '--base', base, '--json', out], io)).toBe(0)
    expect(io.out()).toMatch(/src\/sub\.ts .*exports: sub/)
    const plan = JSON.parse(await readFile(out, 'utf8')) as {
      modules: { path: string; exports: { name: string }[] }[]
    }
    expect(plan.modules.map((m) => m.path)).toEqual(['src/sub.ts'])
    expect(plan.modules[0]?.exports.map((e) => e.name)).toEqual(['sub'])
  })

  it('dry-run reports the base config values, not the PR head ones (SECURITY 13)', async () => {
    const io = cli(repo.dir)
    const out = join(sandbox.root, 'dry.json')
    const code = await main(
      ['node', 'testmaster', 'run', '--base', base, '--dry-run', '--json', out],
      io
    )
    expect(code).toBe(0)
    const report = JSON.parse(await readFile(out, 'utf8')) as {
      settings: { depth: string; budget: { runUsd: number } }
      modules: { status: string }[]
      delivery: { status: string }
    }
    expect(report.settings.depth).toBe('low')
    expect(report.settings.budget.runUsd).toBe(1)
    expect(report.modules.map((m) => m.status)).toEqual(['not-run'])
    expect(report.delivery.status).toBe('nothing-to-deliver')
  })

  it('plan and run --dry-run give the same estimate, and the modules add up to it', async () => {
    const planOut = join(sandbox.root, 'same-plan.json')
    const dryOut = join(sandbox.root, 'same-dry.json')
    const args = ['--base', base, '--depth', 'high']
    expect(
      await main(['node', 'testmaster', 'plan', ...args, '--json', planOut], cli(repo.dir))
    ).toBe(0)
    // An LLM dry run (a key, an endpoint nobody listens on: a dry run makes no call).
    expect(
      await main(
        [
          'node',
          'testmaster',
          'run',
          ...args,
          '--provider',
          'openai',
          '--base-url',
          'http://127.0.0.1:9/v1',
          '--dry-run',
          '--json',
          dryOut
        ],
        cli(repo.dir, { TESTMASTER_API_KEY: 'sk-dry-run' })
      )
    ).toBe(0)
    const plan = JSON.parse(await readFile(planOut, 'utf8')) as {
      estimatedCostUsd: number
      modules: { estimate: { costUsd: number; calls: number } }[]
    }
    const report = JSON.parse(await readFile(dryOut, 'utf8')) as {
      plan: { estimatedCostUsd: number; modules: { estimatedCostUsd: number }[] }
    }
    expect(plan.estimatedCostUsd).toBeGreaterThan(0)
    expect(plan.modules[0]?.estimate.calls).toBe(3)
    expect(report.plan.estimatedCostUsd).toBeCloseTo(plan.estimatedCostUsd, 12)
    expect(report.plan.modules.reduce((n, m) => n + m.estimatedCostUsd, 0)).toBeCloseTo(
      report.plan.estimatedCostUsd,
      12
    )
  })

  it("the free explorer's dry run shows no LLM cost estimate", async () => {
    const io = cli(repo.dir)
    const out = join(sandbox.root, 'explore-dry.json')
    expect(
      await main(['node', 'testmaster', 'explore', '--base', base, '--dry-run', '--json', out], io)
    ).toBe(0)
    const report = JSON.parse(await readFile(out, 'utf8')) as {
      plan: { estimatedCostUsd: number; modules: { estimatedCostUsd: number }[] }
    }
    expect(report.plan.estimatedCostUsd).toBe(0)
    expect(report.plan.modules.map((m) => m.estimatedCostUsd)).toEqual([0])
    expect(io.out()).toContain('1 module(s) (offline explorer, no cost)')
    expect(io.out()).not.toMatch(/estimated|\$0\.0/)
  })

  it('refuses provider openai without a key, saying where to put one', async () => {
    const io = cli(repo.dir, {})
    const code = await main(
      ['node', 'testmaster', 'run', '--base', base, '--provider', 'openai'],
      io
    )
    expect(code).toBe(EXIT_CODES.usage)
    expect(io.err()).toMatch(/error API_KEY_MISSING: provider openai needs an API key/)
  })
})
