import type { Verdict } from '../generate/verdict.js'
import type { Report } from '../report/report-schema.js'

/**
 * The typed event bus. Every step of a run emits an event; progress output, the session record and
 * telemetry are listeners. A listener that throws is reported once and never breaks the run.
 */

export interface TestMasterEvents {
  'run:start': { runId: string; provider: string; model?: string; modules: number }
  'run:end': {
    runId: string
    accepted: number
    rejected: number
    costUsd: number
    durationMs: number
  }
  'stage:start': { stage: string }
  'stage:end': { stage: string; status: 'ran' | 'skipped' | 'not-run' | 'failed'; detail?: string }
  'module:start': { module: string; strategies: readonly string[] }
  'module:end': { module: string; status: string; accepted: number; rejected: number }
  'candidate:verdict': { module: string; candidate: string; strategy: string; verdict: Verdict }
  'llm:call': {
    module: string
    purpose: 'generate' | 'heal'
    tokensIn: number
    tokensOut: number
    costUsd: number
    latencyMs: number
    outcome: string
  }
  'budget:reserved': { reservationUsd: number; spentUsd: number; reservedUsd: number }
  'budget:settled': { costUsd: number; spentUsd: number; reservedUsd: number }
  /** A reservation given back unsent: nothing was charged. */
  'budget:released': { reservationUsd: number; spentUsd: number; reservedUsd: number }
  'budget:limit': { limit: string; detail: string }
  delivery: Report['delivery']
  log: { level: 'debug' | 'info' | 'warning' | 'error'; message: string }
}

export type EventName = keyof TestMasterEvents

export type Listener = {
  [K in EventName]?: (payload: TestMasterEvents[K]) => void
}

export class EventBus {
  private readonly listeners: Listener[] = []
  private readonly broken = new Set<Listener>()

  subscribe(listener: Listener): () => void {
    this.listeners.push(listener)
    return () => {
      const index = this.listeners.indexOf(listener)
      if (index >= 0) this.listeners.splice(index, 1)
    }
  }

  emit<K extends EventName>(name: K, payload: TestMasterEvents[K]): void {
    for (const listener of this.listeners) {
      const handler = listener[name]
      if (!handler || this.broken.has(listener)) continue
      try {
        handler(payload)
      } catch (error) {
        // A reporter's bug must not stop the pipeline; say so once and mute that listener.
        this.broken.add(listener)
        process.stderr.write(
          `testmaster: an event listener failed and was disabled: ${String(error)}\n`
        )
      }
    }
  }

  log(level: TestMasterEvents['log']['level'], message: string): void {
    this.emit('log', { level, message })
  }
}
