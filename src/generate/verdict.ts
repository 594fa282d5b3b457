/** The gates of the module pipeline, in order (../shared DESIGN: our standard operating procedure). */
export const GATES = [
  'generates',
  'compiles',
  'passes',
  'heals',
  'stable',
  'adds-coverage',
  'asserts',
  /** Passes under the repository's own test command, as delivered (the final check). */
  'final-check'
] as const
export type Gate = (typeof GATES)[number]

export type Verdict =
  | { readonly status: 'accepted' }
  | { readonly status: 'rejected'; readonly gate: Gate; readonly reason: string }

export const accepted = (): Verdict => ({ status: 'accepted' })
export const rejected = (gate: Gate, reason: string): Verdict => ({
  status: 'rejected',
  gate,
  reason
})
