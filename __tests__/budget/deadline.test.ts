import { describe, expect, it } from '@jest/globals'
import { Deadline, DeadlineAbort } from '../../src/budget/deadline.js'

describe('Deadline', () => {
  it('aborts its signal when the time is up, with the reason', async () => {
    const deadline = Deadline.fromMs(20)
    expect(deadline.expired).toBe(false)
    await new Promise<void>((resolve) => deadline.signal.addEventListener('abort', () => resolve()))
    expect(deadline.expired).toBe(true)
    expect(deadline.abortReason).toBe('time')
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineAbort)
    deadline.dispose()
  })

  it('follows a parent signal (the run was cancelled)', () => {
    const parent = new AbortController()
    const deadline = Deadline.fromMinutes(20, { parent: parent.signal })
    parent.abort()
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.abortReason).toBe('cancelled')
    deadline.dispose()
  })

  it('reports the remaining time from its clock', () => {
    let now = 1000
    const deadline = Deadline.fromMinutes(1, { now: () => now })
    expect(deadline.remainingMs()).toBe(60_000)
    now += 59_999
    expect(deadline.expired).toBe(false)
    now += 1
    expect(deadline.expired).toBe(true)
    expect(deadline.minutes).toBe(1)
    deadline.dispose()
  })

  it('none() never expires', () => {
    const deadline = Deadline.none()
    expect(deadline.expired).toBe(false)
    expect(deadline.remainingMs()).toBe(Number.POSITIVE_INFINITY)
    deadline.dispose()
  })
})
