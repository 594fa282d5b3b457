import { describe, expect, it, jest } from '@jest/globals'
import { RateLimiter, sleep } from '../../src/llm/rate-limiter.js'
import { retryAfterMs, takesReasoningEffort } from '../../src/llm/client.js'

describe('RateLimiter', () => {
  it('lets requests through while the window has room, then holds the next one', async () => {
    let now = 0
    const limiter = new RateLimiter({ requestsPerMinute: 2 }, () => now)
    await limiter.acquire(10)
    await limiter.acquire(10)
    const controller = new AbortController()
    let third = 'waiting'
    const pending = limiter.acquire(10, controller.signal).then(
      () => (third = 'sent'),
      () => (third = 'aborted')
    )
    await sleep(20)
    expect(third).toBe('waiting')
    controller.abort(new Error('stop'))
    await pending
    expect(third).toBe('aborted')
    // a minute later the window is free again
    now = 60_001
    await limiter.acquire(10)
  })

  it('counts tokens per minute, and a request larger than the allowance goes alone', async () => {
    jest.useFakeTimers({ now: 0 })
    try {
      const limiter = new RateLimiter({ tokensPerMinute: 1000 })
      await limiter.acquire(5000)
      let next = 'waiting'
      const pending = limiter.acquire(1).then(() => (next = `sent at ${Date.now()}`))
      await jest.advanceTimersByTimeAsync(59_999)
      expect(next).toBe('waiting')
      await jest.advanceTimersByTimeAsync(2)
      await pending
      // Released as the big request leaves the one-minute window, not before.
      expect(next).toBe('sent at 60000')
    } finally {
      jest.useRealTimers()
    }
  })

  it('serves waiting callers in arrival order as the window frees up (shared by concurrent modules)', async () => {
    jest.useFakeTimers({ now: 0 })
    try {
      const limiter = new RateLimiter({ requestsPerMinute: 2 })
      const order: string[] = []
      const callers = ['a', 'b', 'c', 'd', 'e'].map((name) =>
        limiter.acquire(1).then(() => order.push(`${name}@${Date.now()}`))
      )
      await jest.advanceTimersByTimeAsync(0)
      expect(order).toEqual(['a@0', 'b@0'])
      await jest.advanceTimersByTimeAsync(60_000)
      expect(order).toEqual(['a@0', 'b@0', 'c@60000', 'd@60000'])
      await jest.advanceTimersByTimeAsync(60_000)
      await Promise.all(callers)
      expect(order).toEqual(['a@0', 'b@0', 'c@60000', 'd@60000', 'e@120000'])
    } finally {
      jest.useRealTimers()
    }
  })

  it('is a no-op without limits', async () => {
    const limiter = new RateLimiter({})
    expect(limiter.active).toBe(false)
    for (let i = 0; i < 1000; i++) await limiter.acquire(1_000_000)
  })
})

describe('retryAfterMs', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250)
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000)
    const now = Date.parse('2026-11-21T10:00:00Z')
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sat, 21 Nov 2026 10:00:05 GMT' }), now)).toBe(
      5000
    )
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined()
    expect(retryAfterMs(undefined)).toBeUndefined()
  })
})

describe('takesReasoningEffort', () => {
  it('is true for reasoning models only', () => {
    for (const model of ['gpt-5', 'gpt-5-mini', 'o3', 'o4-mini', 'gpt-5.4-nano'])
      expect(takesReasoningEffort(model)).toBe(true)
    for (const model of ['gpt-4.1', 'gpt-4o-mini', 'gpt-5-chat-latest', 'llama3'])
      expect(takesReasoningEffort(model)).toBe(false)
  })
})
