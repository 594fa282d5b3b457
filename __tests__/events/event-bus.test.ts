import { describe, expect, it } from '@jest/globals'
import { EventBus } from '../../src/events/event-bus.js'
import { createProgressListener, detectProgressMode } from '../../src/events/progress-listener.js'

function capture(): { text: () => string; write: (t: string) => void } {
  let out = ''
  return { text: () => out, write: (t) => void (out += t) }
}

describe('EventBus', () => {
  it('delivers typed payloads to every listener and unsubscribes', () => {
    const bus = new EventBus()
    const seen: string[] = []
    const off = bus.subscribe({ 'module:start': (e) => seen.push(e.module) })
    bus.emit('module:start', { module: 'src/a.ts', strategies: ['explorer'] })
    off()
    bus.emit('module:start', { module: 'src/b.ts', strategies: [] })
    expect(seen).toEqual(['src/a.ts'])
  })

  it('disables a listener that throws and keeps the others going', () => {
    const bus = new EventBus()
    const seen: string[] = []
    bus.subscribe({
      log: () => {
        throw new Error('reporter bug')
      }
    })
    bus.subscribe({ log: (e) => seen.push(e.message) })
    bus.log('info', 'one')
    bus.log('info', 'two')
    expect(seen).toEqual(['one', 'two'])
  })
})

describe('progress listener', () => {
  it('picks the mode from the environment', () => {
    expect(detectProgressMode({ GITHUB_ACTIONS: 'true' }, true)).toBe('actions')
    expect(detectProgressMode({}, true)).toBe('tty')
    expect(detectProgressMode({ CI: 'true' }, true)).toBe('plain')
    expect(detectProgressMode({}, false)).toBe('plain')
  })

  it('opens a log group per stage on Actions', () => {
    const out = capture()
    const bus = new EventBus()
    bus.subscribe(createProgressListener('actions', out))
    bus.emit('stage:start', { stage: 'plan' })
    bus.emit('stage:end', { stage: 'plan', status: 'ran', detail: '2 module(s)' })
    expect(out.text()).toBe('::group::plan\n  plan: ran (2 module(s))\n::endgroup::\n')
  })

  it('prints plain lines with counts and spend', () => {
    const out = capture()
    const bus = new EventBus()
    bus.subscribe(createProgressListener('plain', out))
    bus.emit('run:start', { runId: 'r1', provider: 'explorer', modules: 1 })
    bus.emit('candidate:verdict', {
      module: 'a.ts',
      candidate: 'explorer-1',
      strategy: 'explorer',
      verdict: { status: 'accepted' }
    })
    bus.emit('module:end', { module: 'a.ts', status: 'done', accepted: 1, rejected: 0 })
    bus.emit('run:end', { runId: 'r1', accepted: 1, rejected: 0, costUsd: 0, durationMs: 1500 })
    expect(out.text()).toBe(
      'TestMaster run r1: 1 module(s), provider explorer\n  a.ts: done, 1 accepted, 0 rejected\nDone in 1.5 s: 1 accepted, 0 rejected, $0.0000\n'
    )
  })

  it('keeps a live progress line in a terminal', () => {
    const out = capture()
    const bus = new EventBus()
    bus.subscribe(createProgressListener('tty', out))
    bus.emit('run:start', { runId: 'r1', provider: 'openai', model: 'gpt-5-mini', modules: 2 })
    bus.emit('llm:call', {
      module: 'a.ts',
      purpose: 'generate',
      tokensIn: 10,
      tokensOut: 5,
      costUsd: 0.0123,
      latencyMs: 5,
      outcome: 'ok'
    })
    expect(out.text()).toContain(
      '\r\x1b[2K[testmaster] modules 0/2 · accepted 0 · rejected 0 · $0.0123'
    )
  })
})
