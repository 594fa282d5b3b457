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
})
