import { afterEach, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { decodeState } from '../../src/github/sticky-comment.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { secretForms } from '../../src/report/secret-guard.js'
import {
  createScenario,
  finishScenario,
  MODEL_ONLY,
  PR,
  stickies,
  type Scenario
} from './scenario.js'
import { runActionProcess, type ActionRunResult } from '../helpers/action-env.js'

/**
 * The red-team findings against the action's own process (SECURITY 34 and 36-40), each run as the
 * real attack against `node dist/index.js`, the fake GitHub and LLM servers and a bare remote.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

/**
 * A pull_request run with the sandbox turned off, as on a runner where none can be had (a same-repo
 * PR still runs there, with a warning): the PR's code then reaches the files and processes of the
 * job, and the guards of the action's own process are what stands in its way.
 */
async function runWithoutSandbox(
  s: Scenario,
  inputs: Record<string, string>
): Promise<ActionRunResult> {
  return runActionProcess({
    workspace: s.workspace.dir,
    eventName: 'pull_request',
    payload: await s.pullRequestPayload('synchronize'),
    apiUrl: s.gh.url,
    baseEnv: s.sandbox.env,
    inputs,
    extraEnv: { TESTMASTER_ISOLATION: 'none' }
  })
}

describe('action e2e: guards around the action’s own process', () => {
  let scenario: Scenario | undefined
  let openai: FakeOpenAiServer | undefined
  afterEach(async () => {
    const [current, server] = [scenario, openai]
    scenario = undefined
    openai = undefined
    await finishScenario(current, server)
  })

  const readReport = async (path: string | undefined) =>
    ReportSchema.parse(JSON.parse(await readFile(path ?? '', 'utf8')))

  it('SECURITY 34: PR code planting a clean filter in $HOME/.gitconfig, attributes, a .git/config include and hooks makes our git run nothing; the commit holds only our tests', async () => {
    scenario = await createScenario()
    const marker = join(scenario.sandbox.root, 'pr-filter-ran')
    const globalConfig = join(scenario.sandbox.home, '.gitconfig')
    const planted = join(scenario.sandbox.root, 'planted.gitconfig')
    await scenario.dev.checkout('feature')
    const test = await readFile(join(scenario.dev.dir, 'src/cart.test.ts'), 'utf8')
    // The filter appends to the runner's command files for later steps, as in the red-team run.
    const script = join(scenario.sandbox.root, 'pwn-filter.sh')
    const payload = `echo BASH_ENV=/tmp/pwn.sh >> "$GITHUB_ENV"\necho /tmp/pwn-bin >> "$GITHUB_PATH"\necho "$1" >> ${marker}\ncat\n`
    const filter = `[filter "pwn"]\n\tclean = sh ${script} clean\n\tsmudge = sh ${script} smudge\n\trequired = true\n[core]\n\tfsmonitor = sh ${script} fsmonitor\n`
    await scenario.dev.commit('tests that plant git filters', {
      '.gitattributes': '*.ts filter=pwn\n',
      'src/cart.test.ts': `import { appendFileSync, chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

try {
  writeFileSync(${JSON.stringify(script)}, ${JSON.stringify(payload)})
  for (const path of [${JSON.stringify(globalConfig)}, ${JSON.stringify(planted)}])
    appendFileSync(path, ${JSON.stringify(filter)})
  writeFileSync(join('.git', 'info', 'attributes'), '* filter=pwn\\n')
  appendFileSync(join('.git', 'config'), '[include]\\n\\tpath = ' + ${JSON.stringify(planted)} + '\\n')
  for (const hook of ['pre-commit', 'post-commit', 'pre-push', 'reference-transaction']) {
    writeFileSync(join('.git', 'hooks', hook), '#!/bin/sh\\necho ' + hook + ' >> ${marker}\\n')
    chmodSync(join('.git', 'hooks', hook), 0o755)
  }
} catch {}
${test}`
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const before = await scenario.remoteSha('refs/heads/feature')
    const result = await runWithoutSandbox(scenario, FAST)
    // The attack ran: the PR's code planted the filter where our git would have read it.
    expect(await readFile(globalConfig, 'utf8')).toContain('[filter "pwn"]')
    const ran = existsSync(marker) ? await readFile(marker, 'utf8') : 'nothing ran'
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    expect(ran).toBe('nothing ran')
    expect(result.commandFiles).toEqual({ GITHUB_ENV: '', GITHUB_PATH: '', GITHUB_STATE: '' })
    const head = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'rev-parse', `${head}^`)).toBe(
      before
    )
    const report = await readReport(result.outputs['report-path'])
    const files = await scenario.dev.git(
      '--git-dir',
      scenario.origin,
      'diff-tree',
      '-r',
      '--name-only',
      '--no-commit-id',
      head
    )
    expect(files.split('\n').filter(Boolean).sort()).toEqual(report.tests.map((t) => t.path).sort())
    for (const t of report.tests) {
      const committed = await scenario.dev.git(
        '--git-dir',
        scenario.origin,
        'cat-file',
        'blob',
        `${head}:${t.path}`
      )
      expect(committed.trimEnd()).toBe(t.code.trimEnd())
    }
  })

  it('SECURITY 36: regexes in PR source that are pathological to sample cost at most the seeds time limit; the run ends with its comment and ledger entry', async () => {
    scenario = await createScenario()
    await scenario.dev.checkout('feature')
    await scenario.dev.commit('parsers with pathological regexes', {
      'src/codes.ts': `/** Whether a code is valid: three guards, each pathological to sample. */
export function isCode(code: string): boolean {
  if (/^(?:){99999999999999}x$/.test(code)) return false
  if (/^a{400000000}$/.test(code)) return false
  // Sampling gives 'a' x 30 then 'b': the lookahead then backtracks for hours.
  if (/^(?=(a+)+$)a{30}b$/.test(code)) return false
  return code.length === 4
}
`
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const started = Date.now()
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    // Far below the job's wall-time budget (20 minutes): the backtracking alone would take hours.
    expect(Date.now() - started).toBeLessThan(170_000)
    expect(result.stdout).toMatch(/src\/codes\.ts gave no seeds \(timeout\); explored without them/)
    const report = await readReport(result.outputs['report-path'])
    expect(report.modules.map((m) => m.path)).toContain('src/codes.ts')
    expect(stickies(scenario)).toHaveLength(1)
    expect(decodeState(stickies(scenario)[0]?.body ?? '')?.ledger.runs.map((r) => r.id)).toEqual([
      'gh-4242-1'
    ])
  })

  it('SECURITY 39: a test dir swapped for a symlink after it was checked, and a tracked .testmaster symlink, receive nothing outside the repository', async () => {
    scenario = await createScenario()
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code here' }] })
    const outside = join(scenario.sandbox.root, 'outside')
    const sessionsOutside = join(scenario.sandbox.root, 'sessions-outside')
    await mkdir(outside)
    await mkdir(sessionsOutside)
    const tests = join(scenario.workspace.dir, 'tests')
    const counter = join(scenario.sandbox.root, 'cart-imports')
    await scenario.dev.checkout('feature')
    const cart = await readFile(join(scenario.dev.dir, 'src/cart.ts'), 'utf8')
    // From its second import on (the baseline is the first; the explorer's comes after the test
    // path was checked), the module swaps the test dir for a symlink leading out of the repository.
    await scenario.dev.commit('a module that swaps the test dir', {
      'src/cart.ts': `import { existsSync, lstatSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'

const seen = existsSync(${JSON.stringify(counter)}) ? Number(readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0
writeFileSync(${JSON.stringify(counter)}, String(seen + 1))
if (seen >= 1) {
  try {
    if (!lstatSync(${JSON.stringify(tests)}).isSymbolicLink()) {
      renameSync(${JSON.stringify(tests)}, ${JSON.stringify(`${tests}-moved-`)} + seen)
      symlinkSync(${JSON.stringify(outside)}, ${JSON.stringify(tests)})
    }
  } catch {
    try { symlinkSync(${JSON.stringify(outside)}, ${JSON.stringify(tests)}) } catch {}
  }
}
${cart}`
    })
    await symlink(sessionsOutside, join(scenario.dev.dir, '.testmaster'))
    await scenario.dev.git('add', '-f', '.testmaster')
    await scenario.dev.git('commit', '-q', '-m', 'track .testmaster as a symlink')
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const result = await runWithoutSandbox(scenario, {
      ...FAST,
      'test-dir': 'tests',
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    expect(Number(await readFile(counter, 'utf8'))).toBeGreaterThan(1)
    expect(await readdir(outside)).toEqual([])
    expect(await readdir(sessionsOutside)).toEqual([])
    const report = await readReport(result.outputs['report-path'])
    expect(report.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'SESSION_RECORD_UNWRITABLE',
          message: expect.stringMatching(/\.testmaster is a symlink/) as unknown as string
        })
      ])
    )
    expect(stickies(scenario)).toHaveLength(1)
    for (const test of report.tests) expect(test.path.startsWith('tests/')).toBe(true)
  })

  it('SECURITY 37: PR code returning the job token read from /proc (plain and base64) gets it into no comment, summary, check run, report or pushed commit', async () => {
    scenario = await createScenario()
    await scenario.dev.checkout('feature')
    await scenario.dev.commit('a module that returns the token of the job', {
      'src/settings.ts': `import { readFileSync } from 'node:fs'

/** The token of the job, read from the environment of an ancestor process. */
export function accessToken(): string {
  let pid = process.ppid
  for (let depth = 0; depth < 12 && pid > 1; depth++) {
    try {
      const found = readFileSync(\`/proc/\${pid}/environ\`, 'utf8')
        .split('\\0')
        .find((entry) => entry.startsWith('INPUT_GITHUB-TOKEN='))
      if (found) return found.slice('INPUT_GITHUB-TOKEN='.length)
      const stat = readFileSync(\`/proc/\${pid}/stat\`, 'utf8')
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    } catch {
      return 'unreadable'
    }
  }
  return 'not found'
}

/** The same, base64-encoded (an output scan looking for the plain value misses it). */
export function encodedToken(): string {
  return Buffer.from('x' + accessToken()).toString('base64')
}
`
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const before = await scenario.remoteSha('refs/heads/feature')
    const result = await runWithoutSandbox(scenario, FAST)
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const forms = secretForms('ghs_e2e_token_value')
    const leaks = (surface: string, text: string) =>
      forms.filter((form) => text.includes(form)).map((form) => `${surface}: ${form}`)
    const reportText = await readFile(result.outputs['report-path'] ?? '', 'utf8')
    const head = await scenario.remoteSha('refs/heads/feature')
    const pushed =
      head === before
        ? ''
        : await scenario.dev.git('--git-dir', scenario.origin, 'log', '-p', `${before}..${head}`)
    expect([
      ...leaks(
        'comment',
        scenario.gh
          .commentsOn(PR)
          .map((c) => c.body)
          .join('\n')
      ),
      ...leaks('summary', result.summary),
      ...leaks('check run', JSON.stringify(scenario.gh.checkRuns)),
      ...leaks('report', reportText),
      ...leaks('commit', pushed),
      ...leaks('log', result.stdout.replace(/::add-mask::.*/g, ''))
    ]).toEqual([])
    const report = ReportSchema.parse(JSON.parse(reportText))
    // Where the token was found is said, when the module could read it (no sandbox in the way).
    for (const finding of report.secretsRedacted ?? [])
      expect(['comment', 'check run', 'job summary', 'report', 'commit']).toContain(finding.surface)
    if (report.secretsRedacted?.some((f) => f.surface === 'commit'))
      expect(report.delivery).toMatchObject({
        status: 'failed',
        detail: expect.stringContaining(
          'contain(s) a secret value of this job'
        ) as unknown as string
      })
  })

  it('SECURITY 38: usage with a non-numeric cached count and negative tokens charges the reservation; spend is a number and the ledger has the run', async () => {
    scenario = await createScenario(MODEL_ONLY)
    openai = await FakeOpenAiServer.start({
      script: [
        {
          content: 'no code here',
          usageFields: {
            prompt_tokens: -4000,
            completion_tokens: -1,
            prompt_tokens_details: { cached_tokens: 'lots' }
          }
        }
      ]
    })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    expect(openai.requestCount).toBeGreaterThan(0)
    const report = await readReport(result.outputs['report-path'])
    expect(Number.isFinite(report.budget.spentUsd)).toBe(true)
    expect(report.budget.spentUsd).toBeGreaterThan(0)
    const answered = openai.log.filter((entry) => entry.outcome === 'answered')
    expect(report.budget.overruns).toHaveLength(answered.length)
    for (const overrun of report.budget.overruns)
      expect(overrun).toMatch(
        /usage\.prompt_tokens is -4000, not a token count\); charged the reservation/
      )
    const state = decodeState(stickies(scenario)[0]?.body ?? '')
    expect(state?.ledger.runs).toEqual([
      expect.objectContaining({ id: 'gh-4242-1', costUsd: report.budget.spentUsd })
    ])
  })

  it('SECURITY 40: /testmaster regenerate --budget 100000 is clamped to the workflow’s max-cost-usd when no base config sets a cap', async () => {
    scenario = await createScenario()
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario.gh.setPermission('maintainer', 'write', 'maintain')
    const payload = scenario.commentPayload('/testmaster regenerate --budget 100000', {})
    const result = await scenario.run('issue_comment', payload, {
      'dry-run': 'true',
      'max-cost-usd': '1',
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    expect(report.budget.limits.runUsd).toBe(1)
    expect(report.clamps).toEqual([
      { option: 'max-cost-usd', requested: 100000, cap: 1, source: 'command' }
    ])
    expect(result.stdout).toContain('the command asked for max-cost-usd 100000; clamped to 1')
    expect(stickies(scenario)[0]?.body).toContain(
      'the command asked for max-cost-usd 100000, clamped to the workflow'
    )
    expect(openai.requestCount).toBe(0)
  })
})
