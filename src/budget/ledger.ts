import { z } from 'zod'

/**
 * The per-PR ledger: what each run on a pull request spent, keyed by run id. The GitHub layer keeps
 * it in a hidden block of the sticky comment; these pure functions are all the arithmetic, so a
 * re-run of the same run id is never charged twice.
 */

export const LEDGER_VERSION = 1

export const LedgerRunSchema = z.strictObject({
  /** The workflow run id (or a CLI run id). */
  id: z.string().min(1).max(200),
  costUsd: z.number().finite().min(0),
  /** ISO time the entry was last written. */
  at: z.iso.datetime()
})
export type LedgerRun = z.infer<typeof LedgerRunSchema>

export const LedgerSchema = z.strictObject({
  version: z.literal(LEDGER_VERSION),
  runs: z.array(LedgerRunSchema).max(10_000)
})
export type Ledger = z.infer<typeof LedgerSchema>

export function emptyLedger(): Ledger {
  return { version: LEDGER_VERSION, runs: [] }
}

/**
 * The ledger with `run` recorded. A run id already present keeps one entry whose cost is the larger
 * of the two (a run's spend only grows, and the ledger may be written mid-run and again at the end),
 * so writing the same run twice never charges it twice. Never mutates its inputs.
 */
export function addRun(ledger: Ledger, run: LedgerRun): Ledger {
  const entry = LedgerRunSchema.parse(run)
  const existing = ledger.runs.find((r) => r.id === entry.id)
  if (!existing) return { version: LEDGER_VERSION, runs: [...ledger.runs, entry] }
  const merged: LedgerRun = {
    id: entry.id,
    costUsd: Math.max(existing.costUsd, entry.costUsd),
    at: entry.costUsd >= existing.costUsd ? entry.at : existing.at
  }
  return { version: LEDGER_VERSION, runs: ledger.runs.map((r) => (r.id === entry.id ? merged : r)) }
}

/** Total USD spent on the PR across recorded runs; `exceptRunId` leaves out the current run. */
export function ledgerTotal(ledger: Ledger, exceptRunId?: string): number {
  let total = 0
  for (const run of ledger.runs) if (run.id !== exceptRunId) total += run.costUsd
  return total
}

/**
 * Parses a ledger read from outside (the comment block); an invalid one is `undefined`, never a
 * throw, so a damaged comment cannot stop a run. The caller decides what an unreadable ledger means.
 */
export function parseLedger(value: unknown): Ledger | undefined {
  const parsed = LedgerSchema.safeParse(value)
  if (!parsed.success) return undefined
  // Duplicate ids in a hand-edited block are folded the same way addRun would.
  return parsed.data.runs.reduce(addRun, emptyLedger())
}
