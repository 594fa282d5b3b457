import { existsSync } from 'node:fs'
import { it } from '@jest/globals'

/** Processes that left the group are found through /proc; elsewhere only the group kill exists. */
export const itWithProc = existsSync('/proc/self/environ') ? it : it.skip

/**
 * True once `process.kill(pid, 0)` says ESRCH. A killed orphan stays a zombie until init reaps
 * it, which in containers can take a second or two, hence the poll.
 */
export async function waitDead(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true
      throw error
    }
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 50))
  }
}
