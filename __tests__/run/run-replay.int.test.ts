import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Report } from '../../src/report/report-schema.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { FakeOpenAiServer, fencedAnswer } from '../helpers/fake-openai-server.js'
import { answer, couponModule, goodTest, healed, requestInfo } from './llm-scenarios.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/**
 * A session recorded in one checkout replays in another: a user reproduces a CI run on their own
 * machine, where the repository lives at another path. Each `createRunProject` is a fresh sandbox
 * with its own absolute root, so every path the prompts carry must be relative to the repo or the
 * replayed requests would not match the recorded ones (the heal prompt quotes the failure output).
 */

const BASE = {
  'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b\n}\n',
  'tests/math.test.ts': `${globalsImport('jest')}
import { add } from '../src/math.js'

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })
})
`
}
const HEAD = { 'src/clean.ts': couponModule('clean'), 'src/heal.ts': couponModule('heal') }
const COMMON = { depth: 'low', stabilityRuns: 1, concurrency: 2, budget: { runUsd: 1 } } as const

interface SessionLike {
  conversations: { purpose: string; request: { messages: { content: string }[] } }[]
}

async function healPrompts(file: string): Promise<string[]> {
  const session = JSON.parse(await readFile(file, 'utf8')) as SessionLike
  return session.conversations
    .filter((c) => c.purpose === 'heal')
    .map((c) => c.request.messages.map((m) => m.content).join('\n---\n'))
}

/** Per module, each candidate's strategy, verdict and healing rounds. */
function verdicts(report: Report) {
  return report.modules.map((m) => ({
    path: m.path,
    candidates: m.candidates.map((c) => [c.strategy, c.verdict, c.healingRounds, c.tests])
  }))
}

describe('run() replays a recorded session in another checkout', () => {
  let server: FakeOpenAiServer
  let recording: RunProject
  let replaying: RunProject
  let original: Report
  let replayed: Report
  let servedBeforeReplay = 0
  let sessionFile: string
  let replaySessionDir: string

  beforeAll(async () => {
    server = await FakeOpenAiServer.start({
      script: (request) => {
        const info = requestInfo(request)
        if (info.module !== 'heal')
          return answer(fencedAnswer(goodTest(info.module, info.specifier)))
        // a wrong expectation first, then the healed test
        return info.purpose === 'generate'
          ? answer(fencedAnswer(goodTest(info.module, info.specifier, 15)))
          : healed(goodTest(info.module, info.specifier))
      }
    })
    recording = await createRunProject({ framework: 'jest', base: BASE, head: HEAD })
    replaying = await createRunProject({ framework: 'jest', base: BASE, head: HEAD })
    const sessionDir = join(recording.sandbox.root, 'sessions')
    sessionFile = join(sessionDir, 'session-run-test.json')
    replaySessionDir = join(replaying.sandbox.root, 'sessions')
    original = await recording.run(
      {
        ...COMMON,
        llm: { provider: 'openai', baseUrl: server.baseUrl, model: 'gpt-4.1-mini' },
        sessionDir
      },
      { apiKey: 'sk-replay-test' }
    )
    servedBeforeReplay = server.requestCount
    // no key, no endpoint: only the recorded file
    replayed = await replaying.run(
      {
        ...COMMON,
        llm: { provider: 'replay', replayFile: sessionFile },
        sessionDir: replaySessionDir
      },
      {}
    )
  }, 300_000)

  afterAll(async () => {
    await server?.close()
    await recording?.remove()
    await replaying?.remove()
  })

  it('the two checkouts live at different paths, and the recording needed one heal round', () => {
    expect(replaying.root).not.toBe(recording.root)
    expect(ReportSchema.safeParse(original).success).toBe(true)
    expect(original.provider).toBe('openai')
    expect(original.budget.spentUsd).toBeGreaterThan(0)
    const heal = original.modules.find((m) => m.path === 'src/heal.ts')
    expect(heal?.candidates.filter((c) => c.strategy === 'llm')).toEqual([
      expect.objectContaining({ verdict: { status: 'accepted' }, healingRounds: 1 })
    ])
  })

  it('gives the same verdicts and writes identical test code, for $0 and no request to the server', async () => {
    expect(ReportSchema.safeParse(replayed).success).toBe(true)
    expect(replayed.provider).toBe('replay')
    expect(replayed.errors).toEqual([])
    expect(verdicts(replayed)).toEqual(verdicts(original))
    // modules finish in either order, and the report lists tests as they finish
    const written = (report: Report) =>
      report.tests.map((t) => [t.path, t.code]).sort((a, b) => String(a).localeCompare(String(b)))
    expect(written(replayed)).toEqual(written(original))
    expect(written(original)).toHaveLength(2)
    for (const test of original.tests)
      expect(await replaying.read(test.path)).toBe(await recording.read(test.path))
    expect(server.requestCount).toBe(servedBeforeReplay)
    expect(replayed.budget.spentUsd).toBe(0)
    // the two modules run at once: calls are compared in a fixed order
    const calls = replayed.llmCalls
      .map((c) => [c.module, c.purpose, c.outcome, c.costUsd])
      .sort((a, b) => String(a).localeCompare(String(b)))
    expect(calls).toEqual([
      ['src/clean.ts', 'generate', 'ok', 0],
      ['src/heal.ts', 'generate', 'ok', 0],
      ['src/heal.ts', 'heal', 'ok', 0]
    ])
  })

  it('the heal prompt is the same text in both checkouts and names no absolute path', async () => {
    const recorded = await healPrompts(sessionFile)
    const replayedPrompts = await healPrompts(join(replaySessionDir, 'session-run-test.json'))
    expect(recorded).toHaveLength(1)
    expect(replayedPrompts).toEqual(recorded)
    expect(recorded[0]).toMatch(/Expected: 15/)
    expect(recorded[0]).not.toContain(recording.sandbox.root)
  })
})
