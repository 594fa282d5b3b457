/**
 * Requests-per-minute and tokens-per-minute limits shared by every module of a run: one limiter,
 * many callers. A sliding one-minute window of what was sent; a caller waits until its request
 * fits, or until its signal aborts.
 */

export interface RateLimits {
  readonly requestsPerMinute?: number
  readonly tokensPerMinute?: number
}

const WINDOW_MS = 60_000

export class RateLimiter {
  private readonly sent: { at: number; tokens: number }[] = []
  /** Callers served in arrival order, so a large request is not starved by small ones. */
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now
  ) {}

  /** Whether any limit is configured (callers skip the queue when none is). */
  get active(): boolean {
    return this.limits.requestsPerMinute !== undefined || this.limits.tokensPerMinute !== undefined
  }

  /**
   * Waits until one request of `tokens` fits the window, then counts it. Rejects with the
   * signal's reason when it aborts while waiting.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    if (!this.active) {
      signal?.throwIfAborted()
      return Promise.resolve()
    }
    const turn = this.queue.then(() => this.waitForRoom(tokens, signal))
    // The next caller waits for this one whatever happens to it.
    this.queue = turn.catch(() => undefined)
    return turn
  }

  private async waitForRoom(tokens: number, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted()
      const now = this.now()
      while (this.sent.length > 0 && (this.sent[0]?.at ?? 0) <= now - WINDOW_MS) this.sent.shift()
      const wait = this.waitMs(tokens, now)
      if (wait <= 0) {
        this.sent.push({ at: now, tokens })
        return
      }
      await sleep(wait, signal)
    }
  }

  private waitMs(tokens: number, now: number): number {
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.limits
    let wait = 0
    if (rpm !== undefined && this.sent.length >= rpm) {
      const oldest = this.sent[this.sent.length - rpm]
      if (oldest) wait = Math.max(wait, oldest.at + WINDOW_MS - now)
    }
    if (tpm !== undefined && this.sent.length > 0) {
      // A request larger than the whole per-minute allowance goes alone into an empty window.
      let used = this.sent.reduce((n, s) => n + s.tokens, 0)
      for (const entry of this.sent) {
        if (used + tokens <= tpm) break
        used -= entry.tokens
        wait = Math.max(wait, entry.at + WINDOW_MS - now)
      }
    }
    return wait
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason as Error)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
