import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { decodeState } from '../../src/github/sticky-comment.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { createScenario, finishScenario, PR, stickies, type Scenario } from './scenario.js'

/**
 * Delivery paths run as `node dist/index.js` against the fake GitHub server and a bare remote:
 * the side pull request, and creates (a comment, a verified commit) that GitHub carried out but
 * did not answer.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

describe('action e2e: delivery', () => {
  let scenario: Scenario | undefined
  afterEach(async () => {
    const current = scenario
    scenario = undefined
    await finishScenario(current, undefined)
  })

  const readReport = async (path: string | undefined) =>
    ReportSchema.parse(JSON.parse(await readFile(path ?? '', 'utf8')))

  it.each([
    ['answers 502', 502 as const, undefined],
    ['drops the connection', 'drop' as const, undefined],
    ['answers 502 (a personal token: the comment is the user’s)', 502 as const, 'ci-user']
  ])(
    'GitHub creates the comment, then %s: the comment is looked up, not posted again; one comment with this run’s body',
    async (_name, fault, tokenUser) => {
      scenario = await createScenario(tokenUser ? { tokenUser } : {})
      scenario.gh.addFaultAfterEffect('POST', new RegExp(`/issues/${PR}/comments$`), fault)
      const result = await scenario.run(
        'pull_request',
        await scenario.pullRequestPayload('opened'),
        FAST
      )
      expect(result.exitCode).toBe(0)
      const posts = scenario.gh.requests.filter(
        (r) => r.method === 'POST' && r.path.endsWith(`/issues/${PR}/comments`)
      )
      expect(posts.map((r) => r.status)).toEqual([fault === 'drop' ? 0 : 502])
      expect(scenario.gh.commentsOn(PR)).toHaveLength(1)
      const [sticky] = stickies(scenario)
      expect(sticky?.user.login).toBe(tokenUser ?? 'github-actions[bot]')
      expect(sticky?.body.split('\n')[1]).toMatch(/^✅ \*\*TestMaster\*\* added \d+ test\(s\)/)
      expect(decodeState(sticky?.body ?? '')?.ledger.runs.map((r) => r.id)).toEqual(['gh-4242-1'])
      expect(result.outputs['comment-url']).toContain(`#issuecomment-${sticky?.id}`)
      expect(result.stdout).toContain('TestMaster comment created')
      expect(result.stdout).not.toContain('could not be written')
      const report = await readReport(result.outputs['report-path'])
      expect(report.delivery.status).toBe('delivered')
    }
  )

  it('delivery pull-request: a side PR from testmaster/pr-1 onto the PR branch, linked in the comment; after a push the next run updates the same branch and PR', async () => {
    scenario = await createScenario()
    const s = scenario
    const side = 'refs/heads/testmaster/pr-1'
    const inputs = { ...FAST, delivery: 'pull-request' }
    const head = await s.remoteSha('refs/heads/feature')
    const first = await s.run('pull_request', await s.pullRequestPayload('opened'), inputs, '100')
    if (first.exitCode !== 0) console.log(first.stdout, first.stderr)
    expect(first.exitCode).toBe(0)
    // The PR branch itself is untouched; the side branch holds one commit on the PR head.
    expect(await s.remoteSha('refs/heads/feature')).toBe(head)
    const firstTip = await s.remoteSha(side)
    expect(await s.dev.git('--git-dir', s.origin, 'rev-parse', `${firstTip}^`)).toBe(head)
    expect(first.outputs['commit-sha']).toBe(firstTip)
    const url = `https://github.com/acme/shop/pull/101`
    expect(s.gh.createdPulls).toEqual([
      {
        number: 101,
        head: 'testmaster/pr-1',
        base: 'feature',
        title: `TestMaster tests for #${PR}`,
        body: expect.stringContaining(`Merge this into #${PR} to add the tests.`),
        state: 'open'
      }
    ])
    expect(stickies(s)).toHaveLength(1)
    expect(stickies(s)[0]?.body).toContain(
      `**Delivery** (pull-request): side pull request <${url}>: opened from testmaster/pr-1 at ${firstTip.slice(0, 12)}`
    )
    expect((await readReport(first.outputs['report-path'])).delivery).toMatchObject({
      mode: 'pull-request',
      status: 'delivered',
      commitSha: firstTip,
      pullRequestUrl: url
    })

    // A person pushes to the PR; the next run replaces the side commit and updates the same PR.
    await s.dev.checkout('feature')
    await s.dev.git('pull', '-q', 'origin', 'feature')
    const newHead = await s.dev.commit('more work', {
      'src/extra.ts': 'export function double(n: number): number {\n  return n * 2\n}\n'
    })
    await s.dev.git('push', '-q', 'origin', 'feature')
    const second = await s.run(
      'pull_request',
      await s.pullRequestPayload('synchronize'),
      inputs,
      '101'
    )
    expect(second.exitCode).toBe(0)
    const secondTip = await s.remoteSha(side)
    expect(secondTip).not.toBe(firstTip)
    expect(await s.dev.git('--git-dir', s.origin, 'rev-parse', `${secondTip}^`)).toBe(newHead)
    expect(await s.remoteSha('refs/heads/feature')).toBe(newHead)
    expect(s.gh.createdPulls).toHaveLength(1)
    expect(s.gh.createdPulls[0]?.body).toContain('run gh-101-1')
    expect(
      s.gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'))
    ).toHaveLength(1)
    expect(stickies(s)).toHaveLength(1)
    const sticky = stickies(s)[0]?.body ?? ''
    expect(sticky).toContain(
      `side pull request <${url}>: updated from testmaster/pr-1 at ${secondTip.slice(0, 12)}, which replaces the earlier run’s commit`
    )
    expect(decodeState(sticky)?.ledger.runs.map((r) => r.id)).toEqual(['gh-100-1', 'gh-101-1'])
  })

  it('verified commits: GitHub makes the commit, then answers 502: the branch tip is read and found ours; delivered, not "head moved"', async () => {
    scenario = await createScenario({ config: 'github:\n  verified-commits: true\n' })
    const head = await scenario.remoteSha('refs/heads/feature')
    scenario.gh.addFaultAfterEffect('POST', /^\/graphql$/, 502)
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(scenario.gh.graphqlCalls).toHaveLength(1)
    const tip = await scenario.remoteSha('refs/heads/feature')
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'rev-parse', `${tip}^`)).toBe(head)
    expect(result.outputs['commit-sha']).toBe(tip)
    const report = await readReport(result.outputs['report-path'])
    expect(report.delivery).toMatchObject({ mode: 'commit', status: 'delivered', commitSha: tip })
    expect(result.stdout).not.toContain('did not deliver')
    expect(stickies(scenario)[0]?.body).toContain(`committed as ${tip.slice(0, 12)}`)
  })
})
