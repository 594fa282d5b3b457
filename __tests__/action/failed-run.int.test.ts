import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { recordFailedRunSpend } from '../../src/action/failed-run.js'
import { addRun, emptyLedger, ledgerTotal } from '../../src/budget/ledger.js'
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import {
  buildStickyBody,
  decodeState,
  findStickyComment,
  STICKY_MARKER
} from '../../src/github/sticky-comment.js'
import type { FakeGitHub } from '../helpers/fake-github-server.js'
import {
  FIXTURE_REPO as repo,
  startPullRequestFixture,
  type PullRequestFixture
} from '../helpers/pull-request-fixture.js'

/**
 * A run that throws after it has spent (issue 5, "hard budget"): the spend still reaches the PR
 * ledger, so the next run's PR budget counts it. Against the OpenAPI-checked fake GitHub.
 */

const BOT = { login: 'github-actions[bot]', type: 'Bot' as const }

describe('recordFailedRunSpend', () => {
  let fixture: PullRequestFixture
  let gh: FakeGitHub
  let client: GitHubClient

  beforeEach(async () => {
    fixture = await startPullRequestFixture('tm-failed-run-')
    gh = fixture.gh
    client = createGitHubClient({ token: 'ghs_test', baseUrl: gh.url, retryBaseMs: 10 })
  })

  afterEach(() => fixture.close())

  it('adds the failed run to the ledger of the existing comment and says the run failed', async () => {
    const earlier = addRun(emptyLedger(), {
      id: 'gh-1-1',
      costUsd: 0.1,
      at: '2026-01-01T00:00:00.000Z'
    })
    gh.seedComment(7, buildStickyBody('the last report', { ledger: earlier, prBudgetUsd: 2 }), BOT)
    const sticky = await findStickyComment(client, repo, 7)
    await recordFailedRunSpend(client, repo, 7, sticky, sticky!.state, {
      runId: 'gh-2-1',
      message: 'ENOSPC: no space left on device, write\n    at stack',
      spentUsd: 0.05,
      prBudgetUsd: 2,
      secrets: [undefined, 'ghs_test']
    })
    const comments = gh.commentsOn(7).filter((c) => c.body.startsWith(STICKY_MARKER))
    expect(comments).toHaveLength(1)
    const body = comments[0]!.body
    const state = decodeState(body)
    expect(state?.prBudgetUsd).toBe(2)
    expect(state?.ledger.runs.map((r) => [r.id, r.costUsd])).toEqual([
      ['gh-1-1', 0.1],
      ['gh-2-1', 0.05]
    ])
    expect(ledgerTotal(state!.ledger)).toBeCloseTo(0.15, 10)
    expect(body).toContain(
      '❌ **TestMaster** run gh-2-1 failed after spending up to $0.0500: ENOSPC: no space left on device, write'
    )
    expect(body).not.toContain('at stack')
    expect(body).toContain('$0.1500 of the $2.00 PR budget over 2 run(s)')
    expect(body).not.toContain('the last report')
    gh.assertValid()
  })

  it('creates the comment when there was none', async () => {
    await recordFailedRunSpend(
      client,
      repo,
      7,
      undefined,
      { ledger: emptyLedger() },
      { runId: 'gh-1-1', message: 'boom', spentUsd: 0.2, prBudgetUsd: undefined, secrets: [] }
    )
    const found = await findStickyComment(client, repo, 7, 'github-actions[bot]')
    expect(found?.state.ledger.runs.map((r) => r.costUsd)).toEqual([0.2])
    expect(found?.body).toContain('$0.2000 PR budget over 1 run(s)')
    gh.assertValid()
  })

  it('SECURITY 22: the key and the token in the error never reach the comment', async () => {
    await recordFailedRunSpend(
      client,
      repo,
      7,
      undefined,
      { ledger: emptyLedger() },
      {
        runId: 'gh-1-1',
        message:
          'request to https://proxy-user:proxy-pass@llm.example/v1 with sk-live-123 failed (token ghs_test)',
        spentUsd: 0.01,
        prBudgetUsd: undefined,
        secrets: ['sk-live-123', 'ghs_test']
      }
    )
    const [comment] = gh.commentsOn(7)
    // Escaped for markdown, so it shows as `***`.
    expect(comment?.body).toContain('with \\*\\*\\* failed \\(token \\*\\*\\*\\)')
    expect(comment?.body).not.toMatch(/sk-live-123|ghs_test|proxy-user|proxy-pass/)
    expect(comment?.body).toContain('https://\\*\\*\\*&#64;llm.example/v1')
  })

  it('never throws when the comment cannot be written (a read-only token)', async () => {
    gh.readOnly = true
    await expect(
      recordFailedRunSpend(
        client,
        repo,
        7,
        undefined,
        { ledger: emptyLedger() },
        { runId: 'gh-1-1', message: 'boom', spentUsd: 0.2, prBudgetUsd: undefined, secrets: [] }
      )
    ).resolves.toBeUndefined()
    expect(gh.commentsOn(7)).toEqual([])
  })
})
