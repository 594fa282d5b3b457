import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { decodeState } from '../../src/github/sticky-comment.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { createScenario, finishScenario, stickies, type Scenario } from './scenario.js'

/**
 * The red-team findings against the action's own process (SECURITY 34 and 36-40), each run as the
 * real attack against `node dist/index.js`, the fake GitHub and LLM servers and a bare remote.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

describe('action e2e: guards around the action’s own process', () => {
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

  it('SECURITY 38: usage with a non-numeric cached count and negative tokens charges the reservation; spend is a number and the ledger has the run', async () => {
    scenario = await createScenario()
    openai = await FakeOpenAiServer.start({
      script: [
        {
          content: 'no code here',
          usageFields: {
            prompt_tokens: -4000,
            completion_tokens: -1,
            prompt_tokens_details: { cached_tokens: 'lots' }
          }
        }
      ]
    })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    expect(openai.requestCount).toBeGreaterThan(0)
    const report = await readReport(result.outputs['report-path'])
    expect(Number.isFinite(report.budget.spentUsd)).toBe(true)
    expect(report.budget.spentUsd).toBeGreaterThan(0)
    const answered = openai.log.filter((entry) => entry.outcome === 'answered')
    expect(report.budget.overruns).toHaveLength(answered.length)
    for (const overrun of report.budget.overruns)
      expect(overrun).toMatch(
        /usage\.prompt_tokens is -4000, not a token count\); charged the reservation/
      )
    const state = decodeState(stickies(scenario)[0]?.body ?? '')
    expect(state?.ledger.runs).toEqual([
      expect.objectContaining({ id: 'gh-4242-1', costUsd: report.budget.spentUsd })
    ])
  })

  it('SECURITY 40: /testmaster regenerate --budget 100000 is clamped to the workflow’s max-cost-usd when no base config sets a cap', async () => {
    scenario = await createScenario()
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario.gh.setPermission('maintainer', 'write', 'maintain')
    const payload = scenario.commentPayload('/testmaster regenerate --budget 100000', {})
    const result = await scenario.run('issue_comment', payload, {
      'dry-run': 'true',
      'max-cost-usd': '1',
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    expect(report.budget.limits.runUsd).toBe(1)
    expect(report.clamps).toEqual([
      { option: 'max-cost-usd', requested: 100000, cap: 1, source: 'command' }
    ])
    expect(result.stdout).toContain('the command asked for max-cost-usd 100000; clamped to 1')
    expect(stickies(scenario)[0]?.body).toContain(
      'the command asked for max-cost-usd 100000, clamped to the workflow'
    )
    expect(openai.requestCount).toBe(0)
  })
})
