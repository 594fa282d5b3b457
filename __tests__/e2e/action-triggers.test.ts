import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { STICKY_MARKER, decodeState } from '../../src/github/sticky-comment.js'
import { createScenario, PR, webhookExample, OWNER, REPO, type Scenario } from './scenario.js'

/**
 * The action's triggers and refusals, run as `node dist/index.js` against the fake GitHub server
 * and a bare remote. None of these may start a generation: the fake LLM server must see nothing,
 * the remote's refs must not move, and no check run may appear unless stated.
 */
describe('action e2e: triggers, commands and refusals', () => {
  let scenario: Scenario
  let openai: FakeOpenAiServer
  let refsBefore: string

  const llmInputs = () => ({
    'api-key': 'sk-e2e-secret',
    'base-url': openai.baseUrl,
    model: 'gpt-5-mini'
  })
  const refs = () =>
    scenario.dev.git(
      '--git-dir',
      scenario.origin,
      'for-each-ref',
      '--format=%(refname) %(objectname)'
    )
  const expectNothingRan = async () => {
    expect(openai.requestCount).toBe(0)
    expect(await refs()).toBe(refsBefore)
    expect(scenario.gh.checkRuns).toEqual([])
    // The PR's code was never checked out: the workspace is still on main.
    expect(await scenario.workspace.git('rev-parse', 'HEAD')).toBe(
      await scenario.remoteSha('refs/heads/main')
    )
  }
  const replies = () =>
    scenario.gh
      .commentsOn(PR)
      .filter((c) => c.user.type === 'Bot')
      .map((c) => c.body)

  const setUp = async (options: Parameters<typeof createScenario>[0] = {}) => {
    scenario = await createScenario(options)
    refsBefore = await refs()
  }

  beforeEach(async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code here' }] })
  })
  afterEach(async () => {
    try {
      scenario.gh.assertValid()
    } finally {
      await scenario.close()
      await openai.close()
    }
  })

  it('SECURITY 1: a command from a user with read permission is refused politely; nothing runs', async () => {
    await setUp()
    scenario.gh.setPermission('reader', 'read')
    const result = await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', { login: 'reader' }),
      llmInputs()
    )
    expect(result.exitCode).toBe(0)
    expect(replies()).toEqual([
      'Sorry, only users with write, maintain, admin permission on this repository can run TestMaster commands. Nothing was run.'
    ])
    await expectNothingRan()
  })

  it.each([
    ['triage', 'read', 'triage'],
    ['none', 'none', 'none'],
    ['404', undefined, undefined]
  ])('SECURITY 1: permission %s is refused', async (_name, permission, role) => {
    await setUp()
    if (permission) scenario.gh.setPermission('someone', permission as 'read', role)
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', { login: 'someone' }),
      llmInputs()
    )
    expect(replies()[0]).toMatch(/^Sorry, only users with/)
    await expectNothingRan()
  })

  it('SECURITY 2: author_association MEMBER with read permission is refused; CONTRIBUTOR with write is accepted', async () => {
    await setUp()
    scenario.gh.setPermission('member', 'read')
    scenario.gh.setPermission('contrib', 'write')
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster help', { login: 'member', association: 'MEMBER' })
    )
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster help', { login: 'contrib', association: 'CONTRIBUTOR' })
    )
    const [refusal, help] = replies()
    expect(refusal).toMatch(/^Sorry/)
    expect(help).toMatch(/^TestMaster comment commands/)
  })

  it('SECURITY 3: role maintain (permission write) is accepted, with eyes then rocket', async () => {
    await setUp()
    scenario.gh.setPermission('maint', 'write', 'maintain')
    const payload = scenario.commentPayload('/testmaster help', { login: 'maint' })
    await scenario.run('issue_comment', payload)
    expect(replies()[0]).toContain('/testmaster regenerate')
    expect(scenario.gh.reactions).toEqual([
      { commentId: payload.comment.id, content: 'eyes' },
      { commentId: payload.comment.id, content: 'rocket' }
    ])
  })

  it.each(['edited', 'deleted'])(
    'SECURITY 4: an %s comment does nothing, even with a valid command',
    async (action) => {
      await setUp()
      scenario.gh.setPermission('maintainer', 'admin')
      const result = await scenario.run(
        'issue_comment',
        scenario.commentPayload('/testmaster regenerate', { action }),
        llmInputs()
      )
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toContain(`TestMaster ignores ${action} comments`)
      expect(scenario.gh.requests).toEqual([])
      await expectNothingRan()
    }
  )

  it('SECURITY 5: a command on a plain issue does nothing', async () => {
    await setUp()
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', { onIssue: true }),
      llmInputs()
    )
    expect(scenario.gh.requests).toEqual([])
    await expectNothingRan()
  })

  it('SECURITY 6: a command by a Bot account is ignored', async () => {
    await setUp()
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', {
        login: 'github-actions[bot]',
        type: 'Bot'
      }),
      llmInputs()
    )
    expect(scenario.gh.requests).toEqual([])
    await expectNothingRan()
  })

  it('SECURITY 6: a command posted by the token’s own user (personal token) is ignored', async () => {
    await setUp({ tokenUser: 'ci-user' })
    scenario.gh.setPermission('ci-user', 'admin')
    const result = await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', { login: 'ci-user' }),
      llmInputs()
    )
    expect(result.stdout).toContain('TestMaster ignores its own comments')
    expect(scenario.gh.requests.map((r) => r.operation)).toEqual(['GET /user'])
    await expectNothingRan()
  })

  it('SECURITY 7: a quoted command is ignored; an unknown one gets the help text and nothing runs', async () => {
    await setUp()
    scenario.gh.setPermission('maintainer', 'admin')
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('> /testmaster regenerate\nquoting', {}),
      llmInputs()
    )
    expect(scenario.gh.requests).toEqual([])
    const payload = scenario.commentPayload('/testmaster deploy', {})
    await scenario.run('issue_comment', payload, llmInputs())
    expect(replies()).toHaveLength(1)
    expect(replies()[0]).toMatch(
      /^TestMaster did not understand that: unknown command `deploy`\.\n\nTestMaster comment commands/
    )
    expect(scenario.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'confused'])
    await expectNothingRan()
  })

  it('SECURITY 8: a command on a fork PR is refused with an explanation; the PR code is never checked out', async () => {
    await setUp({ fork: true })
    scenario.gh.setPermission('maintainer', 'admin')
    await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster regenerate', {}),
      llmInputs()
    )
    expect(replies()[0]).toContain('TestMaster does not run commands on pull requests from forks')
    await expectNothingRan()
  })

  it('SECURITY 10: under pull_request_target the action refuses to execute PR code and says why', async () => {
    await setUp({ fork: true })
    const result = await scenario.run(
      'pull_request_target',
      await scenario.pullRequestPayload('opened'),
      llmInputs()
    )
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('TestMaster refuses to run under pull_request_target')
    expect(result.summary).toContain('refuses to run under pull_request_target')
    await expectNothingRan()
  })

  it('SECURITY 11: a command pinned to a SHA that is no longer the head stops before any LLM call or push', async () => {
    await setUp()
    scenario.gh.setPermission('maintainer', 'admin')
    const old = await scenario.remoteSha(`refs/pull/${PR}/head`)
    await scenario.dev.checkout('feature')
    await scenario.dev.commit('newer', { 'src/newer.ts': 'export const n = 1\n' })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    refsBefore = await refs()
    const result = await scenario.run(
      'issue_comment',
      scenario.commentPayload(`/testmaster regenerate sha=${old.slice(0, 10)}`, {}),
      llmInputs()
    )
    expect(result.exitCode).toBe(0)
    expect(replies()[0]).toMatch(
      /^TestMaster stopped: the pull request head is [0-9a-f]{12}, not the [0-9a-f]{10}/
    )
    await expectNothingRan()
  })

  it('SECURITY 28: a push whose head commit carries our trailer starts no generation; only the check run is posted', async () => {
    await setUp()
    await scenario.dev.checkout('feature')
    await scenario.dev.commit('test: add generated tests\n\nTestMaster-Run: gh-1-1', {
      'src/cart.testmaster.test.ts': 'test("x", () => {})\n'
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    refsBefore = await refs()
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      llmInputs()
    )
    expect(result.exitCode).toBe(0)
    expect(openai.requestCount).toBe(0)
    expect(await refs()).toBe(refsBefore)
    expect(scenario.gh.checkRuns).toEqual([
      expect.objectContaining({
        name: 'TestMaster budget gate',
        head_sha: await scenario.remoteSha('refs/heads/feature'),
        conclusion: 'success'
      })
    ])
    expect(scenario.gh.commentsOn(PR)).toEqual([])
  })

  it('SECURITY 28: our trailer on a commit that changes source code does not turn the bot off', async () => {
    await setUp()
    await scenario.dev.checkout('feature')
    await scenario.dev.commit('feat: more pricing\n\nTestMaster-Run: gh-1-1', {
      'src/extra.ts': 'export function twice(n: number): number {\n  return n * 2\n}\n'
    })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const head = await scenario.remoteSha('refs/heads/feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize')
    )
    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toContain('no new generation')
    expect(scenario.gh.commentsOn(PR).map((c) => c.body)).toEqual([
      expect.stringContaining(STICKY_MARKER)
    ])
    expect(scenario.gh.checkRuns.map((c) => c.output?.title)).not.toContain(
      'Tests committed by TestMaster'
    )
    // The run's gate, on the tested commit and on the commit it pushed.
    expect(scenario.gh.checkRuns.map((c) => c.head_sha)).toEqual([
      head,
      await scenario.remoteSha('refs/heads/feature')
    ])
  })

  it('the skip label turns the bot off; /testmaster skip and resume set and clear it', async () => {
    await setUp()
    scenario.gh.setPermission('maintainer', 'write')
    await scenario.run('issue_comment', scenario.commentPayload('/testmaster skip', {}))
    expect(scenario.gh.labelsOf(PR)).toEqual(['testmaster:skip'])
    const skipped = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize', { labels: ['testmaster:skip'] }),
      llmInputs()
    )
    expect(skipped.stdout).toContain('testmaster:skip label: TestMaster is off')
    await scenario.run('issue_comment', scenario.commentPayload('/testmaster resume', {}))
    expect(scenario.gh.labelsOf(PR)).toEqual([])
    expect(openai.requestCount).toBe(0)
  })

  it('/testmaster budget raises the PR budget up to the configured maximum, kept in the sticky comment', async () => {
    await setUp({ config: 'budget:\n  pr-usd: 1\n  max-pr-usd: 10\n' })
    scenario.gh.setPermission('maintainer', 'write', 'maintain')
    await scenario.run('issue_comment', scenario.commentPayload('/testmaster budget 50', {}))
    expect(replies()[0]).toContain(
      "cannot raise this pull request's budget to $50.00: the maximum is $10.00"
    )
    await scenario.run('issue_comment', scenario.commentPayload('/testmaster budget 5', {}))
    const sticky = scenario.gh.commentsOn(PR).find((c) => c.body.startsWith(STICKY_MARKER))
    expect(decodeState(sticky?.body ?? '')?.prBudgetUsd).toBe(5)
    expect(replies().at(-1)).toContain('the budget of this pull request is now $5.00')
    await expectNothingRan()
  })

  it('other events get a notice and a clean exit', async () => {
    await setUp()
    const push = webhookExample('push')
    push.repository = { ...push.repository, name: REPO, full_name: `${OWNER}/${REPO}` }
    const result = await scenario.run('push', push, llmInputs())
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('::notice::TestMaster does not act on the push event')
    await expectNothingRan()
  })

  it('SECURITY 22: the tokens never reach the logs, the comment or the summary', async () => {
    await setUp()
    scenario.gh.setPermission('maintainer', 'admin')
    const result = await scenario.run(
      'issue_comment',
      scenario.commentPayload('/testmaster help', {}),
      llmInputs()
    )
    // `::add-mask::` is the command that tells the runner to mask the value; it is not printed.
    expect(result.stdout).toContain('::add-mask::sk-e2e-secret')
    const logs = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    for (const secret of ['sk-e2e-secret', 'ghs_e2e_token_value']) {
      expect(logs).not.toContain(secret)
      expect(result.stderr).not.toContain(secret)
      expect(result.summary).not.toContain(secret)
      for (const c of scenario.gh.commentsOn(PR)) expect(c.body).not.toContain(secret)
    }
    expect(scenario.gh.requests.every((r) => r.authorization === 'token ghs_e2e_token_value')).toBe(
      true
    )
  })
})
