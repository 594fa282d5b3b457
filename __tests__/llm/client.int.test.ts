import { afterEach, describe, expect, it } from '@jest/globals'
import { Budget } from '../../src/budget/budget.js'
import { Deadline } from '../../src/budget/deadline.js'
import { LlmSchema, type Settings } from '../../src/config/schema.js'
import { LlmError } from '../../src/errors.js'
import { EventBus } from '../../src/events/event-bus.js'
import { LlmClient, type CompletionResult } from '../../src/llm/client.js'
import { BUILT_IN_PRICES } from '../../src/llm/pricing.js'
import { SessionRecorder } from '../../src/llm/session-record.js'
import { FakeOpenAiServer, type Script } from '../helpers/fake-openai-server.js'

const MODEL = 'gpt-4.1-mini'
const PRICE = BUILT_IN_PRICES[MODEL]!
const messages = [
  { role: 'system' as const, content: 'You write tests.' },
  { role: 'user' as const, content: 'Write a test for add(a, b).' }
]
const ANSWER =
  '```ts\nimport { add } from "./add.js"\ntest("adds", () => expect(add(1, 2)).toBe(3))\n```'

const servers: FakeOpenAiServer[] = []
const deadlines: Deadline[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
  for (const d of deadlines.splice(0)) d.dispose()
})

async function serve(script: Script, delayMs?: number): Promise<FakeOpenAiServer> {
  const server = await FakeOpenAiServer.start({ script, delayMs })
  servers.push(server)
  return server
}

function setup(
  server: FakeOpenAiServer,
  options: {
    llm?: Partial<Settings['llm']>
    runUsd?: number
    maxTokens?: number
    deadlineMs?: number
    reasoningEffort?: 'low'
  } = {}
): { client: LlmClient; budget: Budget; recorder: SessionRecorder } {
  const llm = LlmSchema.parse({
    model: MODEL,
    baseUrl: server.baseUrl,
    maxOutputTokens: 500,
    timeoutSeconds: 10,
    maxRetries: 3,
    ...options.llm
  })
  const deadline =
    options.deadlineMs === undefined ? Deadline.none() : Deadline.fromMs(options.deadlineMs)
  deadlines.push(deadline)
  const budget = new Budget({ runUsd: options.runUsd ?? 1, maxTokens: options.maxTokens, deadline })
  const recorder = new SessionRecorder()
  const client = LlmClient.create({
    llm,
    apiKey: 'sk-test-key',
    budget,
    recorder,
    reasoningEffort: options.reasoningEffort,
    backoff: { baseMs: 10, maxMs: 20 }
  })
  return { client, budget, recorder }
}

function completed(result: CompletionResult): Extract<CompletionResult, { status: 'completed' }> {
  if (result.status !== 'completed')
    throw new Error(`expected completed, got ${result.status}: ${JSON.stringify(result)}`)
  return result
}

