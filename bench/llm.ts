/**
 * LLM layer under load: a 10-module PR, the scripted server answering after a fixed 1 s delay,
 * concurrency 4. Prints wall time against the bound (LLM time / concurrency + test time).
 * Target: within 1.3x of the bound.
 *
 *   npx tsx bench/llm.ts [--modules 10] [--delay-ms 1000] [--concurrency 4] [--layer-only]
 *
 * Part 1 measures the LLM layer alone (client, shared rate limiter, budget, strategy parsing):
 * every module's generate call through one LlmClient, `concurrency` modules at a time. Its bound
 * is calls x delay / concurrency.
 * Part 2 runs the whole pipeline, `run()` of src/run.ts, on a fixture git repository: plan,
 * baseline, explorer, LLM candidates, gates. Its test time is measured by the same run with a
 * server that answers at once, so bound = LLM calls x delay / concurrency + that run's wall time.
 */
import { execFileSync } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pLimit from 'p-limit'
import { Budget } from '../src/budget/budget.js'
import { Deadline } from '../src/budget/deadline.js'
import { LlmSchema, SettingsSchema } from '../src/config/schema.js'
import { EventBus } from '../src/events/event-bus.js'
import { createLlmStrategy } from '../src/generate/strategies/llm-strategy.js'
import { LlmClient } from '../src/llm/client.js'
import { countTokens } from '../src/llm/token-count.js'
import { SessionRecorder } from '../src/llm/session-record.js'
import {
  FakeOpenAiServer,
  fencedAnswer,
  type ServedRequest
} from '../__tests__/helpers/fake-openai-server.js'
import { createFixtureProject } from '../__tests__/helpers/fixture-project.js'
import { contextFor, DISCOUNT_SOURCE, discountModule } from '../__tests__/llm/module-fixture.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN
  return Number.isFinite(value) ? value : fallback
}
const MODULES = arg('modules', 10)
const DELAY_MS = arg('delay-ms', 1000)
const CONCURRENCY = arg('concurrency', 4)
const LAYER_ONLY = process.argv.includes('--layer-only')
const TARGET = 1.3

/** A test file for module `n`, importing it with the specifier the prompt asked for. */
function testFor(specifier: string, n: number): string {
  return `import { describe, it, expect } from '@jest/globals'
import { scale${n} } from '${specifier}'

describe('scale${n}', () => {
  it('scales a positive number', () => {
    expect(scale${n}(2)).toBe(${2 * (n + 2)})
  })
  it('maps negatives to zero', () => {
    expect(scale${n}(-1)).toBe(0)
  })
})`
}

function moduleSource(n: number, version: 'base' | 'head'): string {
  const body =
    version === 'base'
      ? `return x * ${n + 2}`
      : `if (x < 0) {\n    return 0\n  }\n  return x * ${n + 2}`
  return `/** Scales x by ${n + 2}; negatives become 0. */\nexport function scale${n}(x: number): number {\n  ${body}\n}\n`
}

