import type { ModelPrice } from '../config/schema.js'
import type { EventBus } from '../events/event-bus.js'
import type { z } from 'zod'
import type { BudgetReportSchema, LimitName } from '../report/report-schema.js'
import type { TokenUsage } from '../llm/pricing.js'
import type { Deadline } from './deadline.js'

/**
 * The hard budget (DESIGN "Budget: a hard guarantee"). Before each LLM call the caller reserves the
 * worst case: prompt tokens times the input price plus the output cap times the output price. The
 * reservation is refused when it does not fit under every limit, counting what is already spent
 * and what calls in flight have reserved. After the call it is settled on the usage the API
 * returned, never for more than was reserved. All accounting is synchronous, so concurrent callers
 * (which interleave only at `await`) can never overspend.
 *
 * Money is kept in integer pico-dollars (1e-12 USD) so sums and comparisons are exact: a float sum
 * of many small costs could otherwise pass a cap by a rounding error.
 */

/** The budget section of the report (`BudgetReportSchema`). */
export type BudgetReport = z.infer<typeof BudgetReportSchema>

export interface BudgetOptions {
  /** Hard cap for this run, USD. */
  readonly runUsd: number
  /** Cap across all runs on the PR, USD (the ledger). */
  readonly prUsd?: number
  /** What earlier runs on the PR spent (from the ledger). */
  readonly prSpentBeforeUsd?: number
  /** Cap per module, USD. */
  readonly moduleUsd?: number
  readonly maxCalls?: number
  /** Prompt + completion tokens, reserved like money. */
  readonly maxTokens?: number
  readonly deadline: Deadline
  readonly events?: EventBus
}

export interface ReserveRequest {
  readonly module: string
  /** Prompt tokens counted with the real tokenizer (with the margin for foreign models). */
  readonly promptTokens: number
  /** The output cap sent with the request. */
  readonly maxOutputTokens: number
  readonly price: ModelPrice
}

export interface Reservation {
  readonly status: 'reserved'
  readonly id: number
  readonly module: string
  readonly promptTokens: number
  readonly maxOutputTokens: number
  readonly price: ModelPrice
  /** The worst-case cost held for this call. */
  readonly costUsd: number
}

export interface Refusal {
  readonly status: 'refused'
  readonly limit: LimitName
  readonly reason: string
  /**
   * True when the call would fit once calls in flight settle (their reservations are usually more
   * than they cost): waiting may help, and the run is not stopped. False: the limit is reached.
   */
  readonly waitable: boolean
}

export type ReserveOutcome = Reservation | Refusal

/** What a settled call was charged, and whether the server overran its reservation. */
export interface Settlement {
  readonly chargedUsd: number
  readonly overrun?: string
}

const PICO = 1e12

/** USD -> pico-USD for a cap: the nearest integer, so `0.3` is exactly 3e11. */
function capPico(usd: number): number {
  return Math.round(usd * PICO)
}

/** Cost in pico-USD, rounded up: a reservation never holds less than the worst case. */
/**
 * The most a call can cost: the whole prompt at the dearer of the fresh and cached prices (a price
 * override may put cached tokens above fresh ones), plus the output cap.
 */
function worstCasePico(request: Omit<ReserveRequest, 'module'>): number {
  const { price } = request
  const cachedDearer = (price.cachedInputPerMtok ?? price.inputPerMtok) > price.inputPerMtok
  return costPico(price, {
    promptTokens: request.promptTokens,
    cachedTokens: cachedDearer ? request.promptTokens : 0,
    completionTokens: request.maxOutputTokens
  })
}

function costPico(price: ModelPrice, usage: TokenUsage): number {
  const prompt = Math.max(0, usage.promptTokens)
  const cached = Math.min(Math.max(0, usage.cachedTokens), prompt)
  const cachedPrice = price.cachedInputPerMtok ?? price.inputPerMtok
  // price per Mtok * 1e6 = pico-USD per token.
  return Math.ceil(
    (prompt - cached) * price.inputPerMtok * 1e6 +
      cached * cachedPrice * 1e6 +
      Math.max(0, usage.completionTokens) * price.outputPerMtok * 1e6
  )
}

/**
 * What makes a usage unfit to charge by (SECURITY 38): a count that is not a finite number or is
 * negative would make the charge NaN or less than was spent. Undefined when every count is fine.
 */
function unusableCount(usage: TokenUsage): string | undefined {
  for (const [name, value] of Object.entries(usage) as [string, unknown][]) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      return `usage ${name} is ${JSON.stringify(value) ?? String(value)}, not a token count`
  }
  return undefined
}

function usd(pico: number): number {
  return pico / PICO
}

