import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
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

/**
 * Host pids of running processes (zombies excluded) whose working directory is `dir` or below,
 * read from /proc. Sandboxed processes have pids of their own namespace, so what they report
 * about themselves cannot be checked from here; where they run can.
 */
export function processesIn(dir: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`)
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const running = !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
      if (running && (cwd === dir || cwd.startsWith(`${dir}/`))) found.push(Number(entry))
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

/** Host pids of running processes whose command line contains `token` (zombies excluded). */
export function processesWith(token: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const running = !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
      if (running && cmdline.includes(token)) found.push(Number(entry))
    } catch {
      // gone
    }
  }
  return found
}

/** Polls until `probe` returns an empty list (or `ms` pass); returns the last answer. */
export async function untilNone(probe: () => number[], ms = 10_000): Promise<number[]> {
  const until = Date.now() + ms
  for (;;) {
    const left = probe()
    if (left.length === 0 || Date.now() > until) return left
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Polls until `probe` returns a non-empty list (or `ms` pass); returns the last answer. */
export async function untilSome(probe: () => number[], ms = 10_000): Promise<number[]> {
  const until = Date.now() + ms
  for (;;) {
    const found = probe()
    if (found.length > 0 || Date.now() > until) return found
    await new Promise((r) => setTimeout(r, 50))
  }
}
