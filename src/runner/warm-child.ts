/**
 * What the warm jest and vitest children share: the IPC reply, the end-of-run marker on their
 * output, and error text. Imports nothing but types, so the children stay light to start.
 */
import type { WorkerMessage } from './warm-protocol.js'

export function send(message: WorkerMessage): void {
  process.send?.(message)
}

/**
 * Writes the end-of-run marker (argv[3]) to stdout and stderr, after everything the run printed:
 * the parent reads the run's output up to it, so none of it spills into the next run.
 */
export async function markEndOfOutput(): Promise<void> {
  const marker = process.argv[3]
  if (!marker) return
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write(marker, () => resolve()))
    )
  )
}

export function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error)
}