describe('LlmClient against the scripted server (real openai SDK)', () => {
  it('completes a clean generation, charging what the server billed', async () => {
    const server = await serve([{ content: ANSWER }])
    const { client, budget, recorder } = setup(server)
    const result = completed(
      await client.complete({ module: 'src/add.ts', purpose: 'generate', messages })
    )
    expect(result.text).toBe(ANSWER)
    expect(result.finishReason).toBe('stop')
    expect(server.log).toHaveLength(1)
    const served = server.log[0]!
    expect(served.request.authorization).toBe('Bearer sk-test-key')
    expect(served.request.body.max_completion_tokens).toBe(500)
    expect(served.request.body.max_tokens).toBeUndefined()
    expect(served.request.body.reasoning_effort).toBeUndefined()
    // our prompt count is what the server counted: the reservation covered the real prompt
    expect(result.usage?.promptTokens).toBe(served.billed.promptTokens)
    expect(budget.spentUsd).toBeCloseTo(server.billedUsd(PRICE), 10)
    expect(recorder.calls()).toEqual([
      expect.objectContaining({
        module: 'src/add.ts',
        purpose: 'generate',
        model: MODEL,
        outcome: 'ok',
        attempt: 1,
        promptTokens: served.billed.promptTokens
      })
    ])
    expect(budget.snapshot()).toMatchObject({ calls: 1, overruns: [] })
    // the audit record holds the conversation, never the key
    const record = JSON.stringify(recorder.toJSON('r'))
    expect(record).toContain('Write a test for add(a, b).')
    expect(record).not.toContain('sk-test-key')
  })

  it('sends the output limit under the configured name, and reasoning_effort only to models that take it', async () => {
    const server = await serve([{ content: ANSWER }])
    const { client } = setup(server, {
      llm: { outputLimitParam: 'max_tokens', model: 'gpt-5-mini' },
      reasoningEffort: 'low'
    })
    completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(server.log[0]!.request.body).toMatchObject({
      max_tokens: 500,
      reasoning_effort: 'low',
      model: 'gpt-5-mini'
    })
    expect(server.log[0]!.request.body.max_completion_tokens).toBeUndefined()

    const other = setup(server, { reasoningEffort: 'low' })
    completed(await other.client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(server.log[1]!.request.body.reasoning_effort).toBeUndefined()
  })

  it('reports a truncated answer (finish_reason length) as such', async () => {
    const server = await serve([{ content: `${ANSWER}\n${'x'.repeat(4000)}`, truncateToCap: true }])
    const { client, recorder } = setup(server, { llm: { maxOutputTokens: 40 } })
    const result = completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(result.finishReason).toBe('length')
    expect(recorder.calls()[0]!.outcome).toBe('truncated')
  })

  it('SECURITY 17: three 429s with retry-after, then a 200: every attempt reserved and settled, spend within the cap', async () => {
    const limited = { status: 429, headers: { 'retry-after': '1' } }
    const server = await serve([limited, limited, limited, { content: ANSWER }])
    const runUsd = 0.01
    const { client, budget, recorder } = setup(server, { runUsd })
    const result = completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(result.attempts).toBe(4)
    expect(server.requestCount).toBe(4)
    // retry-after honoured: each retry came at least a second after the 429
    for (let i = 1; i < 4; i++)
      expect(server.log[i]!.startedAt - server.log[i - 1]!.endedAt).toBeGreaterThanOrEqual(990)
    const snapshot = budget.snapshot()
    expect(snapshot.calls).toBe(4)
    expect(budget.reservedUsd).toBe(0)
    expect(recorder.calls().map((c) => c.outcome)).toEqual(['error', 'error', 'error', 'ok'])
    expect(snapshot.spentUsd).toBeCloseTo(server.billedUsd(PRICE), 10)
    expect(snapshot.spentUsd).toBeLessThanOrEqual(runUsd)
  }, 15_000)

  it('gives up after max-retries on 500s, charging nothing for error answers', async () => {
    const server = await serve([{ status: 500 }])
    const { client, budget, recorder } = setup(server, { llm: { maxRetries: 2 } })
    const result = await client.complete({ module: 'm', purpose: 'generate', messages })
    expect(result.status).toBe('failed')
    if (result.status !== 'failed') return
    expect(result.error).toBeInstanceOf(LlmError)
    expect(result.error.code).toBe('RETRIES_EXHAUSTED')
    expect(result.error.status).toBe(500)
    expect(server.requestCount).toBe(3)
    expect(budget.snapshot()).toMatchObject({ calls: 3, spentUsd: 0 })
    expect(recorder.calls().every((c) => c.outcome === 'error')).toBe(true)
  })

  it('does not retry a 401, and says what to check', async () => {
    const server = await serve([{ status: 401 }])
    const { client } = setup(server)
    const result = await client.complete({ module: 'm', purpose: 'generate', messages })
    expect(result.status === 'failed' && result.error.hint).toMatch(/api-key/)
    expect(server.requestCount).toBe(1)
  })

  it('cuts a hang off at the per-attempt timeout, retries, and charges the reservation of each abandoned attempt', async () => {
    const server = await serve([{ hang: true }, { content: ANSWER }])
    const { client, budget } = setup(server, { llm: { timeoutSeconds: 0.3, maxRetries: 1 } })
    const result = completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(result.attempts).toBe(2)
    const snapshot = budget.snapshot()
    expect(snapshot.overruns).toEqual([expect.stringMatching(/no usage reported \(timeout\)/)])
    expect(snapshot.spentUsd).toBeGreaterThan(server.billedUsd(PRICE))
  })

  it('SECURITY 17: a hang is cut off at the wall-time budget through the AbortSignal', async () => {
    const server = await serve([{ hang: true }])
    const { client, budget } = setup(server, { deadlineMs: 300, llm: { timeoutSeconds: 60 } })
    const result = await client.complete({ module: 'm', purpose: 'generate', messages })
    expect(result).toMatchObject({ status: 'aborted', limit: 'time' })
    expect(budget.stoppedBy).toBe('time')
    expect(budget.snapshot().spentUsd).toBeLessThanOrEqual(1)
    // and no new call starts
    expect(await client.complete({ module: 'm', purpose: 'generate', messages })).toMatchObject({
      status: 'aborted',
      limit: 'time'
    })
    expect(server.requestCount).toBe(1)
  })

  it('retries a dropped connection', async () => {
    const server = await serve([{ drop: true }, { content: ANSWER }])
    const { client } = setup(server)
    expect(
      completed(await client.complete({ module: 'm', purpose: 'generate', messages })).attempts
    ).toBe(2)
  })

  it('SECURITY 16: usage omitted or above the output cap is charged the reservation, reported, and no call passes the cap', async () => {
    const server = await serve([
      { content: ANSWER, omitUsage: true },
      { content: ANSWER, completionTokens: 50_000 },
      { content: ANSWER }
    ])
    const { client, budget } = setup(server, { llm: { maxOutputTokens: 1000 } })
    const first = completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    const reservation = first.costUsd
    expect(reservation).toBeCloseTo(
      budget.worstCaseUsd({
        promptTokens: server.log[0]!.billed.promptTokens,
        maxOutputTokens: 1000,
        price: PRICE
      }),
      10
    )
    completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    const snapshot = budget.snapshot()
    expect(snapshot.overruns).toEqual([
      expect.stringMatching(/no usage reported/),
      expect.stringMatching(/50000 completion tokens \(cap 1000/)
    ])
    expect(snapshot.spentUsd).toBeCloseTo(2 * reservation, 10)

    // a run capped just above two reservations: the third call is refused, never sent
    const capped = setup(server, { runUsd: 2.5 * reservation, llm: { maxOutputTokens: 1000 } })
    const before = server.requestCount
    await capped.client.complete({ module: 'm', purpose: 'generate', messages }) // answer 3: honest
    server.log.length = 0
    const overCap = await FakeOpenAiServer.start({
      script: [{ content: ANSWER, completionTokens: 50_000 }]
    })
    servers.push(overCap)
    const lying = setup(overCap, { runUsd: 2.5 * reservation, llm: { maxOutputTokens: 1000 } })
    completed(await lying.client.complete({ module: 'm', purpose: 'generate', messages }))
    completed(await lying.client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(
      await lying.client.complete({ module: 'm', purpose: 'generate', messages })
    ).toMatchObject({ status: 'refused', limit: 'run-usd' })
    expect(overCap.requestCount).toBe(2)
    expect(lying.budget.spentUsd).toBeLessThanOrEqual(2.5 * reservation)
    expect(lying.budget.stoppedBy).toBe('run-usd')
    expect(server.requestCount).toBe(before + 1)
  })

  it('SECURITY 38: usage that is non-numeric, negative or missing a count is charged the reservation, never NaN or less', async () => {
    const server = await serve([
      { content: ANSWER, usageFields: { prompt_tokens_details: { cached_tokens: 'lots' } } },
      { content: ANSWER, usageFields: { prompt_tokens: -5000, completion_tokens: -1 } },
      { content: ANSWER, usageFields: { completion_tokens: undefined } },
      { content: ANSWER, usageFields: { prompt_tokens: '12' } }
    ])
    const { client, budget } = setup(server, { llm: { maxOutputTokens: 1000 } })
    const charged: number[] = []
    for (let call = 0; call < 4; call++)
      charged.push(
        completed(await client.complete({ module: 'm', purpose: 'generate', messages })).costUsd
      )
    const reservation = budget.worstCaseUsd({
      promptTokens: server.log[0]!.billed.promptTokens,
      maxOutputTokens: 1000,
      price: PRICE
    })
    for (const cost of charged) expect(cost).toBeCloseTo(reservation, 10)
    const snapshot = budget.snapshot()
    expect(Number.isFinite(snapshot.spentUsd)).toBe(true)
    expect(snapshot.spentUsd).toBeCloseTo(4 * reservation, 10)
    expect(snapshot.overruns).toEqual([
      expect.stringContaining(
        'usage.prompt_tokens_details.cached_tokens is "lots", not a token count'
      ),
      expect.stringContaining('usage.prompt_tokens is -5000, not a token count'),
      expect.stringContaining('usage.completion_tokens is missing, not a token count'),
      expect.stringContaining('usage.prompt_tokens is "12", not a token count')
    ])
  })

  it('SECURITY 21: OPENAI_BASE_URL in the environment never redirects the client or the key', async () => {
    const configured = await serve([{ content: ANSWER }])
    const attacker = await serve([{ content: 'stolen' }])
    const saved = process.env.OPENAI_BASE_URL
    process.env.OPENAI_BASE_URL = attacker.baseUrl
    try {
      const { client } = setup(configured)
      expect(client.baseUrl).toBe(configured.baseUrl)
      completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL
      else process.env.OPENAI_BASE_URL = saved
    }
    expect(configured.requestCount).toBe(1)
    expect(attacker.requestCount).toBe(0)
  })

  it('warns about a model with an announced shutdown date, and stays quiet when the endpoint does not know the route', async () => {
    const server = await FakeOpenAiServer.start({
      script: [{ content: ANSWER }],
      models: { [MODEL]: { shutdown_date: '2027-03-01' } }
    })
    servers.push(server)
    const llm = LlmSchema.parse({ model: MODEL, baseUrl: server.baseUrl })
    const events = new EventBus()
    const warnings: string[] = []
    events.subscribe({ log: (e) => warnings.push(e.message) })
    const deadline = Deadline.none()
    deadlines.push(deadline)
    const client = LlmClient.create({
      llm,
      apiKey: 'k',
      budget: new Budget({ runUsd: 1, deadline }),
      events
    })
    expect(await client.checkModel()).toEqual({ shutdownDate: '2027-03-01' })
    expect(warnings).toEqual([expect.stringMatching(/shuts down on 2027-03-01/)])
    const other = LlmClient.create({
      llm: { ...llm, model: 'gpt-4o' },
      apiKey: 'k',
      budget: new Budget({ runUsd: 1, deadline })
    })
    expect(await other.checkModel()).toEqual({})
  })

  it('refuses a model with no known price unless token limits alone bound the run', async () => {
    const server = await serve([{ content: ANSWER }])
    expect(() => setup(server, { llm: { model: 'local-llama' } })).toThrow(
      /no price is known for model 'local-llama'/
    )
    try {
      setup(server, { llm: { model: 'local-llama' } })
    } catch (error) {
      expect((error as LlmError).hint).toMatch(/llm\.prices|prices:/)
    }
    expect(() =>
      setup(server, { llm: { model: 'local-llama', allowUnpricedModel: true } })
    ).toThrow(/no price/)
    const { client, budget } = setup(server, {
      llm: { model: 'local-llama', allowUnpricedModel: true },
      maxTokens: 10_000
    })
    completed(await client.complete({ module: 'm', purpose: 'generate', messages }))
    expect(budget.snapshot().tokens).toBeGreaterThan(0)
  })

  it('stops a run with four modules in flight: the spend summed from the server log never exceeds the cap', async () => {
    // Answers take a while, so many calls are in flight at once.
    const server = await serve(() => ({ content: ANSWER, completionTokens: 900, delayMs: 150 }))
    const maxOutputTokens = 1000
    const reservation = setup(server).budget.worstCaseUsd({
      promptTokens: 60,
      maxOutputTokens,
      price: PRICE
    })
    const runUsd = 4.5 * reservation
    const { client, budget } = setup(server, { runUsd, llm: { maxOutputTokens } })
    const modules = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts']
    const results = await Promise.all(
      modules.map(async (module) => {
        const outcomes: CompletionResult[] = []
        for (;;) {
          const result = await client.complete({ module, purpose: 'generate', messages })
          outcomes.push(result)
          if (result.status !== 'completed') return outcomes
        }
      })
    )
    expect(server.peakConcurrency).toBe(4)
    expect(results.every((r) => r.at(-1)?.status === 'refused')).toBe(true)
    expect(budget.stoppedBy).toBe('run-usd')
    const billed = server.billedUsd(PRICE)
    expect(billed).toBeLessThanOrEqual(runUsd)
    expect(budget.spentUsd).toBeCloseTo(billed, 10)
    // it did not stop early either: what is left is less than one worst-case call
    expect(runUsd - billed).toBeLessThan(reservation)
  })
})
