import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { decodeState } from '../../src/github/sticky-comment.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { createScenario, finishScenario, PR, stickies, type Scenario } from './scenario.js'

/**
 * Delivery paths run as `node dist/index.js` against the fake GitHub server and a bare remote:
 * the side pull request, and a comment create that GitHub carried out but did not answer.
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
    ['answers 502', 502 as const],
    ['drops the connection', 'drop' as const]
  ])(
    'GitHub creates the comment, then %s: the comment is looked up, not posted again; one comment with this run’s body',
    async (_name, fault) => {
      scenario = await createScenario()
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
      expect(sticky?.body.split('\n')[1]).toMatch(/^✅ \*\*TestMaster\*\* added \d+ test\(s\)/)
      expect(decodeState(sticky?.body ?? '')?.ledger.runs.map((r) => r.id)).toEqual(['gh-4242-1'])
      expect(result.outputs['comment-url']).toContain(`#issuecomment-${sticky?.id}`)
      expect(result.stdout).toContain('TestMaster comment created')
      expect(result.stdout).not.toContain('could not be written')
      const report = await readReport(result.outputs['report-path'])
      expect(report.delivery.status).toBe('delivered')
    }
  )
})
