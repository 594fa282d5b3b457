import { afterEach, describe, expect, it } from '@jest/globals'
import { execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { STICKY_MARKER, decodeState } from '../../src/github/sticky-comment.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import {
  addNarrowBranch,
  createScenario,
  MODEL_ONLY,
  PR,
  raceNextPush,
  stickies,
  finishScenario,
  type Scenario
} from './scenario.js'
import { runActionProcess } from '../helpers/action-env.js'
import { currentIsolation } from '../../src/runner/isolation.js'

/**
 * Full runs of `node dist/index.js` on the demo project (offline explorer unless stated), against
 * the fake GitHub server and a bare remote, for the scenarios of issue 7's acceptance list.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

describe('action e2e: runs on a pull request', () => {
  let scenario: Scenario | undefined
  let openai: FakeOpenAiServer | undefined
  afterEach(async () => {
    const [current, server] = [scenario, openai]
    scenario = undefined
    openai = undefined
    await finishScenario(current, server)
  })

  const botCommitFiles = async (s: Scenario, sha: string) =>
    (await s.dev.git('--git-dir', s.origin, 'show', '--name-only', '--format=', sha))
      .split('\n')
      .filter(Boolean)
  const readReport = async (path: string | undefined) =>
    ReportSchema.parse(JSON.parse(await readFile(path ?? '', 'utf8')))

  it('a same-repo PR: tests committed to the branch, comment created, outputs set', async () => {
    scenario = await createScenario()
    const headBefore = await scenario.remoteSha('refs/heads/feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/delivery \(commit\): delivered/)
    const accepted = Number(result.outputs['tests-accepted'])
    expect(accepted).toBeGreaterThan(0)
    const head = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'rev-parse', `${head}^`)).toBe(
      headBefore
    )
    const message = await scenario.dev.git(
      '--git-dir',
      scenario.origin,
      'log',
      '-1',
      '--format=%an%n%B',
      head
    )
    expect(message).toMatch(/^github-actions\[bot\]\ntest: add generated tests/)
    expect(message).toContain('TestMaster-Run: gh-4242-1')
    // SECURITY 23: the bot commit holds test files only, never a .github path.
    const files = await botCommitFiles(scenario, head)
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) expect(file).toMatch(/(\.test\.ts|\.spec\.ts)$/)
    const [sticky] = stickies(scenario)
    expect(stickies(scenario)).toHaveLength(1)
    expect(sticky?.body.split('\n')[1]).toMatch(/^✅ \*\*TestMaster\*\* added \d+ test\(s\)/)
    expect(result.outputs['comment-url']).toContain(`#issuecomment-${sticky?.id}`)
    expect(decodeState(sticky?.body ?? '')?.ledger.runs.map((r) => r.id)).toEqual(['gh-4242-1'])
    // The gate is on the tested commit and on the bot's commit, which is now the PR head.
    expect(scenario.gh.checkRuns).toEqual([
      expect.objectContaining({ head_sha: headBefore, conclusion: 'success' }),
      expect.objectContaining({ head_sha: head, conclusion: 'success' })
    ])
    expect(result.summary).toContain('## TestMaster')
    const report = await readReport(result.outputs['report-path'])
    expect(report.delivery).toMatchObject({ mode: 'commit', status: 'delivered', commitSha: head })
    // Accepted tests are committed before the comment is written.
    const push = scenario.gh.requests.findIndex(
      (r) => r.method === 'POST' && r.path.endsWith('/comments')
    )
    expect(push).toBeGreaterThan(-1)
  })

  it('a shallow checkout (actions/checkout fetch-depth 1) is deepened and works the same', async () => {
    scenario = await createScenario({ shallow: true })
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(result.outputs['commit-sha']).toBe(await scenario.remoteSha('refs/heads/feature'))
  })

  it('a second push: the comment is updated in place and the ledger extended', async () => {
    scenario = await createScenario()
    await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), FAST, '100')
    const [first] = stickies(scenario)
    await scenario.dev.checkout('feature')
    await scenario.dev.git('pull', '-q', 'origin', 'feature')
    await scenario.dev.commit('more work', {
      'src/extra.ts': 'export function double(n: number): number {\n  return n * 2\n}\n'
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      FAST,
      '101'
    )
    expect(result.exitCode).toBe(0)
    expect(stickies(scenario)).toHaveLength(1)
    const [second] = stickies(scenario)
    expect(second?.id).toBe(first?.id)
    expect(decodeState(second?.body ?? '')?.ledger.runs.map((r) => r.id)).toEqual([
      'gh-100-1',
      'gh-101-1'
    ])
    expect(
      scenario.gh.requests.some(
        (r) => r.method === 'PATCH' && r.path.endsWith(`/comments/${first?.id}`)
      )
    ).toBe(true)
  })

  it('SECURITY 12: a maintainer command tests the pinned PR head, not the default branch, and commits there', async () => {
    scenario = await createScenario()
    scenario.gh.setPermission('maintainer', 'write', 'maintain')
    const head = await scenario.remoteSha(`refs/pull/${PR}/head`)
    const payload = scenario.commentPayload('/testmaster regenerate --depth low', {})
    const result = await scenario.run('issue_comment', payload, { 'stability-runs': '1' })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    expect(report.repo.headSha).toBe(head)
    expect(report.settings.depth).toBe('low')
    expect(scenario.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'rocket'])
    expect(
      await scenario.dev.git('--git-dir', scenario.origin, 'rev-parse', 'refs/heads/feature^')
    ).toBe(head)
    expect(scenario.gh.checkRuns[0]?.head_sha).toBe(head)
  })

  it('SECURITY 11: the PR head moving while a command runs: nothing is pushed, the comment says so', async () => {
    scenario = await createScenario()
    const current = scenario
    await addNarrowBranch(current)
    current.gh.setPermission('maintainer', 'write')
    const head = await current.remoteSha('refs/heads/feature')
    await current.dev.checkout('feature')
    let moved = false
    openai = await FakeOpenAiServer.start({
      script: () => {
        // A human pushes while the run is under way (the server sees the run's first LLM call).
        if (!moved) {
          moved = true
          execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'human push'], {
            cwd: current.dev.dir,
            env: current.sandbox.env
          })
          execFileSync('git', ['push', '-q', 'origin', 'feature'], {
            cwd: current.dev.dir,
            env: current.sandbox.env
          })
        }
        return { content: 'no code' }
      }
    })
    const payload = current.commentPayload('/testmaster regenerate', {})
    const result = await current.run('issue_comment', payload, {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    expect(moved).toBe(true)
    const humanHead = await current.remoteSha('refs/heads/feature')
    expect(humanHead).not.toBe(head)
    // Nothing of ours on the branch: its head is the human commit, whose parent is the pinned head.
    expect(
      await current.dev.git('--git-dir', current.origin, 'rev-parse', 'refs/heads/feature^')
    ).toBe(head)
    const report = await readReport(result.outputs['report-path'])
    expect(report.delivery.status).toBe('head-moved')
    expect(report.delivery.detail).toContain(
      `moved from ${head.slice(0, 12)} to ${humanHead.slice(0, 12)}`
    )
    expect(stickies(current)[0]?.body).toContain(humanHead.slice(0, 12))
    expect(report.tests.length).toBeGreaterThan(0)
    expect(stickies(current)[0]?.body).toContain(report.tests[0]?.code.split('\n')[0] ?? '???')
    expect(current.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'confused'])
  })

  it('a fork PR: tests folded into the comment, no push', async () => {
    scenario = await createScenario({ fork: true })
    const refs = await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')).toBe(refs)
    const [sticky] = stickies(scenario)
    expect(sticky?.body).toContain(
      'This pull request comes from a fork, so TestMaster cannot push to it'
    )
    expect(sticky?.body).toContain('```ts')
    expect(result.outputs['commit-sha']).toBe('')
  })

  it('SECURITY 9 and 29: a fork PR with a read-only token (403s) writes the summary, sets outputs, exits 0, pushes nothing', async () => {
    scenario = await createScenario({ fork: true, readOnly: true })
    const refs = await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')).toBe(refs)
    expect(result.summary).toContain('a fork PR has a read-only token')
    expect(result.summary).toContain('This pull request comes from a fork')
    expect(result.outputs['tests-accepted']).toMatch(/^\d+$/)
    expect(
      scenario.gh.requests.filter((r) => r.method === 'POST').every((r) => r.status === 403)
    ).toBe(true)
  })

  it('SECURITY 9: the same fork PR exits non-zero when the gate fails (time budget spent, fail-on budget-exceeded)', async () => {
    scenario = await createScenario({ fork: true, readOnly: true })
    const refs = await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'time-budget-minutes': '0.0001',
      'fail-on': 'budget-exceeded'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(
      /::error::TestMaster gate failed: the budget ran out \(the input `time-budget-minutes`\)/
    )
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')).toBe(refs)
    expect(result.summary).toContain('a fork PR has a read-only token')
    expect(result.outputs['budget-exceeded']).toBe('true')
  })

  it('a push race: fetch, rebase and retry, the human commit kept', async () => {
    scenario = await createScenario()
    await raceNextPush(scenario, 'feature', 'src/human.ts')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const log = await scenario.dev.git(
      '--git-dir',
      scenario.origin,
      'log',
      '--format=%s',
      '-3',
      'refs/heads/feature'
    )
    const [ours, human, pr] = log.split('\n')
    expect(ours).toMatch(/^test: add generated tests for \d+ module\(s\)$/)
    expect([human, pr]).toEqual(['human push', 'pr change'])
    const report = await readReport(result.outputs['report-path'])
    expect(report.delivery.detail).toContain('rebased onto the new head after 1 push race(s)')
  })

  it('a 500 on comment creation is retried; one comment, tests committed first', async () => {
    scenario = await createScenario()
    scenario.gh.addFault('POST', /\/issues\/1\/comments$/, 500, 1)
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(
      scenario.gh.requests
        .filter((r) => r.method === 'POST' && r.path.endsWith('/issues/1/comments'))
        .map((r) => r.status)
    ).toEqual([500, 201])
    expect(stickies(scenario)).toHaveLength(1)
    expect(result.outputs['commit-sha']).toBe(await scenario.remoteSha('refs/heads/feature'))
  })

  it('comment creation failing every time: the tests are committed all the same, and the failure named', async () => {
    scenario = await createScenario()
    scenario.gh.addFault('POST', /\/issues\/1\/comments$/, 422, 1)
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(stickies(scenario)).toHaveLength(0)
    const head = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    expect(await botCommitFiles(scenario, head)).toEqual([
      expect.stringMatching(/\.testmaster\.test\.ts$/),
      expect.stringMatching(/\.testmaster\.test\.ts$/)
    ])
    expect(result.stdout).toContain('::warning::The TestMaster comment could not be written')
  })

  it('SECURITY 19: PR code writing NODE_OPTIONS into the runner command files, or a hook and fsmonitor into .git, changes nothing later', async () => {
    scenario = await createScenario()
    await scenario.dev.checkout('feature')
    const test = await readFile(join(scenario.dev.dir, 'src/cart.test.ts'), 'utf8')
    const marker = join(scenario.sandbox.root, 'pr-code-ran-later')
    await scenario.dev.commit('tests that tamper', {
      'src/cart.test.ts': `import { appendFileSync, chmodSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const commands = join(process.env.RUNNER_TEMP ?? '/nonexistent', '_runner_file_commands')
try {
  for (const file of readdirSync(commands))
    appendFileSync(join(commands, file), 'NODE_OPTIONS=--require /tmp/pwn.js\\n')
} catch {}
// Our own git runs after the tests, with the action's environment: make it run PR code.
for (const hook of ['pre-commit', 'post-commit', 'pre-push', 'reference-transaction']) {
  writeFileSync(join('.git', 'hooks', hook), '#!/bin/sh\\ntouch ${marker}\\n')
  chmodSync(join('.git', 'hooks', hook), 0o755)
}
appendFileSync(join('.git', 'config'), '[core]\\n\\tfsmonitor = touch ${marker}\\n')
${test}`
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(result.commandFiles).toEqual({ GITHUB_ENV: '', GITHUB_PATH: '', GITHUB_STATE: '' })
    expect(JSON.stringify(result.outputs)).not.toContain('NODE_OPTIONS')
    expect(result.summary).not.toContain('NODE_OPTIONS')
    expect(result.outputs['report-path']).toBeTruthy()
    const warning = result.stdout
      .split('\n')
      .find((l) => l.includes('Code run during the tests changed'))
    if (currentIsolation().mechanism === 'bubblewrap') {
      // The sandbox shows neither .git nor the command files: there was nothing to undo.
      expect(warning).toBeUndefined()
    } else {
      // Without a sandbox the guard is the defence: it undid the change and says so.
      expect(result.stdout).toContain('the change was undone')
      expect(warning).toContain('.git/config')
      expect(warning).toContain('.git/hooks/post-commit')
    }
    // The tests were committed and pushed, and none of the planted commands ran.
    expect(result.outputs['commit-sha']).toBe(await scenario.remoteSha('refs/heads/feature'))
    expect(existsSync(marker)).toBe(false)
  })

  it('a cancelled job (SIGINT mid LLM call) still commits the accepted tests and records the spend in the ledger', async () => {
    scenario = await createScenario()
    const current = scenario
    await addNarrowBranch(current)
    let action: ChildProcess | undefined
    openai = await FakeOpenAiServer.start({
      script: () => {
        // The first LLM request: the job is cancelled while the call is in flight.
        action?.kill('SIGINT')
        return { content: 'never delivered', delayMs: 60_000 }
      }
    })
    const result = await runActionProcess({
      workspace: current.workspace.dir,
      eventName: 'pull_request',
      payload: await current.pullRequestPayload('opened'),
      apiUrl: current.gh.url,
      baseEnv: current.sandbox.env,
      // One module at a time: the narrow module comes last (it changes the fewest lines), so the
      // explorer's tests of the others are accepted before the cancel.
      inputs: { ...FAST, concurrency: '1', 'api-key': 'sk-e2e', 'base-url': openai.baseUrl },
      onSpawn: (child) => {
        action = child
      }
    })
    expect(openai.requestCount).toBeGreaterThan(0)
    expect(result.stdout).toContain('SIGINT: the job is being cancelled')
    const report = await readReport(result.outputs['report-path'])
    expect(report.budget.spentUsd).toBeGreaterThan(0)
    expect(report.budget.stoppedBy).toBe('cancelled')
    expect(current.gh.checkRuns[0]?.output?.title).toBe('Cancelled before every module was handled')
    // The explorer's tests, accepted before the cancel, are committed.
    const head = await current.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    // The spend of the cut-off call is in the ledger, so the PR budget still holds.
    const sticky = stickies(current)[0]
    const state = decodeState(sticky?.body ?? '')
    expect(state?.ledger.runs).toEqual([
      expect.objectContaining({ id: 'gh-4242-1', costUsd: report.budget.spentUsd })
    ])
  })

  it('an unreadable ledger with a PR budget: the run uses the free explorer only, and says why', async () => {
    scenario = await createScenario()
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario.gh.addFault('GET', /\/issues\/1\/comments/, 403, 1)
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl,
      'pr-budget-usd': '2'
    })
    expect(result.exitCode).toBe(0)
    expect(openai.requestCount).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    expect(report.provider).toBe('explorer')
    expect(result.summary).toContain('The PR ledger could not be read')
  })

  it('more than 100 comments: the sticky one is still found and updated, no duplicate', async () => {
    scenario = await createScenario()
    // The sticky comment sits on the second page: finding it needs pagination.
    for (let i = 0; i < 120; i++) scenario.gh.seedComment(PR, `comment ${i}`, { login: 'reviewer' })
    scenario.gh.seedComment(PR, `${STICKY_MARKER}\nold report`, {
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    // A person's copy of the marker is not ours (SECURITY 15).
    scenario.gh.seedComment(PR, `${STICKY_MARKER}\nfake`, { login: 'mallory' })
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    const ours = stickies(scenario).filter((c) => c.user.type === 'Bot')
    expect(ours).toHaveLength(1)
    expect(ours[0]?.body).not.toContain('old report')
    expect(
      scenario.gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))
    ).toEqual([])
  })

  it('the budget exhausted: the check run fails with the reason, and so does the job (fail-on budget-exceeded)', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario(MODEL_ONLY)
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl,
      'max-cost-usd': '0.000001',
      'fail-on': 'budget-exceeded'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::TestMaster gate failed: the budget ran out/)
    expect(scenario.gh.checkRuns[0]).toMatchObject({ conclusion: 'failure' })
    expect(scenario.gh.checkRuns[0]?.output?.summary).toMatch(/the budget ran out/)
    expect(result.outputs['budget-exceeded']).toBe('true')
    // SECURITY 22: the key is masked in the logs and absent from everything we write.
    const report = await readFile(result.outputs['report-path'] ?? '', 'utf8')
    const logs = result.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    for (const text of [
      logs,
      result.stderr,
      result.summary,
      report,
      ...scenario.gh.commentsOn(PR).map((c) => c.body)
    ]) {
      expect(text).not.toContain('sk-e2e')
      expect(text).not.toContain('ghs_e2e_token_value')
    }
  })

  it('SECURITY 14: an input above the base config cap is clamped, and the clamp reported (dry run: no LLM call, no push)', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario({ config: 'budget:\n  run-usd: 2\n' })
    const refs = await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      'dry-run': 'true',
      'max-cost-usd': '50',
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    expect(report.clamps).toEqual([{ option: 'max-cost-usd', requested: 50, cap: 2 }])
    expect(report.budget.limits.runUsd).toBe(2)
    expect(openai.requestCount).toBe(0)
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')).toBe(refs)
    expect(stickies(scenario)[0]?.body).toContain('TestMaster dry run')
    expect(scenario.gh.checkRuns[0]?.output?.title).toMatch(/^Estimated \$/)
  })

  it('verified commits: createCommitOnBranch with expectedHeadOid commits the tests', async () => {
    scenario = await createScenario({ config: 'github:\n  verified-commits: true\n' })
    const head = await scenario.remoteSha('refs/heads/feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(scenario.gh.graphqlCalls).toHaveLength(1)
    expect(scenario.gh.graphqlCalls[0].variables.input.expectedHeadOid).toBe(head)
    const newHead = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(newHead)
    expect(
      await scenario.dev.git('--git-dir', scenario.origin, 'log', '-1', '--format=%B', newHead)
    ).toContain('TestMaster-Run: gh-4242-1')
  })

  it('dry run: the estimate over the PR budget fails the check until a maintainer raises it with /testmaster budget', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario({ config: 'budget:\n  pr-usd: 0.000001\n  max-pr-usd: 10\n' })
    scenario.gh.setPermission('maintainer', 'write', 'maintain')
    const inputs = {
      'dry-run': 'true',
      'fail-on': 'budget-exceeded',
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    }
    const first = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      inputs,
      '300'
    )
    expect(first.exitCode).toBe(1)
    expect(scenario.gh.checkRuns[0]).toMatchObject({ conclusion: 'failure' })
    expect(scenario.gh.checkRuns[0]?.output?.summary).toContain(
      'over what is left of the PR budget'
    )
    expect(scenario.gh.checkRuns[0]?.output?.summary).toContain('/testmaster budget USD')
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster budget 10', {}),
      inputs,
      '301'
    )
    const second = await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', {}),
      inputs,
      '302'
    )
    expect(second.exitCode).toBe(0)
    expect(scenario.gh.checkRuns.at(-1)).toMatchObject({ conclusion: 'success' })
    expect(openai.requestCount).toBe(0)
  })
})
