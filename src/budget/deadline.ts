/**
 * The wall-time budget of a run as an AbortSignal: every LLM call, test run and wait takes the
 * signal, so reaching the deadline cancels work in flight instead of waiting for it.
 */
export class Deadline {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout | undefined
  private readonly detach: (() => void) | undefined

  private constructor(
    /** The budget in milliseconds (Infinity for none). */
    readonly budgetMs: number,
    private readonly now: () => number,
    parent: AbortSignal | undefined
  ) {
    this.startedAt = now()
    if (Number.isFinite(budgetMs)) {
      this.timer = setTimeout(() => this.abort('time'), Math.max(0, budgetMs))
      // The deadline alone must not keep the process alive once the run's work is done.
      this.timer.unref()
    }
    if (parent) {
      if (parent.aborted) this.abort('cancelled')
      else {
        const onAbort = (): void => this.abort('cancelled')
        parent.addEventListener('abort', onAbort, { once: true })
        this.detach = () => parent.removeEventListener('abort', onAbort)
      }
    }
  }

  readonly startedAt: number
  private reason: 'time' | 'cancelled' | undefined

  /** A deadline `minutes` from now; `parent` (e.g. SIGINT) cancels it early. */
  static fromMinutes(
    minutes: number,
    options: { parent?: AbortSignal; now?: () => number } = {}
  ): Deadline {
    return new Deadline(minutes * 60_000, options.now ?? Date.now, options.parent)
  }

  /** A deadline `ms` milliseconds from now. */
  static fromMs(ms: number, options: { parent?: AbortSignal; now?: () => number } = {}): Deadline {
    return new Deadline(ms, options.now ?? Date.now, options.parent)
  }

  /** No wall-time limit (tests, replay); still cancellable through `parent`. */
  static none(options: { parent?: AbortSignal } = {}): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY, Date.now, options.parent)
  }

  /** Aborted when the time is up or the run is cancelled. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  get expired(): boolean {
    return this.controller.signal.aborted || this.remainingMs() <= 0
  }

  /** Why the signal fired: the time budget or an outer cancellation. */
  get abortReason(): 'time' | 'cancelled' | undefined {
    return this.reason
  }

  remainingMs(): number {
    return this.budgetMs - (this.now() - this.startedAt)
  }

  /** The budget in minutes, for the report. */
  get minutes(): number {
    return this.budgetMs / 60_000
  }

  /** Ends the deadline now (e.g. the user cancelled). */
  abort(reason: 'time' | 'cancelled' = 'cancelled'): void {
    if (this.controller.signal.aborted) return
    this.reason = reason
    this.controller.abort(new DeadlineAbort(reason))
  }

  /** Clears the timer and the parent listener; the signal stays as it is. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.detach?.()
  }
}

/** The abort reason carried by a deadline's signal. */
export class DeadlineAbort extends Error {
  constructor(readonly kind: 'time' | 'cancelled') {
    super(kind === 'time' ? 'the wall-time budget of the run is spent' : 'the run was cancelled')
    this.name = 'DeadlineAbort'
  }
}
