import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import {
  createScenario,
  finishScenario,
  MODEL_ONLY,
  OWNER,
  PR,
  REPO,
  stickies,
  webhookExample,
  type Scenario
} from './scenario.js'

/**
 * What the pull request's people see, from full runs of `node dist/index.js` against the fake
 * GitHub server and a bare remote: the gate on the commit that becomes the head, outputs that agree
 * with the check, the model kept from fork code, and messages that name what the user set.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

describe('action e2e: the signals a pull request gets', () => {
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

  it('the budget gate lands on the tested commit and on the commit the bot pushed; the bot’s own push event adds no second check', async () => {
    scenario = await createScenario()
    const tested = await scenario.remoteSha('refs/heads/feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    const pushed = await scenario.remoteSha('refs/heads/feature')
    expect(pushed).not.toBe(tested)
    expect(result.outputs['commit-sha']).toBe(pushed)
    // The log names the commit and the branch it went to.
    expect(result.stdout).toContain(
      `delivery (commit): delivered commit ${pushed.slice(0, 12)} to feature`
    )
    expect(scenario.gh.checkRuns.map((c) => [c.head_sha, c.conclusion])).toEqual([
      [tested, 'success'],
      [pushed, 'success']
    ])
    expect(scenario.gh.checkRuns[1]?.output).toEqual(scenario.gh.checkRuns[0]?.output)

    // A token that starts workflows on the bot's push: the head is ours, its gate is already there.
    const again = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      FAST,
      '4243'
    )
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('The head commit is TestMaster’s own')
    expect(scenario.gh.checkRuns).toHaveLength(2)
  })

  it('a dry run over what is left of the PR budget: budget-exceeded=true like the check, and the raise command is named once', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario()
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      'dry-run': 'true',
      'fail-on': 'budget-exceeded',
      'pr-budget-usd': '0.000001',
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    expect(result.exitCode).toBe(1)
    expect(openai.requestCount).toBe(0)
    expect(result.outputs['budget-exceeded']).toBe('true')
    const [check] = scenario.gh.checkRuns
    expect(check).toMatchObject({ conclusion: 'failure' })
    expect(check?.output?.title).toMatch(/over budget$/)
    expect(check?.output?.summary?.match(/\/testmaster budget/g)).toHaveLength(1)
    const sticky = stickies(scenario)[0]?.body ?? ''
    expect(sticky).toContain(
      'A maintainer can raise the pull request budget with `/testmaster budget USD`.'
    )
    expect(sticky).not.toContain('\\`')
  })

  it('a fork PR with the key in the job and allow-forks off: no model call, the explorer’s tests, and a summary that says where they are', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario({ fork: true, readOnly: true })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e-fork',
      'base-url': openai.baseUrl
    })
    expect(result.exitCode).toBe(0)
    expect(openai.requestCount).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    expect(report.provider).toBe('explorer')
    expect(report.llmCalls).toEqual([])
    expect(report.totals.accepted).toBeGreaterThan(0)
    // The read-only token cannot comment: the summary carries everything, and never points at a comment.
    expect(result.summary).toContain('`github.allow-forks` is off, so the model was not used')
    expect(result.summary).toContain('the generated tests are below instead')
    expect(result.summary).toContain('the result is in this job summary')
    expect(result.summary).not.toContain('in this comment')
    expect(result.summary).toContain(report.tests[0]?.code.split('\n')[0] ?? '???')
  })

  it('a limit that stops the run is named as the user set it, as code, and a finding under fail-on never leaves the check neutral', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario(MODEL_ONLY)
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl,
      'pr-budget-usd': '0.000001'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs['budget-exceeded']).toBe('true')
    const report = await readReport(result.outputs['report-path'])
    expect(report.budget.stoppedBy).toBe('pr-usd')
    const sticky = stickies(scenario)[0]?.body ?? ''
    expect(sticky).toContain(
      'The limit set by the input `pr-budget-usd` stopped the run before every changed module was handled.'
    )
    expect(sticky).not.toMatch(/pr-usd limit|\\`/)
    const [check] = scenario.gh.checkRuns
    expect(check).toMatchObject({ conclusion: 'neutral' })
    expect(check?.output?.summary).toContain('the budget ran out (the input `pr-budget-usd`)')
    expect(check?.output?.summary).toContain('The job itself passes: `fail-on` is "never".')
  })

  it('a dispatch whose sha is not the head runs nothing, and says so on the pull request', async () => {
    scenario = await createScenario()
    const refsBefore = await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')
    const payload = webhookExample('workflow_dispatch')
    payload.repository = {
      ...payload.repository,
      name: REPO,
      full_name: `${OWNER}/${REPO}`,
      owner: { ...payload.repository.owner, login: OWNER }
    }
    payload.inputs = { 'pr-number': String(PR), sha: 'deadbeefdeadbeef' }
    const result = await scenario.run('workflow_dispatch', payload, FAST)
    expect(result.exitCode).toBe(0)
    expect(await scenario.dev.git('--git-dir', scenario.origin, 'for-each-ref')).toBe(refsBefore)
    expect(scenario.gh.checkRuns).toEqual([])
    const said = scenario.gh.commentsOn(PR).map((c) => c.body)
    expect(said).toHaveLength(1)
    expect(said[0]).toMatch(
      /^> ⏸️ \*\*TestMaster did not run\*\*: the pull request head is [0-9a-f]{12}, not the deadbeefdead this run was asked for; nothing ran\. Dispatch the workflow again/
    )
  })
})
