import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { deliverTests } from '../../src/action/deliver.js'
import { SettingsSchema } from '../../src/config/schema.js'
import { createGitHubClient } from '../../src/github/client.js'
import { checkoutDetached, fetchPullRequest } from '../../src/git/pull-request-checkout.js'
import { FakeGitHub } from '../helpers/fake-github-server.js'
import {
  createBareOrigin,
  createGitSandbox,
  createWorkRepo,
  fullClone,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'
import { sampleReport } from '../report/sample-report.js'

describe('deliverTests on a real remote', () => {
  let sandbox: GitSandbox
  let dev: WorkRepo
  let workspace: WorkRepo
  let origin: string
  let gh: FakeGitHub
  let head: string
  const testFile = '__tests__/math.testmaster.test.ts'

  beforeEach(async () => {
    sandbox = await createGitSandbox('tm-deliver-')
    dev = await createWorkRepo(
      sandbox,
      { 'src/math.ts': 'export const add = (a: number, b: number) => a + b\n' },
      'dev'
    )
    await dev.checkout('feature', { create: true })
    head = await dev.commit('pr', {
      'src/math.ts': 'export const add = (a: number, b: number) => b + a\n'
    })
    origin = await createBareOrigin(sandbox, dev)
    gh = await FakeGitHub.start({
      owner: 'acme',
      repo: 'widgets',
      bareRepo: origin,
      gitEnv: sandbox.env
    })
    await gh.addPullRequest({ number: 2, headRef: 'feature', baseRef: 'main' })
    workspace = await fullClone(sandbox, origin, 'workspace')
    await fetchPullRequest(workspace.dir, {
      number: 2,
      baseRef: 'main',
      baseSha: await dev.sha('main'),
      headSha: head
    })
    await checkoutDetached(workspace.dir, head)
    await workspace.write({ [testFile]: 'test("adds", () => {})\n' })
  })

  afterEach(async () => {
    await gh.close()
    await sandbox.cleanup()
  })

  const options = (currentHeadSha?: () => Promise<string>) => ({
    report: sampleReport(),
    settings: SettingsSchema.parse({}),
    client: createGitHubClient({ token: 't', baseUrl: gh.url }),
    repo: { owner: 'acme', repo: 'widgets' },
    pullRequest: {
      number: 2,
      draft: false,
      headSha: head,
      headRef: 'feature',
      baseSha: 'a'.repeat(40),
      baseRef: 'main',
      isFork: false,
      maintainerCanModify: false,
      labels: []
    },
    pinnedSha: head,
    workspace: workspace.dir,
    runId: 'gh-8-1',
    ...(currentHeadSha ? { currentHeadSha } : {})
  })

  it('SECURITY 11: a command run whose PR head moved since the command pushes nothing and says so', async () => {
    const moved = 'c'.repeat(40)
    const delivered = await deliverTests(options(async () => moved))
    expect(delivered.report.delivery).toMatchObject({ mode: 'commit', status: 'head-moved' })
    expect(delivered.report.delivery.detail).toContain(
      `moved from ${head.slice(0, 12)} to cccccccccccc`
    )
    expect(delivered.testsInComment).toBe(true)
    expect((await dev.git('ls-remote', 'origin', 'refs/heads/feature')).split('\t')[0]).toBe(head)
  })

  it('commits and pushes when the head is where the command found it, and marks the deliver stage', async () => {
    const delivered = await deliverTests(options(async () => head))
    expect(delivered.report.delivery.status).toBe('delivered')
    const remote = (await dev.git('ls-remote', 'origin', 'refs/heads/feature')).split('\t')[0]
    expect(delivered.report.delivery.commitSha).toBe(remote)
    expect(delivered.report.stages.find((s) => s.name === 'deliver')).toEqual({
      name: 'deliver',
      status: 'ran',
      detail: 'commit: delivered'
    })
    expect(
      await dev.git('--git-dir', origin, 'show', '--name-only', '--format=%s', remote ?? '')
    ).toBe(`test: add generated tests for 1 module(s)\n\n${testFile}`)
  })

  it('tests already on the branch: nothing pushed, and the reason says whether this run accepted any', async () => {
    const first = await deliverTests(options(async () => head))
    const pushed = first.report.delivery.commitSha ?? ''
    await workspace.git('fetch', '-q', 'origin', 'feature')
    await checkoutDetached(workspace.dir, pushed)
    const again = (report: ReturnType<typeof sampleReport>) =>
      deliverTests({ ...options(async () => pushed), report, pinnedSha: pushed })
    const same = await again(first.report)
    expect(same.report.delivery).toMatchObject({
      status: 'nothing-to-deliver',
      detail: 'the accepted tests are already on the branch'
    })
    // Only the earlier tests, re-run and kept: no test of this run was accepted.
    const onlyPrevious = sampleReport()
    const earlier = {
      ...onlyPrevious,
      modules: onlyPrevious.modules.map((m) => ({
        ...m,
        candidates: m.candidates.map((c) => ({ ...c, id: 'previous' }))
      }))
    }
    expect((await again(earlier)).report.delivery).toMatchObject({
      status: 'nothing-to-deliver',
      detail:
        'no new test was accepted; the tests TestMaster committed earlier are on the branch unchanged'
    })
    expect((await dev.git('ls-remote', 'origin', 'refs/heads/feature')).split('\t')[0]).toBe(pushed)
  })

  describe('delivery pull-request: the side branch and its pull request', () => {
    const side = 'testmaster/pr-2'
    const remoteRef = async (ref: string) =>
      (await dev.git('ls-remote', 'origin', ref)).split('\t')[0] || undefined
    const deliverSide = async (pinned = head, code?: string, signoff = false) => {
      const base = options()
      const report = sampleReport()
      return deliverTests({
        ...base,
        settings: SettingsSchema.parse({ delivery: 'pull-request', github: { signoff } }),
        report: code ? { ...report, tests: report.tests.map((t) => ({ ...t, code })) } : report,
        pullRequest: { ...base.pullRequest, headSha: pinned },
        pinnedSha: pinned
      })
    }
    const pullRequestCalls = () =>
      gh.requests
        .filter((r) => r.path.includes('/pulls'))
        .map((r) => `${r.operation ?? r.method} ${r.status}`)

    it('pushes testmaster/pr-<n> on the PR head and opens one pull request onto the PR branch', async () => {
      const delivered = await deliverSide()
      const tip = await remoteRef(`refs/heads/${side}`)
      expect(delivered.report.delivery).toEqual({
        mode: 'pull-request',
        status: 'delivered',
        commitSha: tip,
        branch: side,
        pullRequestUrl: 'https://github.com/acme/widgets/pull/101',
        detail: `opened from ${side} at ${tip?.slice(0, 12)}`,
        files: [testFile]
      })
      expect(delivered.testsInComment).toBe(false)
      expect(await dev.git('--git-dir', origin, 'rev-parse', `${tip}^`)).toBe(head)
      expect(await remoteRef('refs/heads/feature')).toBe(head)
      expect(gh.createdPulls).toEqual([
        expect.objectContaining({ number: 101, head: side, base: 'feature', state: 'open' })
      ])
      expect(gh.createdPulls[0]?.body).toContain('Merge this into #2 to add the tests.')
      gh.assertValid()
    })

    it('github.signoff: the side branch commit is signed off by the bot too', async () => {
      await deliverSide(head, undefined, true)
      expect(
        await dev.git('--git-dir', origin, 'log', '-1', '--format=%B', `refs/heads/${side}`)
      ).toMatch(/TestMaster-Run: gh-8-1\nSigned-off-by: github-actions\[bot\] </)
    })

    it('a re-run with the same tests on the same head pushes nothing and updates the same pull request', async () => {
      await deliverSide()
      const tip = await remoteRef(`refs/heads/${side}`)
      gh.requests.length = 0
      const again = await deliverSide()
      expect(await remoteRef(`refs/heads/${side}`)).toBe(tip)
      expect(again.report.delivery).toMatchObject({
        status: 'delivered',
        commitSha: tip,
        pullRequestUrl: 'https://github.com/acme/widgets/pull/101',
        detail: `updated; ${side} already holds these tests at ${tip?.slice(0, 12)}`
      })
      expect(pullRequestCalls()).toEqual([
        'GET /repos/{owner}/{repo}/pulls 200',
        'PATCH /repos/{owner}/{repo}/pulls/{pull_number} 200'
      ])
      expect(gh.createdPulls).toHaveLength(1)
      gh.assertValid()
    })

    it('a re-run after the PR head moved replaces the side branch commit (on the new head) and updates the same pull request', async () => {
      await deliverSide()
      const first = await remoteRef(`refs/heads/${side}`)
      await dev.checkout('feature')
      const newHead = await dev.commit('more', { 'src/more.ts': 'export const more = 1\n' })
      await dev.git('push', '-q', 'origin', 'feature')
      await workspace.git('fetch', '-q', 'origin', 'feature')
      const again = await deliverSide(newHead, 'test("adds again", () => {})\n')
      const tip = await remoteRef(`refs/heads/${side}`)
      expect(tip).not.toBe(first)
      expect(await dev.git('--git-dir', origin, 'rev-parse', `${tip}^`)).toBe(newHead)
      expect(again.report.delivery.detail).toBe(
        `updated from ${side} at ${tip?.slice(0, 12)}, which replaces the earlier run’s commit`
      )
      expect(gh.createdPulls).toEqual([expect.objectContaining({ number: 101, state: 'open' })])
      gh.assertValid()
    })

    it('a person’s commit on the side branch is never overwritten: nothing pushed, the tests go in the comment', async () => {
      await deliverSide()
      const person = await fullClone(sandbox, origin, 'person')
      await person.checkout(side)
      const theirs = await person.commit('fix the generated test', {
        [testFile]: 'test("fixed by hand", () => {})\n'
      })
      await person.git('push', '-q', 'origin', side)
      gh.requests.length = 0
      const again = await deliverSide(head, 'test("other", () => {})\n')
      expect(await remoteRef(`refs/heads/${side}`)).toBe(theirs)
      expect(again.report.delivery.status).toBe('failed')
      expect(again.report.delivery.detail).toMatch(
        new RegExp(
          `^${side} has a commit by .+ \\(${theirs.slice(0, 12)}\\) on top of TestMaster's; not overwriting it`
        )
      )
      expect(again.testsInComment).toBe(true)
      expect(pullRequestCalls()).toEqual([])
    })

    it.each([
      ['answers 502', 502 as const],
      ['drops the connection', 'drop' as const]
    ])(
      'GitHub opens the pull request, then %s: it is looked up, not opened twice',
      async (_name, fault) => {
        gh.addFaultAfterEffect('POST', /\/pulls$/, fault)
        const delivered = await deliverSide()
        expect(delivered.report.delivery).toMatchObject({
          status: 'delivered',
          pullRequestUrl: 'https://github.com/acme/widgets/pull/101'
        })
        expect(gh.createdPulls).toHaveLength(1)
        expect(pullRequestCalls()).toEqual([
          'GET /repos/{owner}/{repo}/pulls 200',
          `POST /repos/{owner}/{repo}/pulls ${fault === 'drop' ? 0 : 502}`,
          'GET /repos/{owner}/{repo}/pulls 200'
        ])
        gh.assertValid()
      }
    )
  })
})
