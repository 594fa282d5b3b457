import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { Budget, type Reservation } from '../../src/budget/budget.js'
import { Deadline } from '../../src/budget/deadline.js'
import { addRun, emptyLedger, ledgerTotal, type Ledger } from '../../src/budget/ledger.js'
import { costUsd } from '../../src/llm/pricing.js'

/**
 * Property: for random call sequences, usages, prices, limits and interleavings, spend never
 * exceeds any limit, every charge is within its reservation, the budget's total equals the sum of
 * its charges, and the PR ledger adds up. Amounts are exact in pico-dollars; the 1e-12 tolerance
 * only absorbs the conversion back to a float.
 */

const EPS = 1e-12
const MODULES = ['src/a.ts', 'src/b.ts', 'src/c.ts']

/** Amounts as real prices and caps look (cents and fractions of them), not float edge cases. */
const amount = (max: number, step: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max: Math.round(max / step) }).map((n) => n * step)

const priceArb = fc.record({
  inputPerMtok: amount(20, 0.005),
  cachedInputPerMtok: fc.option(amount(5, 0.005), { nil: undefined }),
  outputPerMtok: amount(80, 0.05)
})

const usageArb = fc.oneof(
  fc.record({
    kind: fc.constant('honest' as const),
    promptShare: fc.double({ min: 0, max: 1, noNaN: true }),
    outShare: fc.double({ min: 0, max: 1, noNaN: true }),
    cachedShare: fc.double({ min: 0, max: 1, noNaN: true })
  }),
  fc.record({ kind: fc.constant('omitted' as const) }),
  fc.record({
    kind: fc.constant('over-cap' as const),
    factor: fc.double({ min: 1.01, max: 50, noNaN: true })
  }),
  fc.record({ kind: fc.constant('error' as const) }),
  fc.record({ kind: fc.constant('never-sent' as const) })
)

const callArb = fc.record({
  module: fc.constantFrom(...MODULES),
  promptTokens: fc.integer({ min: 0, max: 50_000 }),
  maxOutputTokens: fc.integer({ min: 1, max: 16_000 }),
  price: priceArb,
  usage: usageArb
})

const limitsArb = fc.record({
  runUsd: amount(2, 0.0001),
  prUsd: fc.option(amount(3, 0.0001), { nil: undefined }),
  prSpentBeforeUsd: fc.option(amount(2, 0.0001), { nil: undefined }),
  moduleUsd: fc.option(amount(1, 0.0001), { nil: undefined }),
  maxCalls: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  maxTokens: fc.option(fc.integer({ min: 1, max: 300_000 }), { nil: undefined })
})

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never
type Call = ValueOf<typeof callArb>
type Limits = ValueOf<typeof limitsArb>

interface Ledgerish {
  charges: number[]
  moduleCharges: Map<string, number>
}

/** Settles one in-flight call the way the client would for its scripted usage. */
function finish(budget: Budget, reservation: Reservation, call: Call, book: Ledgerish): void {
  const u = call.usage
  if (u.kind === 'never-sent') {
    budget.release(reservation)
    return
  }
  let charged: number
  if (u.kind === 'omitted') charged = budget.settle(reservation, undefined).chargedUsd
  else if (u.kind === 'error')
    charged = budget.settle(reservation, {
      promptTokens: 0,
      cachedTokens: 0,
      completionTokens: 0
    }).chargedUsd
  else if (u.kind === 'over-cap') {
    charged = budget.settle(reservation, {
      promptTokens: call.promptTokens,
      cachedTokens: 0,
      completionTokens: Math.ceil(call.maxOutputTokens * u.factor)
    }).chargedUsd
    expect(charged).toBeCloseTo(reservation.costUsd, 12)
  } else {
    const promptTokens = Math.floor(call.promptTokens * u.promptShare)
    const usage = {
      promptTokens,
      cachedTokens: Math.floor(promptTokens * u.cachedShare),
      completionTokens: Math.floor(call.maxOutputTokens * u.outShare)
    }
    charged = budget.settle(reservation, usage).chargedUsd
    // an honest usage is charged what it cost (to the pico-dollar)
    expect(Math.abs(charged - costUsd(call.price, usage))).toBeLessThanOrEqual(1e-11)
  }
  expect(charged).toBeLessThanOrEqual(reservation.costUsd + EPS)
  book.charges.push(charged)
  book.moduleCharges.set(call.module, (book.moduleCharges.get(call.module) ?? 0) + charged)
}

function checkLimits(budget: Budget, limits: Limits, book: Ledgerish): void {
  const s = budget.snapshot()
  const spent = s.spentUsd
  const held = budget.reservedUsd
  expect(spent + held).toBeLessThanOrEqual(limits.runUsd + EPS)
  if (limits.prUsd !== undefined) {
    // earlier runs may already be past the PR cap; then nothing more may be spent
    const before = limits.prSpentBeforeUsd ?? 0
    if (before >= limits.prUsd) expect(spent).toBe(0)
    else expect(before + spent + held).toBeLessThanOrEqual(limits.prUsd + EPS)
  }
  if (limits.moduleUsd !== undefined)
    for (const charged of book.moduleCharges.values())
      expect(charged).toBeLessThanOrEqual(limits.moduleUsd + 1e-9)
  if (limits.maxCalls !== undefined) expect(s.calls).toBeLessThanOrEqual(limits.maxCalls)
  if (limits.maxTokens !== undefined) expect(s.tokens).toBeLessThanOrEqual(limits.maxTokens)
  const sum = book.charges.reduce((a, b) => a + b, 0)
  expect(Math.abs(sum - spent)).toBeLessThanOrEqual(1e-9)
}

