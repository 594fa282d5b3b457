import { describe, expect, it } from '@jest/globals'
import { EventBus } from '../../src/events/event-bus.js'
import { BudgetReportSchema } from '../../src/report/report-schema.js'
import { Budget, type Reservation } from '../../src/budget/budget.js'
import { Deadline } from '../../src/budget/deadline.js'

const price = { inputPerMtok: 1, outputPerMtok: 10 }
// 1000 prompt tokens + 1000 output tokens = $0.001 + $0.01 = $0.011 worst case.
const request = { module: 'src/a.ts', promptTokens: 1000, maxOutputTokens: 1000, price }

function reserved(outcome: ReturnType<Budget['reserve']>): Reservation {
  if (outcome.status !== 'reserved') throw new Error(`refused: ${outcome.reason}`)
  return outcome
}

describe('Budget', () => {
  it('reserves the worst case and settles on actual usage', () => {
    const budget = new Budget({ runUsd: 1, deadline: Deadline.none() })
    const r = reserved(budget.reserve(request))
    expect(r.costUsd).toBeCloseTo(0.011, 12)
    expect(budget.reservedUsd).toBeCloseTo(0.011, 12)
    budget.settle(r, { promptTokens: 1000, cachedTokens: 0, completionTokens: 100 })
    expect(budget.spentUsd).toBeCloseTo(0.002, 12)
    expect(budget.reservedUsd).toBe(0)
    const snapshot = BudgetReportSchema.parse(budget.snapshot())
    expect(snapshot.calls).toBe(1)
    expect(snapshot.tokens).toBe(1100)
    expect(snapshot.peakReservedUsd).toBeCloseTo(0.011, 12)
    expect(snapshot.stoppedBy).toBeUndefined()
  })

  it('reserves cached prompt tokens at their price when it is above the fresh one', () => {
    // Found by the property test: an override pricing cached input above fresh input.
    const odd = { inputPerMtok: 0, cachedInputPerMtok: 1000, outputPerMtok: 0 }
    const budget = new Budget({ runUsd: 1, deadline: Deadline.none() })
    const r = reserved(
      budget.reserve({ module: 'src/a.ts', promptTokens: 3, maxOutputTokens: 1, price: odd })
    )
    expect(r.costUsd).toBeCloseTo(0.003, 12)
    const settled = budget.settle(r, { promptTokens: 3, cachedTokens: 1, completionTokens: 0 })
    expect(settled.chargedUsd).toBeCloseTo(0.001, 12)
  })

  it('refuses a call that does not fit, counting calls in flight, and says waiting may help', () => {
    const budget = new Budget({ runUsd: 0.02, deadline: Deadline.none() })
    const first = reserved(budget.reserve(request))
    const second = budget.reserve(request)
    expect(second).toMatchObject({ status: 'refused', limit: 'run-usd', waitable: true })
    expect(budget.stoppedBy).toBeUndefined()
    budget.settle(first, { promptTokens: 1000, cachedTokens: 0, completionTokens: 0 })
    expect(budget.reserve(request).status).toBe('reserved')
  })

  it('stops the run when the cap itself is reached, and refuses everything after', () => {
    const budget = new Budget({ runUsd: 0.015, deadline: Deadline.none() })
    const r = reserved(budget.reserve(request))
    budget.settle(r, { promptTokens: 1000, cachedTokens: 0, completionTokens: 1000 })
    expect(budget.reserve(request)).toMatchObject({
      status: 'refused',
      limit: 'run-usd',
      waitable: false
    })
    expect(budget.stoppedBy).toBe('run-usd')
    // even a tiny call is refused once stopped: no new call starts
    expect(budget.reserve({ ...request, promptTokens: 1, maxOutputTokens: 1 }).status).toBe(
      'refused'
    )
    expect(budget.snapshot().exceeded).toBe(true)
  })

  it('SECURITY 16: usage omitted or over the cap charges the reservation and records the overrun', () => {
    const budget = new Budget({ runUsd: 0.03, deadline: Deadline.none() })
    const a = reserved(budget.reserve(request))
    expect(budget.settle(a, undefined).overrun).toMatch(/no usage/)
    const b = reserved(budget.reserve(request))
    const settled = budget.settle(b, {
      promptTokens: 1000,
      cachedTokens: 0,
      completionTokens: 50_000
    })
    expect(settled.chargedUsd).toBeCloseTo(0.011, 12)
    expect(settled.overrun).toMatch(/50000 completion/)
    expect(budget.spentUsd).toBeCloseTo(0.022, 12)
    expect(budget.reserve(request)).toMatchObject({ status: 'refused', limit: 'run-usd' })
    expect(budget.snapshot().overruns).toHaveLength(2)
    expect(budget.spentUsd).toBeLessThanOrEqual(0.03)
  })

  it('SECURITY 38: a usage count that is NaN, negative or not a number charges the reservation', () => {
    const budget = new Budget({ runUsd: 1, deadline: Deadline.none() })
    const bad = [
      { promptTokens: 1000, cachedTokens: Number.NaN, completionTokens: 10 },
      { promptTokens: -1000, cachedTokens: 0, completionTokens: 10 },
      { promptTokens: 1000, cachedTokens: 0, completionTokens: Number.POSITIVE_INFINITY },
      { promptTokens: 1000, cachedTokens: 'lots' as unknown as number, completionTokens: 10 }
    ]
    for (const usage of bad) {
      const settled = budget.settle(reserved(budget.reserve(request)), usage)
      expect(settled.chargedUsd).toBeCloseTo(0.011, 12)
      expect(settled.overrun).toMatch(/not a token count; charged the reservation/)
    }
    expect(budget.spentUsd).toBeCloseTo(0.044, 12)
    expect(budget.snapshot().spentUsd).toBeCloseTo(0.044, 12)
  })

  it('release gives back the reservation and the call, and says so', () => {
    const events = new EventBus()
    const seen: unknown[] = []
    events.subscribe({ 'budget:released': (e) => seen.push(e) })
    const budget = new Budget({ runUsd: 0.011, maxCalls: 1, deadline: Deadline.none(), events })
    const r = reserved(budget.reserve(request))
    budget.release(r)
    expect(seen).toEqual([{ reservationUsd: 0.011, spentUsd: 0, reservedUsd: 0 }])
    expect(budget.snapshot()).toMatchObject({ calls: 0, spentUsd: 0 })
    expect(budget.reserve(request).status).toBe('reserved')
    expect(() => budget.release(r)).toThrow(/already settled or released/)
  })

  it('enforces the PR budget with the ledger spend of earlier runs', () => {
    const budget = new Budget({
      runUsd: 1,
      prUsd: 0.05,
      prSpentBeforeUsd: 0.04,
      deadline: Deadline.none()
    })
    expect(budget.reserve(request)).toMatchObject({ status: 'refused', limit: 'pr-usd' })
    const spentBudget = new Budget({
      runUsd: 1,
      prUsd: 0.05,
      prSpentBeforeUsd: 0.05,
      deadline: Deadline.none()
    })
    expect(spentBudget.stoppedBy).toBe('pr-usd')
  })

  it('a module limit refuses that module only', () => {
    const budget = new Budget({ runUsd: 1, moduleUsd: 0.015, deadline: Deadline.none() })
    const r = reserved(budget.reserve(request))
    budget.settle(r, { promptTokens: 1000, cachedTokens: 0, completionTokens: 1000 })
    expect(budget.reserve(request)).toMatchObject({ status: 'refused', limit: 'module-usd' })
    expect(budget.reserve({ ...request, module: 'src/b.ts' }).status).toBe('reserved')
    expect(budget.stoppedBy).toBeUndefined()
  })

  it('enforces max calls and max tokens', () => {
    const calls = new Budget({ runUsd: 1, maxCalls: 2, deadline: Deadline.none() })
    calls.settle(reserved(calls.reserve(request)), undefined)
    calls.settle(reserved(calls.reserve(request)), undefined)
    expect(calls.reserve(request)).toMatchObject({
      status: 'refused',
      limit: 'max-calls',
      waitable: false
    })
    const tokens = new Budget({ runUsd: 1, maxTokens: 3000, deadline: Deadline.none() })
    const t = reserved(tokens.reserve(request))
    expect(tokens.reserve(request)).toMatchObject({
      status: 'refused',
      limit: 'max-tokens',
      waitable: true
    })
    tokens.settle(t, { promptTokens: 1000, cachedTokens: 0, completionTokens: 1000 })
    expect(tokens.reserve(request)).toMatchObject({
      status: 'refused',
      limit: 'max-tokens',
      waitable: false
    })
    expect(tokens.stoppedBy).toBe('max-tokens')
  })

  it('refuses once the deadline has passed', () => {
    const deadline = Deadline.fromMs(0)
    const budget = new Budget({ runUsd: 1, deadline })
    expect(budget.reserve(request)).toMatchObject({ status: 'refused', limit: 'time' })
    expect(budget.stoppedBy).toBe('time')
    deadline.dispose()
  })

  it('reserveWhenAvailable waits for calls in flight to settle', async () => {
    const budget = new Budget({ runUsd: 0.02, deadline: Deadline.none() })
    const first = reserved(budget.reserve(request))
    const waiting = budget.reserveWhenAvailable(request)
    setTimeout(
      () => budget.settle(first, { promptTokens: 10, cachedTokens: 0, completionTokens: 10 }),
      5
    )
    expect((await waiting).status).toBe('reserved')
  })
})
