import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { addRun, emptyLedger } from '../../src/budget/ledger.js'
import { checkRunContent, postCheckRun } from '../../src/github/check-run.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { checkCommandPermission } from '../../src/github/permissions.js'
import { getPullRequest, setLabel } from '../../src/github/pull-requests.js'
import { react } from '../../src/github/reactions.js'
import {
  buildStickyBody,
  encodeState,
  findStickyComment,
  STICKY_MARKER,
  upsertStickyComment
} from '../../src/github/sticky-comment.js'
import { createVerifiedCommit } from '../../src/github/verified-commit.js'
import type { FakeGitHub } from '../helpers/fake-github-server.js'
import type { WorkRepo } from '../helpers/git-fixtures.js'
import {
  FIXTURE_REPO as repo,
  startPullRequestFixture,
  type PullRequestFixture
} from '../helpers/pull-request-fixture.js'
import { sampleReport } from '../report/sample-report.js'

describe('GitHub API layer against the fake server (OpenAPI-validated)', () => {
  let fixture: PullRequestFixture
  let work: WorkRepo
  let bare: string
  let gh: FakeGitHub
  let client: GitHubClient

  beforeEach(async () => {
    fixture = await startPullRequestFixture('tm-gh-')
    ;({ work, bare, gh } = fixture)
    client = createGitHubClient({ token: 'ghs_test', baseUrl: gh.url, retryBaseMs: 10 })
  })

  afterEach(() => fixture.close())

  it('reads the pull request with its head from the git remote', async () => {
    const pr = await getPullRequest(client, repo, 7)
    expect(pr).toMatchObject({
      number: 7,
      headRef: 'feature',
      baseRef: 'main',
      isFork: false,
      headSha: await work.sha('feature')
    })
    gh.assertValid()
  })

  it('sends the token and honours the base URL', async () => {
    await getPullRequest(client, repo, 7)
    expect(gh.requests[0]?.authorization).toBe('token ghs_test')
  })

  it('finds the sticky comment past 100 comments and updates it in place (no duplicate)', async () => {
    for (let i = 0; i < 130; i++) gh.seedComment(7, `chatter ${i}`)
    const ledger = addRun(emptyLedger(), {
      id: 'gh-1-1',
      costUsd: 0.5,
      at: '2026-01-01T00:00:00.000Z'
    })
    gh.seedComment(7, buildStickyBody('old', { ledger }), {
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    for (let i = 0; i < 5; i++) gh.seedComment(7, `later ${i}`)
    const found = await findStickyComment(client, repo, 7)
    expect(found?.state.ledger.runs).toHaveLength(1)
    expect(found?.stateUnreadable).toBeUndefined()
    const outcome = await upsertStickyComment(
      client,
      repo,
      7,
      buildStickyBody('new', { ledger }),
      found
    )
    expect(outcome.status).toBe('updated')
    expect(gh.commentsOn(7).filter((c) => c.body.startsWith(STICKY_MARKER))).toHaveLength(1)
    expect(
      gh.requests.filter((r) => r.operation?.endsWith('/comments') && r.method === 'GET').length
    ).toBe(2)
    gh.assertValid()
  })

  it('flags our comment when its ledger block is missing or damaged (earlier spend unknown)', async () => {
    gh.seedComment(7, `${STICKY_MARKER}\nhand-edited, ledger gone`, {
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    const found = await findStickyComment(client, repo, 7)
    expect(found?.stateUnreadable).toBe(true)
    expect(found?.state.ledger.runs).toEqual([])
    gh.assertValid()
  })

  it('SECURITY 15: a forged ledger in a person’s comment is ignored', async () => {
    const forged = addRun(emptyLedger(), {
      id: 'gh-9-1',
      costUsd: 0,
      at: '2026-01-01T00:00:00.000Z'
    })
    gh.seedComment(
      7,
      `${STICKY_MARKER}\nall fine\n\n${encodeState({ ledger: forged, prBudgetUsd: 1000 })}`,
      { login: 'mallory', type: 'User' }
    )
    expect(await findStickyComment(client, repo, 7)).toBeUndefined()
    const real = addRun(emptyLedger(), {
      id: 'gh-1-1',
      costUsd: 0.75,
      at: '2026-01-01T00:00:00.000Z'
    })
    gh.seedComment(7, buildStickyBody('ours', { ledger: real }), {
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    const found = await findStickyComment(client, repo, 7)
    expect(found?.state).toEqual({ ledger: real })
  })

  it('retries a 500 on comment creation', async () => {
    gh.addFault('POST', /\/issues\/7\/comments$/, 500, 2)
    const outcome = await upsertStickyComment(
      client,
      repo,
      7,
      buildStickyBody('hello', { ledger: emptyLedger() }),
      undefined
    )
    expect(outcome.status).toBe('created')
    expect(gh.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([
      500, 500, 201
    ])
    // Before each retry the comment was looked for (the 500 might have hidden a create).
    expect(
      gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'))
    ).toHaveLength(2)
    expect(gh.commentsOn(7)).toHaveLength(1)
    gh.assertValid()
  })

  /** The requests of one comment upsert, as `METHOD status`, in order. */
  const commentCalls = () =>
    gh.requests
      .filter((r) => /\/comments/.test(r.path) || r.path === '/user')
      .map((r) => `${r.operation ?? r.method} ${r.status}`)

  it.each([
    ['a 502 after GitHub made the comment', 502 as const],
    ['a dropped connection after GitHub made the comment', 'drop' as const]
  ])(
    '%s: the create is not sent again; the comment is looked up, and there is one',
    async (_name, fault) => {
      gh.addFaultAfterEffect('POST', /\/issues\/7\/comments$/, fault)
      const body = buildStickyBody('hello', { ledger: emptyLedger() })
      const outcome = await upsertStickyComment(client, repo, 7, body, undefined)
      const [comment] = gh.commentsOn(7)
      expect(gh.commentsOn(7)).toHaveLength(1)
      expect(comment?.body).toBe(body)
      expect(outcome).toEqual({
        status: 'created',
        id: comment?.id,
        htmlUrl: expect.stringContaining(`#issuecomment-${comment?.id}`)
      })
      // The lookup asks who the token is (a personal token's comments are not a bot's).
      expect(commentCalls()).toEqual([
        `POST /repos/{owner}/{repo}/issues/{issue_number}/comments ${fault === 'drop' ? 0 : 502}`,
        'GET /user 403',
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200'
      ])
      gh.assertValid()
    }
  )

  it('a failed create whose lookup finds a different body (another run wrote meanwhile) updates it to ours', async () => {
    gh.addFault('POST', /\/issues\/7\/comments$/, 502)
    const other = gh.seedComment(7, buildStickyBody('other run', { ledger: emptyLedger() }), {
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    const body = buildStickyBody('this run', { ledger: emptyLedger() })
    const outcome = await upsertStickyComment(client, repo, 7, body, undefined, 'ci-user')
    expect(outcome).toMatchObject({ status: 'created', id: other })
    expect(gh.commentsOn(7).map((c) => c.body)).toEqual([body])
    // With the token's login given, no GET /user is needed.
    expect(commentCalls()).toEqual([
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments 502',
      'GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200',
      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200'
    ])
    gh.assertValid()
  })

  it('a failed create whose lookup fails too is not sent again (a duplicate is worse than a retry)', async () => {
    gh.addFault('POST', /\/issues\/7\/comments$/, 502)
    gh.addFault('GET', /\/issues\/7\/comments$/, 502, 10)
    await expect(
      upsertStickyComment(
        client,
        repo,
        7,
        buildStickyBody('x', { ledger: emptyLedger() }),
        undefined
      )
    ).rejects.toThrow(/creating the TestMaster comment on #7: 502 injected 502/)
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('a 403 on comment creation ends in a clear GitHubError', async () => {
    gh.readOnly = true
    await expect(upsertStickyComment(client, repo, 7, 'x', undefined)).rejects.toThrow(
      /creating the TestMaster comment on #7: 403/
    )
  })

  it('SECURITY 1-3: permissions come from the collaborator API', async () => {
    gh.setPermission('maint', 'write', 'maintain')
    gh.setPermission('triager', 'read', 'triage')
    gh.setPermission('writer', 'write')
    gh.setPermission('reader', 'read')
    gh.setPermission('nobody', 'none')
    const allowed = ['write', 'maintain', 'admin'] as const
    expect(await checkCommandPermission(client, repo, 'maint', [...allowed])).toEqual({
      allowed: true,
      role: 'maintain'
    })
    expect(await checkCommandPermission(client, repo, 'writer', [...allowed])).toEqual({
      allowed: true,
      role: 'write'
    })
    expect(await checkCommandPermission(client, repo, 'triager', [...allowed])).toEqual({
      allowed: false,
      role: 'triage'
    })
    expect(await checkCommandPermission(client, repo, 'reader', [...allowed])).toEqual({
      allowed: false,
      role: 'read'
    })
    expect(await checkCommandPermission(client, repo, 'nobody', [...allowed])).toEqual({
      allowed: false,
      role: 'none'
    })
    expect(await checkCommandPermission(client, repo, 'stranger', [...allowed])).toEqual({
      allowed: false,
      role: 'none'
    })
    gh.assertValid()
  })

  it('reacts, labels and posts the check run', async () => {
    const id = gh.seedComment(7, '/testmaster help', { login: 'maint' })
    expect(await react(client, repo, id, 'eyes')).toBe(true)
    await setLabel(client, repo, 7, 'testmaster:skip', true)
    expect(gh.labelsOf(7)).toEqual(['testmaster:skip'])
    await setLabel(client, repo, 7, 'testmaster:skip', false)
    await setLabel(client, repo, 7, 'testmaster:skip', false)
    expect(gh.labelsOf(7)).toEqual([])
    const report = sampleReport({
      gate: {
        failed: true,
        reasons: ['the budget ran out (run-usd) before all changed modules were handled']
      }
    })
    await postCheckRun(client, repo, await work.sha('feature'), checkRunContent(report))
    expect(gh.checkRuns[0]).toMatchObject({ name: 'TestMaster budget gate', conclusion: 'failure' })
    expect(gh.checkRuns[0]?.output?.summary).toContain('the budget ran out (run-usd)')
    gh.assertValid()
  })

  it('a check run GitHub created without answering (502, dropped connection) is found by its run id, not posted twice', async () => {
    const sha = await work.sha('feature')
    const content = checkRunContent(sampleReport())
    gh.addFaultAfterEffect('POST', /\/check-runs$/, 502)
    await postCheckRun(client, repo, sha, content, 'gh-9-1')
    gh.addFaultAfterEffect('POST', /\/check-runs$/, 'drop')
    await postCheckRun(client, repo, sha, content, 'gh-9-2')
    expect(gh.checkRuns.map((c) => c.external_id)).toEqual(['gh-9-1', 'gh-9-2'])
    // A 502 before anything was created: looked up, not found, sent again once.
    gh.addFault('POST', /\/check-runs$/, 502, 1)
    await postCheckRun(client, repo, sha, content, 'gh-9-3')
    expect(gh.checkRuns.map((c) => c.external_id)).toEqual(['gh-9-1', 'gh-9-2', 'gh-9-3'])
    gh.assertValid()
  })

  it('the fake server flags a call the real API would not accept (its validation can fail)', async () => {
    await client
      .request('POST /repos/{owner}/{repo}/check-runs', {
        ...repo,
        name: 'x',
        status: 'sleeping'
      } as never)
      .catch(() => undefined)
    await client.request('GET /repos/{owner}/{repo}/no-such-thing', repo).catch(() => undefined)
    expect(gh.validationErrors.join('\n')).toMatch(
      /request POST \/repos\/\{owner\}\/\{repo\}\/check-runs: .*head_sha/
    )
    expect(gh.validationErrors.join('\n')).toContain('no such operation')
    expect(() => gh.assertValid()).toThrow('OpenAPI validation failed')
    gh.validationErrors.length = 0
  })

  it('a reaction that fails does not throw', async () => {
    gh.readOnly = true
    expect(await react(client, repo, 1, 'eyes')).toBe(false)
  })

  it('SECURITY 27: createCommitOnBranch with a stale expectedHeadOid reports head moved and commits nothing', async () => {
    const before = await work.sha('feature')
    const stale = await work.sha('main')
    const moved = await createVerifiedCommit(client, {
      repo,
      branch: 'feature',
      expectedHeadOid: stale,
      files: [{ path: '__tests__/a.test.ts', content: 'test("a", () => {})\n' }],
      headline: 'test: x',
      body: 'b',
      runId: 'gh-1-1'
    })
    expect(moved.status).toBe('head-moved')
    expect((await getPullRequest(client, repo, 7)).headSha).toBe(before)
    const ok = await createVerifiedCommit(client, {
      repo,
      branch: 'feature',
      expectedHeadOid: before,
      files: [{ path: '__tests__/a.test.ts', content: 'test("a", () => {})\n' }],
      headline: 'test: x',
      body: 'b',
      runId: 'gh-1-1'
    })
    expect(ok.status).toBe('committed')
    const pr = await getPullRequest(client, repo, 7)
    expect(pr.headSha).toBe(ok.status === 'committed' ? ok.commitSha : '')
    const message = await work.git('--git-dir', bare, 'log', '-1', '--format=%B', pr.headSha)
    expect(message).toContain('TestMaster-Run: gh-1-1')
  })

  it.each([
    ['answers 502', 502 as const],
    ['drops the connection', 'drop' as const]
  ])(
    'createCommitOnBranch that GitHub carried out, then %s: the branch tip is read, the commit is ours, committed (not a false "head moved")',
    async (_name, fault) => {
      const before = await work.sha('feature')
      gh.addFaultAfterEffect('POST', /^\/graphql$/, fault)
      const outcome = await createVerifiedCommit(client, {
        repo,
        branch: 'feature',
        expectedHeadOid: before,
        files: [{ path: '__tests__/a.test.ts', content: 'test("a", () => {})\n' }],
        headline: 'test: x',
        body: 'b',
        runId: 'gh-1-1'
      })
      const tip = (await getPullRequest(client, repo, 7)).headSha
      expect(outcome).toEqual({ status: 'committed', commitSha: tip })
      expect(await work.git('--git-dir', bare, 'rev-parse', `${tip}^`)).toBe(before)
      expect(gh.graphqlCalls).toHaveLength(1)
      expect(gh.requests.map((r) => `${r.operation ?? r.method} ${r.status}`)).toEqual([
        `graphql ${fault === 'drop' ? 0 : 502}`,
        'GET /repos/{owner}/{repo}/git/ref/{ref} 200',
        'GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200',
        'GET /repos/{owner}/{repo}/pulls/{pull_number} 200'
      ])
      gh.assertValid()
    }
  )

  it('createCommitOnBranch that failed before committing: the tip is not ours, so it is sent again', async () => {
    const before = await work.sha('feature')
    gh.addFault('POST', /^\/graphql$/, 502)
    const outcome = await createVerifiedCommit(client, {
      repo,
      branch: 'feature',
      expectedHeadOid: before,
      files: [{ path: '__tests__/a.test.ts', content: 'test("a", () => {})\n' }],
      headline: 'test: x',
      body: 'b',
      runId: 'gh-1-1'
    })
    expect(outcome.status).toBe('committed')
    expect(gh.graphqlCalls).toHaveLength(1)
    expect(gh.requests.map((r) => `${r.operation ?? r.method} ${r.status}`)).toEqual([
      'graphql 502',
      'GET /repos/{owner}/{repo}/git/ref/{ref} 200',
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200',
      'graphql 200'
    ])
    gh.assertValid()
  })
})
