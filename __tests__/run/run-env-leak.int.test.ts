import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Report } from '../../src/report/report-schema.js'
import { scanTestCode } from '../../src/llm/scan-output.js'
import { FakeOpenAiServer, fencedAnswer } from '../helpers/fake-openai-server.js'
import { answer, couponModule, requestInfo } from './llm-scenarios.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/**
 * SECURITY 18 end to end. The output scan is the first line of defence and a pattern matcher: a
 * model can reach the environment in a way it does not know (here `globalThis` copied to a
 * variable, then indexed with computed names). The second line is the scrubbed environment of
 * the test process. This test lets such a candidate through the scan, makes it fail with the
 * environment it saw in its assertion message, and checks that what flows onward (the heal
 * request the server receives, the report, the session record) holds no secret of the parent
 * process, while a harmless variable does come through (so the dump really flowed).
 */

const API_KEY = 'sk-env-leak-test-key-0123456789'
const SECRETS: Record<string, string> = {
  OPENAI_API_KEY: API_KEY,
  GITHUB_TOKEN: 'ghs_parentGithubToken0123456789abcdef',
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-token-value-0123456789',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'actions-id-token-request-value-0123456789',
  'INPUT_API-KEY': API_KEY,
  'INPUT_GITHUB-TOKEN': 'ghs_inputGithubToken0123456789abcdef',
  'INPUT_BUDGET-RUN-USD': 'input-value-budget-0123456789',
  INPUT_MODEL: 'input-value-model-0123456789'
}
const CANARY = { name: 'TM_VISIBLE_CANARY', value: 'visible-canary-4711' }

/**
 * Reaches `process.env` without naming it and fails with what it found in the message (an `Error`,
 * whose message is the first line of the failure: it reaches the report's rejection reason too,
 * where a matcher's or node:assert's failure shows its hint line first). The names and values it
 * looks for are regular expressions, which the scan's sensitive-text rule does not read.
 */
function leakyTest(specifier: string): string {
  return `import { it, expect } from '@jest/globals'
import { probePercent } from '${specifier}'

const scope: Record<string, any> = globalThis
const host = scope['pro' + 'cess']
const vars: Record<string, string> = host['en' + 'v']
const dump = Object.entries(vars).filter(
  ([name, value]) =>
    /TOKEN|KEY|INPUT|SECRET|OPENAI|ACTIONS|GITHUB|CANARY/i.test(name) ||
    /sk-env|ghs_|actions-|input-value|canary/i.test(value)
)

it('gives the percent of a SAVE code', () => {
  expect(probePercent('SAVE10')).toBe(10)
  if (dump.length > 0) throw new Error('environment: ' + JSON.stringify(dump))
})`
}

describe('run() with the LLM: SECURITY 18, a test that dodges the output scan', () => {
  let project: RunProject
  let server: FakeOpenAiServer
  let report: Report
  const saved = new Map<string, string | undefined>()

  beforeAll(async () => {
    for (const name of [...Object.keys(SECRETS), CANARY.name]) saved.set(name, process.env[name])
    Object.assign(process.env, SECRETS, { [CANARY.name]: CANARY.value })
    server = await FakeOpenAiServer.start({
      // the same test again when asked to heal it: rejected at heals with its failure
      script: (request) => answer(fencedAnswer(leakyTest(requestInfo(request).specifier)))
    })
    project = await createRunProject({
      framework: 'jest',
      base: {
        'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b\n}\n',
        'tests/math.test.ts': `${globalsImport('jest')}
import { add } from '../src/math.js'

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })
})
`
      },
      head: { 'src/probe.ts': couponModule('probe') }
    })
    report = await project.run(
      {
        llm: { provider: 'openai', baseUrl: server.baseUrl, model: 'gpt-4.1-mini' },
        depth: 'low',
        maxHealingRounds: 1,
        stabilityRuns: 1,
        budget: { runUsd: 1 },
        sessionDir: join(project.sandbox.root, 'sessions')
      },
      { apiKey: API_KEY }
    )
  }, 300_000)

  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    await server?.close()
    await project?.remove()
  })

  it('SECURITY 18: the candidate passes the output scan (the indirection it uses is unknown to it)', () => {
    expect(scanTestCode(leakyTest('../src/probe.js'))).toEqual({ status: 'clean' })
    const candidates = report.modules[0]?.candidates.filter((c) => c.strategy === 'llm')
    expect(candidates).toEqual([
      expect.objectContaining({
        healingRounds: 1,
        verdict: {
          status: 'rejected',
          gate: 'heals',
          reason: expect.stringContaining(CANARY.value)
        }
      })
    ])
  })

  it('SECURITY 18: no secret of the parent environment reaches the heal request, the report or the session record', async () => {
    const heals = server.log.filter(
      (e) =>
        e.request.path.endsWith('/chat/completions') && requestInfo(e.request).purpose === 'heal'
    )
    expect(heals).toHaveLength(1)
    const healRequest = JSON.stringify(heals[0]!.request.body)
    // the dump flowed: the test saw the environment and its failure went to the healer
    expect(healRequest).toContain('environment: ')
    expect(healRequest).toContain(CANARY.value)
    const reportJson = JSON.stringify(report)
    expect(reportJson).toContain(CANARY.value)
    const session = await readFile(
      join(project.sandbox.root, 'sessions', 'session-run-test.json'),
      'utf8'
    )
    for (const [name, value] of Object.entries(SECRETS)) {
      for (const [where, text] of [
        ['heal request', healRequest],
        ['report', reportJson],
        ['session record', session]
      ] as const) {
        expect({ where, name, leaked: text.includes(value) }).toEqual({
          where,
          name,
          leaked: false
        })
      }
      expect({ name, inHealRequest: healRequest.includes(`${name}\\"`) }).toEqual({
        name,
        inHealRequest: false
      })
    }
  })
})
