import { afterEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { STICKY_MARKER } from '../../src/github/sticky-comment.js'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import type { ActionRunResult } from '../helpers/action-env.js'
import {
  createScenario,
  OWNER,
  PR,
  REPO,
  webhookExample,
  stickies,
  finishScenario,
  type Scenario
} from './scenario.js'

/**
 * More full runs of `node dist/index.js` on the demo project (offline explorer unless stated),
 * against the fake GitHub server and a bare remote: workflow_dispatch, `/testmaster heal`,
 * regenerate with paths, the coverage gate, verified commits racing a human push (SECURITY 27),
 * and fork commands once the base config allows them.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

describe('action e2e: dispatch, heal, paths, coverage gate, verified-commit race, fork commands', () => {
  let scenario: Scenario | undefined
  let openai: FakeOpenAiServer | undefined
  afterEach(async () => {
    const [current, server] = [scenario, openai]
    scenario = undefined
    openai = undefined
    await finishScenario(current, server)
  })

  const replies = (s: Scenario) =>
    s.gh
      .commentsOn(PR)
      .filter((c) => c.user.type === 'Bot' && !c.body.startsWith(STICKY_MARKER))
      .map((c) => c.body)
  const readReport = async (result: ActionRunResult): Promise<Report> =>
    ReportSchema.parse(JSON.parse(await readFile(result.outputs['report-path'] ?? '', 'utf8')))
  const originGit = (s: Scenario, ...args: string[]) => s.dev.git('--git-dir', s.origin, ...args)
  const commitFiles = async (s: Scenario, sha: string) =>
    (await originGit(s, 'show', '--name-only', '--format=', sha)).split('\n').filter(Boolean)
  const refs = (s: Scenario) => originGit(s, 'for-each-ref', '--format=%(refname) %(objectname)')
  const expectSuccess = (result: ActionRunResult) => {
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
  }
  /** A human commit on the PR branch, pushed to origin (the fake server follows it in refs/pull). */
  const humanPush = async (s: Scenario, message: string, files: Record<string, string>) => {
    await s.dev.checkout('feature')
    await s.dev.git('pull', '-q', 'origin', 'feature')
    await s.dev.commit(message, files)
    await s.dev.git('push', '-q', 'origin', 'feature')
  }

  it('workflow_dispatch with a pr-number input regenerates like the command: tests committed to the PR branch, sticky comment created', async () => {
    scenario = await createScenario()
    const head = await scenario.remoteSha('refs/heads/feature')
    // The real payload shape (@octokit/webhooks-examples), with our repository and the inputs.
    const payload = webhookExample('workflow_dispatch')
    payload.repository = {
      ...payload.repository,
      name: REPO,
      full_name: `${OWNER}/${REPO}`,
      owner: { ...payload.repository.owner, login: OWNER }
    }
    payload.inputs = { 'pr-number': String(PR) }
    const result = await scenario.run('workflow_dispatch', payload, FAST)
    expectSuccess(result)
    // The workflow runs on the default branch: the PR was read from the API and its head tested.
    expect(scenario.gh.requests.find((r) => r.operation !== 'GET /user')?.operation).toBe(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}'
    )
    const report = await readReport(result)
    expect(report.repo.headSha).toBe(head)
    expect(report.plan.modules.map((m) => m.path).sort()).toEqual(['src/cart.ts', 'src/pricing.ts'])
    const newHead = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(newHead)
    expect(await originGit(scenario, 'rev-parse', `${newHead}^`)).toBe(head)
    expect(await originGit(scenario, 'log', '-1', '--format=%B', newHead)).toContain(
      'TestMaster-Run: gh-4242-1'
    )
    expect((await commitFiles(scenario, newHead)).sort()).toEqual([
      'src/cart.testmaster.test.ts',
      'src/pricing.testmaster.test.ts'
    ])
    expect(stickies(scenario)).toHaveLength(1)
    expect(stickies(scenario)[0]?.body.split('\n')[1]).toMatch(
      /^✅ \*\*TestMaster\*\* added \d+ test\(s\)/
    )
    expect(scenario.gh.checkRuns).toEqual([
      expect.objectContaining({ head_sha: head, conclusion: 'success' }),
      expect.objectContaining({ head_sha: newHead, conclusion: 'success' })
    ])
    // No comment started it: no reactions, no permission lookup, no reply.
    expect(scenario.gh.reactions).toEqual([])
    expect(scenario.gh.requests.some((r) => r.path.includes('/collaborators/'))).toBe(false)
    expect(replies(scenario)).toEqual([])
  })

  /**
   * First run commits the explorer's tests; then a human changes src/pricing.ts so that one of
   * them fails, and adds a new module; then a maintainer comments `/testmaster heal`.
   */
  const healAfterHumanPush = async (s: Scenario) => {
    s.gh.setPermission('maintainer', 'write')
    expectSuccess(await s.run('pull_request', await s.pullRequestPayload('opened'), FAST, '500'))
    const generated = await originGit(
      s,
      'show',
      'refs/heads/feature:src/pricing.testmaster.test.ts'
    )
    expect(generated).toContain('expect(bulkDiscount(100)).toBe(15)')
    const pricing = await originGit(s, 'show', 'refs/heads/feature:src/pricing.ts')
    await humanPush(s, 'bigger bulk discount, and a helper', {
      'src/pricing.ts': pricing.replace(
        'if (quantity >= 100) return 15',
        'if (quantity >= 100) return 20'
      ),
      'src/extra.ts': 'export function double(n: number): number {\n  return n * 2\n}\n'
    })
    const humanHead = await s.remoteSha('refs/heads/feature')
    const payload = s.commentPayload('/testmaster heal', {})
    const result = await s.run('issue_comment', payload, FAST, '501')
    expectSuccess(result)
    return { generated, humanHead, result, report: await readReport(result) }
  }

  it('/testmaster heal after a human push breaks a generated test: heal only, no new module generated, only the broken test cut', async () => {
    scenario = await createScenario()
    const { generated, humanHead, result, report } = await healAfterHumanPush(scenario)
    expect(report.repo.headSha).toBe(humanHead)
    const byPath = new Map(report.modules.map((m) => [m.path, m]))
    // The new module gets nothing: heal never generates for modules without earlier tests.
    expect(byPath.get('src/extra.ts')).toMatchObject({
      status: 'skipped',
      reason: 'no tests generated by TestMaster to heal'
    })
    // Only the test the human change broke is cut; the rest of the earlier file stays.
    const pricing = byPath.get('src/pricing.ts')?.candidates ?? []
    expect(pricing).toHaveLength(1)
    expect(pricing[0]).toMatchObject({
      id: 'previous',
      verdict: { status: 'accepted' },
      droppedTests: [{ name: 'bulkDiscount > returns 15 for 100', gate: 'passes' }]
    })
    expect(pricing[0]?.droppedTests?.[0]?.error).toMatch(/expected 20 to be 15/)
    // The cart tests still pass: kept as they are, nothing new for them.
    expect(byPath.get('src/cart.ts')?.candidates).toEqual([])
    expect(
      await originGit(scenario, 'ls-tree', '--name-only', 'refs/heads/feature', 'src/')
    ).not.toContain('src/extra.testmaster.test.ts')
    // The replacement is committed onto the human head, and only it.
    const head = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    expect(await originGit(scenario, 'rev-parse', `${head}^`)).toBe(humanHead)
    expect(await commitFiles(scenario, head)).toEqual(['src/pricing.testmaster.test.ts'])
    const replaced = await originGit(scenario, 'show', `${head}:src/pricing.testmaster.test.ts`)
    expect(replaced).not.toBe(generated)
    expect(replaced).not.toContain('expect(bulkDiscount(100)).toBe(15)')
    const sticky = stickies(scenario)[0]?.body ?? ''
    expect(sticky).toContain('> Heal only: the tests TestMaster committed earlier were re-run')
    expect(sticky).toContain('The tests of src/pricing.ts failed and were healed.')
    expect(sticky).toContain("dropped test 'bulkDiscount &gt; returns 15 for 100' at **passes**")
    expect(result.summary).toContain('Heal only')
    expect(scenario.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'rocket'])
  })

  it('/testmaster regenerate src/pricing.ts: only that module is planned, generated and committed', async () => {
    scenario = await createScenario()
    scenario.gh.setPermission('maintainer', 'admin')
    const head = await scenario.remoteSha('refs/heads/feature')
    const result = await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate src/pricing.ts', {}),
      FAST
    )
    expectSuccess(result)
    const report = await readReport(result)
    expect(report.settings.paths).toEqual(['src/pricing.ts'])
    expect(report.plan.modules.map((m) => m.path)).toEqual(['src/pricing.ts'])
    expect(report.modules.map((m) => m.path)).toEqual(['src/pricing.ts'])
    expect(report.tests.map((t) => t.path)).toEqual(['src/pricing.testmaster.test.ts'])
    const newHead = await scenario.remoteSha('refs/heads/feature')
    expect(await originGit(scenario, 'rev-parse', `${newHead}^`)).toBe(head)
    expect(await commitFiles(scenario, newHead)).toEqual(['src/pricing.testmaster.test.ts'])
    expect(stickies(scenario)[0]?.body).not.toContain('| src/cart.ts |')
    expect(scenario.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'rocket'])
  })

  it('fail-on coverage-below: a patch-coverage threshold the run cannot reach fails the job and the check run, with the reason', async () => {
    scenario = await createScenario()
    // A changed line no test can reach: patch coverage stays below 100% whatever is generated.
    await humanPush(scenario, 'percent helper', {
      'src/percent.ts': [
        '/** Clamps a percentage to 0..100. */',
        'export function clampPercent(value: number): number {',
        '  const clamped = Math.min(100, Math.max(0, value))',
        '  if (clamped > 100) {',
        '    throw new RangeError(`impossible: ${clamped}`)',
        '  }',
        '  return clamped',
        '}',
        ''
      ].join('\n')
    })
    const head = await scenario.remoteSha('refs/heads/feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      {
        ...FAST,
        paths: 'src/percent.ts',
        'fail-on': 'coverage-below',
        'patch-coverage-threshold': '90'
      }
    )
    expect(result.exitCode).toBe(1)
    const report = await readReport(result)
    const patch = report.totals.patchCoverageAfter?.lines.pct ?? NaN
    expect(patch).toBeGreaterThan(0)
    expect(patch).toBeLessThan(90)
    const reason = `patch coverage ${patch}% is below the threshold 90%`
    expect(report.gate).toMatchObject({ failed: true, reasons: [reason] })
    // Workflow commands escape `%` as `%25`.
    expect(result.stdout).toContain(
      `::error::TestMaster gate failed: ${reason.replace(/%/g, '%25')}`
    )
    expect(result.outputs['patch-coverage-after']).toBe(String(patch))
    const gate = {
      conclusion: 'failure',
      output: expect.objectContaining({ title: 'Patch coverage below the threshold' })
    }
    expect(scenario.gh.checkRuns).toEqual([
      expect.objectContaining({ head_sha: head, ...gate }),
      expect.objectContaining({ head_sha: await scenario.remoteSha('refs/heads/feature'), ...gate })
    ])
    expect(scenario.gh.checkRuns[0]?.output?.summary).toContain(reason)
    // The gate fails the job, not the delivery: the tests that were accepted are committed.
    expect(report.totals.accepted).toBeGreaterThan(0)
    const newHead = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(newHead)
    expect(await commitFiles(scenario, newHead)).toEqual(['src/percent.testmaster.test.ts'])
  })

  it('SECURITY 27: verified commits and a head that moves between plan and commit: createCommitOnBranch fails on expectedHeadOid, nothing is overwritten, the tests stay in the report and comment', async () => {
    scenario = await createScenario({ config: 'github:\n  verified-commits: true\n' })
    const current = scenario
    const head = await current.remoteSha('refs/heads/feature')
    await current.dev.checkout('feature')
    let moved = false
    // A human pushes between plan and commit: just before our conditional commit reaches GitHub.
    current.gh.beforeGraphql = () => {
      if (moved) return
      moved = true
      for (const args of [
        ['commit', '-q', '--allow-empty', '-m', 'human push'],
        ['push', '-q', 'origin', 'feature']
      ])
        execFileSync('git', args, { cwd: current.dev.dir, env: current.sandbox.env })
    }
    openai = await FakeOpenAiServer.start({ script: () => ({ content: 'no code' }) })
    const result = await current.run('pull_request', await current.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    expectSuccess(result)
    expect(moved).toBe(true)
    const refsAfter = await refs(current)
    const humanHead = await current.remoteSha('refs/heads/feature')
    expect(humanHead).not.toBe(head)
    // The branch is the human's: their commit on the head we tested, nothing of ours after it.
    expect(await originGit(current, 'rev-parse', `${humanHead}^`)).toBe(head)
    expect(await originGit(current, 'log', '-1', '--format=%s', humanHead)).toBe('human push')
    expect(refsAfter).not.toMatch(/testmaster/)
    // One conditional commit, refused because the branch was no longer at the planned head.
    expect(current.gh.graphqlCalls).toHaveLength(1)
    expect(current.gh.graphqlCalls[0].variables.input).toMatchObject({
      branch: { branchName: 'feature' },
      expectedHeadOid: head
    })
    const report = await readReport(result)
    expect(report.delivery).toMatchObject({
      mode: 'commit',
      status: 'head-moved',
      detail: `the branch feature moved after ${head.slice(0, 12)}; the tests were not committed`
    })
    expect(report.delivery.commitSha).toBeUndefined()
    expect(result.outputs['commit-sha']).toBe('')
    expect(result.stdout).toContain('::warning::TestMaster did not deliver the tests')
    // The generated tests are kept: in the report, and folded into the comment.
    expect(report.tests.length).toBeGreaterThan(0)
    const sticky = stickies(current)[0]?.body ?? ''
    expect(sticky).toContain(`moved after ${head.slice(0, 12)}`)
    expect(sticky).toContain('```ts')
    for (const test of report.tests) expect(sticky).toContain(test.code.split('\n')[0] ?? '???')
  })

  it('github.allow-forks: true in the base config: a maintainer command on a fork PR runs, and delivers in the comment (no push to a fork)', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario({ fork: true, config: 'github:\n  allow-forks: true\n' })
    scenario.gh.setPermission('maintainer', 'write')
    const refsBefore = await refs(scenario)
    const head = await scenario.remoteSha(`refs/pull/${PR}/head`)
    const result = await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', {}),
      { ...FAST, 'api-key': 'sk-e2e', 'base-url': openai.baseUrl }
    )
    expectSuccess(result)
    // Accepted: no refusal, the run happened (the LLM was asked too) on the fork's head.
    expect(replies(scenario)).toEqual([])
    expect(openai.requestCount).toBeGreaterThan(0)
    const report = await readReport(result)
    expect(report.repo.headSha).toBe(head)
    expect(report.totals.accepted).toBeGreaterThan(0)
    expect(report.delivery).toMatchObject({ mode: 'comment', status: 'delivered' })
    // Nothing pushed anywhere; the tests are in the comment with the fork explanation.
    expect(await refs(scenario)).toBe(refsBefore)
    expect(result.outputs['commit-sha']).toBe('')
    const sticky = stickies(scenario)[0]?.body ?? ''
    expect(sticky).toContain('This pull request comes from a fork, so TestMaster cannot push to it')
    expect(sticky).toContain('```ts')
    expect(scenario.gh.checkRuns).toEqual([expect.objectContaining({ head_sha: head })])
    expect(scenario.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'rocket'])
  })
})
