/**
 * Cancellation from outside: a cancelled Actions job gets SIGINT, then SIGTERM 7.5 s later, then
 * SIGKILL; Ctrl-C in a terminal sends SIGINT. The first signal aborts the run the way its wall-time
 * limit does (no new LLM call, calls in flight cut off, accepted tests kept), so the report, the
 * ledger and the delivery still happen. A second Ctrl-C exits at once; the runner's SIGTERM after
 * its SIGINT does not, as the ledger may still be being written.
 */

export interface Cancellation {
  readonly signal: AbortSignal
  /** Removes the signal handlers. */
  dispose(): void
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

export function cancelOnTermination(
  onCancel: (signal: NodeJS.Signals) => void = () => undefined
): Cancellation {
  const controller = new AbortController()
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      if (signal === 'SIGINT') process.exit(130)
      return
    }
    onCancel(signal)
    controller.abort(new Error(`cancelled by ${signal}`))
  }
  for (const name of SIGNALS) process.on(name, handler)
  return {
    signal: controller.signal,
    dispose() {
      for (const name of SIGNALS) process.off(name, handler)
    }
  }
}