describe('Budget property: spend never exceeds any limit', () => {
  it('holds for random interleavings of reserve / settle / release', () => {
    fc.assert(
      fc.property(
        limitsArb,
        fc.array(callArb, { minLength: 1, maxLength: 40 }),
        // the interleaving: at each step, start the next call or finish an in-flight one
        fc.array(fc.nat(), { minLength: 40, maxLength: 100 }),
        (limits, calls, schedule) => {
          const deadline = Deadline.none()
          const budget = new Budget({ ...limits, deadline })
          const book: Ledgerish = { charges: [], moduleCharges: new Map() }
          const inFlight: { reservation: Reservation; call: Call }[] = []
          let next = 0
          for (const step of schedule) {
            const start = next < calls.length && (inFlight.length === 0 || step % 3 !== 0)
            if (start) {
              const call = calls[next++]!
              const outcome = budget.reserve({
                module: call.module,
                promptTokens: call.promptTokens,
                maxOutputTokens: call.maxOutputTokens,
                price: call.price
              })
              if (outcome.status === 'reserved') inFlight.push({ reservation: outcome, call })
              else if (!outcome.waitable && outcome.limit !== 'module-usd')
                expect(budget.stoppedBy).toBeDefined()
            } else if (inFlight.length > 0) {
              const [done] = inFlight.splice(step % inFlight.length, 1)
              finish(budget, done!.reservation, done!.call, book)
            }
            checkLimits(budget, limits, book)
          }
          for (const done of inFlight.splice(0)) finish(budget, done.reservation, done.call, book)
          checkLimits(budget, limits, book)
          // once stopped, nothing new starts
          if (budget.stoppedBy)
            expect(
              budget.reserve({
                module: 'src/a.ts',
                promptTokens: 0,
                maxOutputTokens: 1,
                price: { inputPerMtok: 0, outputPerMtok: 0 }
              }).status
            ).toBe('refused')
          deadline.dispose()
        }
      ),
      { numRuns: 60 }
    )
  })

  it('holds with truly concurrent async callers waiting on each other (fast-check scheduler)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        limitsArb,
        fc.array(callArb, { minLength: 1, maxLength: 12 }),
        async (s, limits, calls) => {
          const deadline = Deadline.none()
          const budget = new Budget({ ...limits, deadline })
          const book: Ledgerish = { charges: [], moduleCharges: new Map() }
          const tasks = calls.map(async (call) => {
            const outcome = await budget.reserveWhenAvailable({
              module: call.module,
              promptTokens: call.promptTokens,
              maxOutputTokens: call.maxOutputTokens,
              price: call.price
            })
            checkLimits(budget, limits, book)
            if (outcome.status !== 'reserved') return
            // the "server" answers in an order the scheduler picks
            await s.schedule(Promise.resolve(), `answer ${call.module}`)
            finish(budget, outcome, call, book)
            checkLimits(budget, limits, book)
          })
          await s.waitFor(Promise.all(tasks))
          checkLimits(budget, limits, book)
          deadline.dispose()
        }
      ),
      { numRuns: 200 }
    )
  })

  it('the PR ledger always adds up, and re-recording a run never charges it twice', () => {
    const runArb = fc.record({
      id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'),
      costUsd: amount(5, 0.000001)
    })
    fc.assert(
      fc.property(fc.array(runArb, { maxLength: 30 }), (runs) => {
        let ledger: Ledger = emptyLedger()
        const expected = new Map<string, number>()
        for (const run of runs) {
          const before = ledgerTotal(ledger)
          ledger = addRun(ledger, { ...run, at: '2026-11-21T10:00:00.000Z' })
          expected.set(run.id, Math.max(expected.get(run.id) ?? 0, run.costUsd))
          expect(ledgerTotal(ledger)).toBeGreaterThanOrEqual(before - 1e-9)
          // idempotent: the same entry again changes nothing
          expect(addRun(ledger, { ...run, at: '2026-11-21T10:00:00.000Z' })).toEqual(ledger)
        }
        const total = [...expected.values()].reduce((a, b) => a + b, 0)
        expect(Math.abs(ledgerTotal(ledger) - total)).toBeLessThanOrEqual(1e-9)
        expect(new Set(ledger.runs.map((r) => r.id)).size).toBe(ledger.runs.length)
        for (const id of expected.keys())
          expect(
            Math.abs(ledgerTotal(ledger, id) - (total - expected.get(id)!))
          ).toBeLessThanOrEqual(1e-9)
      }),
      { numRuns: 300 }
    )
  })
})
