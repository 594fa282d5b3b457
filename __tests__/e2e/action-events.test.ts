import { afterEach, describe, expect, it } from '@jest/globals'
import { readBotTrailer } from '../../src/git/bot-trailer.js'
import {
  createScenario,
  finishScenario,
  PR,
  stickies,
  type Scenario,
  type ScenarioOptions
} from './scenario.js'

/**
 * Which `pull_request` actions start a run, and what drafts do, run as `node dist/index.js`
 * against the fake GitHub server and a bare remote (offline explorer).
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

describe('action e2e: pull_request actions and drafts', () => {
  let scenario: Scenario | undefined
  afterEach(async () => {
    const current = scenario
    scenario = undefined
    await finishScenario(current, undefined)
  })

  const refs = (s: Scenario) =>
    s.dev.git('--git-dir', s.origin, 'for-each-ref', '--format=%(refname) %(objectname)')

  /** Runs one event and checks that a whole run happened: tests pushed, comment, check run. */
  const expectRun = async (
    action: string,
    options: { draft?: boolean; scenario?: ScenarioOptions } = {}
  ) => {
    const s = (scenario = await createScenario(options.scenario))
    const head = await s.remoteSha('refs/heads/feature')
    const result = await s.run(
      'pull_request',
      await s.pullRequestPayload(action, { draft: options.draft ?? false }),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toContain('::notice::TestMaster ignores')
    expect(result.stdout).not.toContain('is a draft')
    expect(Number(result.outputs['tests-accepted'])).toBeGreaterThan(0)
    const pushed = await s.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(pushed)
    expect(await s.dev.git('--git-dir', s.origin, 'rev-parse', `${pushed}^`)).toBe(head)
    expect(
      readBotTrailer(await s.dev.git('--git-dir', s.origin, 'log', '-1', '--format=%B', pushed))
    ).toBe('gh-4242-1')
    expect(stickies(s)).toHaveLength(1)
    // The budget gate on the tested commit and on the bot's commit, the PR head now.
    expect(s.gh.checkRuns).toEqual([
      expect.objectContaining({ name: 'TestMaster budget gate', head_sha: head }),
      expect.objectContaining({ name: 'TestMaster budget gate', head_sha: pushed })
    ])
  }

  /** Runs one event and checks that nothing ran: a notice, exit 0, no API write, no push. */
  const expectNoRun = async (action: string, draft: boolean, notice: string) => {
    const s = (scenario = await createScenario())
    const before = await refs(s)
    const result = await s.run('pull_request', await s.pullRequestPayload(action, { draft }), FAST)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`::notice::${notice}`)
    expect(s.gh.writes()).toEqual([])
    expect(s.gh.commentsOn(PR)).toEqual([])
    expect(await refs(s)).toBe(before)
    // The PR's code was never checked out: the workspace is still on main.
    expect(await s.workspace.git('rev-parse', 'HEAD')).toBe(await s.remoteSha('refs/heads/main'))
  }

  it('a draft opened under the default github.skip-drafts: a notice, no run', async () => {
    await expectNoRun(
      'opened',
      true,
      'The pull request is a draft: TestMaster runs when it is ready for review.'
    )
  })

  it('a PR turned into a draft (converted_to_draft) is not an action TestMaster runs on', async () => {
    await expectNoRun(
      'converted_to_draft',
      true,
      'TestMaster ignores pull_request action converted_to_draft.'
    )
  })

  it('ready_for_review (the draft is ready) runs', async () => {
    await expectRun('ready_for_review')
  })

  it('reopened runs', async () => {
    await expectRun('reopened')
  })

  it('a draft with github.skip-drafts: false in the base config runs', async () => {
    await expectRun('opened', {
      draft: true,
      scenario: { config: 'github:\n  skip-drafts: false\n' }
    })
  })
})