/** Answers generate and heal requests with a passing test for the module the prompt names. */
function answer(request: ServedRequest): { content: string } {
  const specifier =
    /exactly this specifier: '([^']+)'/.exec(request.userText)?.[1] ?? '../src/discount.js'
  const n = Number(
    /scale(\d+)|m(\d+)\.ts/
      .exec(request.userText)
      ?.slice(1)
      .find((x) => x !== undefined) ?? 0
  )
  const prefix =
    request.userText.includes('VERDICT') || request.body.messages?.[0]?.content.includes('VERDICT')
      ? 'VERDICT: test-bug\n'
      : ''
  return { content: `${prefix}${fencedAnswer(testFor(specifier, n))}` }
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(2).padStart(7)} s`

/**
 * One table row. `floorMs` is the schedulable minimum: calls come in whole rounds of `concurrency`,
 * so 10 calls at 4 at a time take 3 delays, not 2.5.
 */
function row(label: string, wallMs: number, boundMs: number, floorMs: number): string {
  const ratio = wallMs / boundMs
  return `| ${label.padEnd(34)} | ${secs(wallMs)} | ${secs(boundMs)} | ${ratio.toFixed(2).padStart(5)}x | ${secs(floorMs)} | ${(wallMs / floorMs).toFixed(2).padStart(5)}x | ${ratio <= TARGET ? 'ok' : 'over'} |`
}

async function layerOnly(): Promise<string> {
  const server = await FakeOpenAiServer.start({ script: answer, delayMs: DELAY_MS })
  const deadline = Deadline.fromMinutes(10)
  // A real run has loaded the tokenizer while planning (the cost estimate); do the same here.
  countTokens('warm up the o200k_base ranks')
  try {
    const budget = new Budget({ runUsd: 5, deadline })
    const llm = LlmSchema.parse({
      model: 'gpt-4.1-mini',
      baseUrl: server.baseUrl,
      requestsPerMinute: 500,
      tokensPerMinute: 2_000_000
    })
    const client = LlmClient.create({
      llm,
      apiKey: 'sk-bench',
      budget,
      recorder: new SessionRecorder()
    })
    const strategy = createLlmStrategy({ client, settings: SettingsSchema.parse({}) })
    const limit = pLimit(CONCURRENCY)
    const started = performance.now()
    const outcomes = await Promise.all(
      Array.from({ length: MODULES }, (_, n) =>
        limit(() =>
          strategy.propose(contextFor(discountModule({ path: `src/m${n}.ts` }), DISCOUNT_SOURCE), 1)
        )
      )
    )
    const wall = performance.now() - started
    const proposed = outcomes.filter((o) => o.status === 'proposed').length
    const calls = server.requestCount
    const bound = (calls * DELAY_MS) / CONCURRENCY
    console.log(
      `layer: ${proposed}/${MODULES} modules proposed, ${calls} calls, peak ${server.peakConcurrency} in flight, spent $${budget.spentUsd.toFixed(6)}`
    )
    return row(
      `LLM layer (${MODULES} modules x 1 call)`,
      wall,
      bound,
      Math.ceil(calls / CONCURRENCY) * DELAY_MS
    )
  } finally {
    deadline.dispose()
    await server.close()
  }
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'b@example.com',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'b@example.com'
    }
  })
}

async function fullRun(delayMs: number): Promise<{
  wallMs: number
  calls: number
  accepted: number
  llmAccepted: number
  status: string
  reasons: string[]
}> {
  const { run } = await import('../src/run.js')
  const { resolveConfig } = await import('../src/config/resolve-config.js')
  const project = await createFixtureProject('jest-ts-esm')
  const server = await FakeOpenAiServer.start({ script: answer, delayMs })
  try {
    const root = project.root
    for (const name of ['fail', 'flaky', 'hang', 'env', 'import-throw'])
      await rm(join(root, 'tests', `${name}.test.ts`), { force: true })
    for (let n = 0; n < MODULES; n++)
      await writeFile(join(root, 'src', `m${n}.ts`), moduleSource(n, 'base'))
    await writeFile(join(root, '.gitignore'), 'node_modules\ncoverage\n.testmaster\n')
    git(root, 'init', '-q', '-b', 'main')
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'base')
    for (let n = 0; n < MODULES; n++)
      await writeFile(join(root, 'src', `m${n}.ts`), moduleSource(n, 'head'))
    git(root, 'commit', '-q', '-am', 'head')

    const resolved = resolveConfig({
      overrides: {
        repo: root,
        base: 'HEAD~1',
        head: 'HEAD',
        depth: 'low',
        concurrency: CONCURRENCY,
        stabilityRuns: 1,
        llm: { provider: 'openai', baseUrl: server.baseUrl, model: 'gpt-4.1-mini' },
        budget: { runUsd: 5, timeMinutes: 10 }
      }
    })
    const started = performance.now()
    const report = await run({
      resolved,
      secrets: { apiKey: 'sk-bench' },
      events: new EventBus(),
      runId: `bench-${delayMs}`
    })
    const wallMs = performance.now() - started
    const candidates = report.modules.flatMap((m) => m.candidates)
    return {
      wallMs,
      calls: server.requestCount,
      accepted: candidates.filter((c) => c.verdict.status === 'accepted').length,
      llmAccepted: candidates.filter((c) => c.strategy === 'llm' && c.verdict.status === 'accepted')
        .length,
      status: report.modules.map((m) => m.status).join(','),
      reasons: [
        ...new Set(
          candidates
            .filter((c) => c.strategy === 'llm' && c.verdict.status === 'rejected')
            .map((c) =>
              c.verdict.status === 'rejected' ? `${c.verdict.gate}: ${c.verdict.reason}` : ''
            )
        )
      ]
    }
  } finally {
    await server.close()
    await project.remove()
  }
}

const rows: string[] = []
rows.push(await layerOnly())
if (!LAYER_ONLY) {
  try {
    const baseline = await fullRun(0)
    const loaded = await fullRun(DELAY_MS)
    console.log(
      `run(): ${loaded.calls} LLM calls, ${loaded.accepted} candidates accepted (${loaded.llmAccepted} from the LLM); modules ${loaded.status}`
    )
    if (loaded.reasons.length > 0)
      console.log(`LLM candidates rejected: ${loaded.reasons.join(' | ')}`)
    console.log(
      `run() with an instant server (test time): ${(baseline.wallMs / 1000).toFixed(2)} s`
    )
    rows.push(
      row(
        `run(): ${MODULES} modules, concurrency ${CONCURRENCY}`,
        loaded.wallMs,
        (loaded.calls * DELAY_MS) / CONCURRENCY + baseline.wallMs,
        Math.ceil(loaded.calls / CONCURRENCY) * DELAY_MS + baseline.wallMs
      )
    )
  } catch (error) {
    console.log(
      `run() scenario not measured: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
    )
  }
}
console.log(
  `\nserver delay ${DELAY_MS} ms, concurrency ${CONCURRENCY}, target <= ${TARGET}x the bound\n`
)
console.log(
  `load average: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${(await import('node:os')).cpus().length} cores`
)
console.log(
  '| scenario                           |      wall |     bound | ratio |   minimum | ratio |      |'
)
console.log(
  '| ---------------------------------- | --------- | --------- | ----- | --------- | ----- | ---- |'
)
for (const line of rows) console.log(line)