interface Held {
  readonly reservation: Reservation
  readonly pico: number
  readonly tokens: number
}

export class Budget {
  private readonly runCap: number
  private readonly prCap: number | undefined
  private readonly prBefore: number
  private readonly moduleCap: number | undefined
  private readonly maxCalls: number | undefined
  private readonly maxTokens: number | undefined
  private readonly deadline: Deadline
  private readonly events: EventBus | undefined

  private spent = 0
  private reserved = 0
  private peakReserved = 0
  private tokensSpent = 0
  private tokensReserved = 0
  /** Calls sent or in flight (a released reservation gives its call back). */
  private calls = 0
  private inFlight = 0
  private nextId = 1
  private readonly held = new Map<number, Held>()
  private readonly moduleSpent = new Map<string, number>()
  private readonly moduleReserved = new Map<string, number>()
  private readonly overruns: string[] = []
  private stop: LimitName | undefined
  private waiters: (() => void)[] = []

  constructor(private readonly options: BudgetOptions) {
    for (const [name, value] of [
      ['runUsd', options.runUsd],
      ['prUsd', options.prUsd],
      ['prSpentBeforeUsd', options.prSpentBeforeUsd],
      ['moduleUsd', options.moduleUsd],
      ['maxCalls', options.maxCalls],
      ['maxTokens', options.maxTokens]
    ] as const) {
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`budget ${name} must be a finite number >= 0, got '${String(value)}'`)
      }
    }
    this.runCap = capPico(options.runUsd)
    this.prCap = options.prUsd === undefined ? undefined : capPico(options.prUsd)
    this.prBefore = capPico(options.prSpentBeforeUsd ?? 0)
    this.moduleCap = options.moduleUsd === undefined ? undefined : capPico(options.moduleUsd)
    this.maxCalls = options.maxCalls
    this.maxTokens = options.maxTokens
    this.deadline = options.deadline
    this.events = options.events
    if (this.prCap !== undefined && this.prBefore >= this.prCap && this.prCap >= 0) {
      // Earlier runs already used the PR budget: nothing may start.
      this.latch(
        'pr-usd',
        `earlier runs on this PR spent $${usd(this.prBefore).toFixed(4)} of the PR budget $${usd(this.prCap).toFixed(4)}`
      )
    }
  }

  /** The limit that stopped new calls, once one has. */
  get stoppedBy(): LimitName | undefined {
    return this.stop
  }

  /** USD settled so far (calls in flight not included). */
  get spentUsd(): number {
    return usd(this.spent)
  }

  /** USD held by calls in flight. */
  get reservedUsd(): number {
    return usd(this.reserved)
  }

  /** USD still available under the run cap after spend and reservations. */
  get remainingUsd(): number {
    return usd(Math.max(0, this.runCap - this.spent - this.reserved))
  }

  /** Whether a token limit bounds the run (what lets an unpriced model run on token limits alone). */
  get hasTokenLimit(): boolean {
    return this.maxTokens !== undefined
  }

  /** Milliseconds left on the wall-time budget (Infinity without one). */
  remainingMs(): number {
    return this.deadline.remainingMs()
  }

  /** The wall-time deadline the budget enforces. */
  get signal(): AbortSignal {
    return this.deadline.signal
  }

  /** Worst-case cost of a request, USD (what `reserve` would hold). */
  worstCaseUsd(request: Omit<ReserveRequest, 'module'>): number {
    return usd(worstCasePico(request))
  }

  /**
   * Holds the worst case of one call, or refuses it naming the limit. Synchronous: between this
   * check and the hold no other caller can run.
   */
  reserve(request: ReserveRequest): ReserveOutcome {
    if (!(Number.isInteger(request.promptTokens) && request.promptTokens >= 0)) {
      throw new RangeError(
        `promptTokens must be a whole number >= 0, got '${request.promptTokens}'`
      )
    }
    if (!(Number.isInteger(request.maxOutputTokens) && request.maxOutputTokens >= 1)) {
      throw new RangeError(
        `maxOutputTokens must be a whole number >= 1, got '${request.maxOutputTokens}'`
      )
    }
    if (this.stop)
      return this.refuse(this.stop, `the ${this.stop} limit already stopped new calls`, false)
    if (this.deadline.expired) {
      this.latch('time', 'the wall-time budget of the run is spent')
      return this.refuse('time', 'the wall-time budget of the run is spent', false)
    }

    const pico = worstCasePico(request)
    const tokens = request.promptTokens + request.maxOutputTokens

    // Run-level limits: checked against spend + reservations; when the call would fit against
    // spend alone, calls in flight are what blocks it and the refusal is only a wait.
    const runLevel: { limit: LimitName; fitsNow: boolean; fitsSettled: boolean; what: string }[] = [
      {
        limit: 'run-usd',
        fitsNow: this.spent + this.reserved + pico <= this.runCap,
        fitsSettled: this.spent + pico <= this.runCap,
        what: `a call reserving $${usd(pico).toFixed(6)} does not fit the run budget $${usd(this.runCap).toFixed(4)} ($${usd(this.spent).toFixed(6)} spent, $${usd(this.reserved).toFixed(6)} in flight)`
      }
    ]
    if (this.prCap !== undefined) {
      runLevel.push({
        limit: 'pr-usd',
        fitsNow: this.prBefore + this.spent + this.reserved + pico <= this.prCap,
        fitsSettled: this.prBefore + this.spent + pico <= this.prCap,
        what: `a call reserving $${usd(pico).toFixed(6)} does not fit the PR budget $${usd(this.prCap).toFixed(4)} ($${usd(this.prBefore + this.spent).toFixed(6)} spent on the PR)`
      })
    }
    if (this.maxCalls !== undefined) {
      runLevel.push({
        limit: 'max-calls',
        fitsNow: this.calls + 1 <= this.maxCalls,
        fitsSettled: this.calls - this.inFlight + 1 <= this.maxCalls,
        what: `the run reached its limit of ${this.maxCalls} LLM calls`
      })
    }
    if (this.maxTokens !== undefined) {
      runLevel.push({
        limit: 'max-tokens',
        fitsNow: this.tokensSpent + this.tokensReserved + tokens <= this.maxTokens,
        fitsSettled: this.tokensSpent + tokens <= this.maxTokens,
        what: `a call reserving ${tokens} tokens does not fit the token limit ${this.maxTokens} (${this.tokensSpent} used, ${this.tokensReserved} in flight)`
      })
    }
    for (const check of runLevel) {
      if (check.fitsNow) continue
      if (check.fitsSettled) return this.refuse(check.limit, check.what, true)
      this.latch(check.limit, check.what)
      return this.refuse(check.limit, check.what, false)
    }

    if (this.moduleCap !== undefined) {
      const spentHere = this.moduleSpent.get(request.module) ?? 0
      const heldHere = this.moduleReserved.get(request.module) ?? 0
      if (spentHere + heldHere + pico > this.moduleCap) {
        // A module limit ends that module's calls only; other modules carry on.
        return this.refuse(
          'module-usd',
          `a call reserving $${usd(pico).toFixed(6)} does not fit the module budget $${usd(this.moduleCap).toFixed(4)} of ${request.module} ($${usd(spentHere).toFixed(6)} spent)`,
          spentHere + pico <= this.moduleCap
        )
      }
    }

    const reservation: Reservation = {
      status: 'reserved',
      id: this.nextId++,
      module: request.module,
      promptTokens: request.promptTokens,
      maxOutputTokens: request.maxOutputTokens,
      price: request.price,
      costUsd: usd(pico)
    }
    this.held.set(reservation.id, { reservation, pico, tokens })
    this.reserved += pico
    this.tokensReserved += tokens
    this.calls += 1
    this.inFlight += 1
    this.moduleReserved.set(request.module, (this.moduleReserved.get(request.module) ?? 0) + pico)
    this.peakReserved = Math.max(this.peakReserved, this.reserved)
    this.events?.emit('budget:reserved', {
      reservationUsd: usd(pico),
      spentUsd: usd(this.spent),
      reservedUsd: usd(this.reserved)
    })
    return reservation
  }

  /**
   * Like `reserve`, but when only calls in flight stand in the way, waits for them to settle and
   * tries again. Ends with a refusal when a limit is reached or `signal` aborts.
   */
  async reserveWhenAvailable(
    request: ReserveRequest,
    signal?: AbortSignal
  ): Promise<ReserveOutcome> {
    for (;;) {
      const outcome = this.reserve(request)
      if (outcome.status === 'reserved' || !outcome.waitable) return outcome
      const aborted = signal?.aborted || this.deadline.signal.aborted
      if (aborted)
        return this.refuse('time', 'cancelled while waiting for calls in flight to settle', false)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done)
          this.deadline.signal.removeEventListener('abort', done)
          resolve()
        }
        this.waiters.push(done)
        signal?.addEventListener('abort', done, { once: true })
        this.deadline.signal.addEventListener('abort', done, { once: true })
      })
    }
  }

  /**
   * Charges a finished call. With `usage`, the actual cost, never more than the reservation: a
   * server that reports more than the output cap, or a prompt larger than we counted, is charged
   * the reservation and the overrun is recorded. Without `usage` (the server omitted it, or the
   * call failed after it was sent) the whole reservation is charged; `note` says why in the report.
   */
  settle(reservation: Reservation, usage: TokenUsage | undefined, note?: string): Settlement {
    const held = this.take(reservation)
    let pico = held.pico
    let tokens = held.tokens
    let overrun: string | undefined
    const unusable = usage === undefined ? undefined : unusableCount(usage)
    if (unusable !== undefined) {
      overrun = `${reservation.module}: ${unusable}; charged the reservation $${usd(held.pico).toFixed(6)}`
    } else if (!usage) {
      overrun = `${reservation.module}: no usage reported${note ? ` (${note})` : ''}; charged the reservation $${usd(held.pico).toFixed(6)}`
    } else {
      const actual = costPico(reservation.price, usage)
      const actualTokens = Math.max(0, usage.promptTokens) + Math.max(0, usage.completionTokens)
      pico = Math.min(actual, held.pico)
      tokens = Math.min(actualTokens, held.tokens)
      const overCap = usage.completionTokens > reservation.maxOutputTokens
      if (overCap || actual > held.pico || actualTokens > held.tokens) {
        overrun =
          `${reservation.module}: server reported ${usage.promptTokens} prompt + ${usage.completionTokens} completion tokens ` +
          `(cap ${reservation.maxOutputTokens}, cost $${usd(actual).toFixed(6)}); charged the reservation $${usd(held.pico).toFixed(6)}`
        pico = held.pico
        tokens = held.tokens
      }
    }
    if (overrun) this.overruns.push(overrun)
    this.spent += pico
    this.tokensSpent += tokens
    this.moduleSpent.set(reservation.module, (this.moduleSpent.get(reservation.module) ?? 0) + pico)
    this.events?.emit('budget:settled', {
      costUsd: usd(pico),
      spentUsd: usd(this.spent),
      reservedUsd: usd(this.reserved)
    })
    this.wake()
    return overrun ? { chargedUsd: usd(pico), overrun } : { chargedUsd: usd(pico) }
  }

  /** Gives back a reservation whose request was never sent: no charge, and the call is not counted. */
  release(reservation: Reservation): void {
    const held = this.take(reservation)
    this.calls -= 1
    this.events?.emit('budget:released', {
      reservationUsd: usd(held.pico),
      spentUsd: usd(this.spent),
      reservedUsd: usd(this.reserved)
    })
    this.wake()
  }

  /** Marks the run stopped by `limit` (e.g. the deadline fired while a call was in flight). */
  stopBy(limit: LimitName, detail: string): void {
    this.latch(limit, detail)
  }

  /** The budget section of the report. */
  snapshot(): BudgetReport {
    const o = this.options
    return {
      limits: {
        runUsd: o.runUsd,
        ...(o.prUsd === undefined ? {} : { prUsd: o.prUsd }),
        ...(o.moduleUsd === undefined ? {} : { moduleUsd: o.moduleUsd }),
        ...(o.maxCalls === undefined ? {} : { maxCalls: o.maxCalls }),
        ...(o.maxTokens === undefined ? {} : { maxTokens: o.maxTokens }),
        timeMinutes: Number.isFinite(this.deadline.minutes)
          ? this.deadline.minutes
          : Number.MAX_SAFE_INTEGER
      },
      spentUsd: usd(this.spent),
      peakReservedUsd: usd(this.peakReserved),
      calls: this.calls,
      tokens: this.tokensSpent,
      ...(this.stop ? { stoppedBy: this.stop } : {}),
      exceeded: this.stop !== undefined,
      ...(o.prSpentBeforeUsd === undefined ? {} : { prSpentBeforeUsd: o.prSpentBeforeUsd }),
      overruns: [...this.overruns]
    }
  }

  private take(reservation: Reservation): Held {
    const held = this.held.get(reservation.id)
    if (!held)
      throw new Error(
        `reservation ${reservation.id} of ${reservation.module} was already settled or released`
      )
    this.held.delete(reservation.id)
    this.reserved -= held.pico
    this.tokensReserved -= held.tokens
    this.inFlight -= 1
    const moduleHeld = (this.moduleReserved.get(reservation.module) ?? 0) - held.pico
    this.moduleReserved.set(reservation.module, moduleHeld)
    return held
  }

  private refuse(limit: LimitName, reason: string, waitable: boolean): Refusal {
    return { status: 'refused', limit, reason, waitable }
  }

  private latch(limit: LimitName, detail: string): void {
    if (this.stop) return
    this.stop = limit
    this.events?.emit('budget:limit', { limit, detail })
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}
