import type { EventBus } from '../events/event-bus.js'
import type { StageReport } from '../report/report-schema.js'

/** The run's stages as the report lists them: each timed, announced on the bus, and never lost on a throw. */
export class Stages {
  readonly list: StageReport[] = []
  constructor(private readonly events: EventBus) {}

  async run<T>(
    name: string,
    work: () => Promise<T>,
    detail?: (value: T) => string | undefined
  ): Promise<T> {
    this.events.emit('stage:start', { stage: name })
    const started = Date.now()
    try {
      const value = await work()
      const text = detail?.(value)
      this.list.push({ name, status: 'ran', durationMs: Date.now() - started, detail: text })
      this.events.emit('stage:end', { stage: name, status: 'ran', detail: text })
      return value
    } catch (error) {
      const text = error instanceof Error ? error.message.split('\n')[0] : String(error)
      this.list.push({ name, status: 'failed', durationMs: Date.now() - started, detail: text })
      this.events.emit('stage:end', { stage: name, status: 'failed', detail: text })
      throw error
    }
  }

  notRun(name: string, detail: string): void {
    this.list.push({ name, status: 'not-run', detail })
    this.events.emit('stage:end', { stage: name, status: 'not-run', detail })
  }
}
