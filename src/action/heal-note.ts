import type { Report } from '../report/report-schema.js'

/** What `/testmaster heal` did to the tests TestMaster committed earlier. */
export function healNote(report: Report): string {
  // Modules whose earlier tests TestMaster re-ran and ended with this verdict.
  const previousEnded = (status: 'accepted' | 'rejected') =>
    report.modules.filter((m) =>
      m.candidates.some((c) => c.id === 'previous' && c.verdict.status === status)
    )
  const failedEarlier = previousEnded('rejected')
  const replaced = failedEarlier.filter((m) => m.testFile).map((m) => m.path)
  const stillFailing = failedEarlier.filter((m) => !m.testFile).map((m) => m.path)
  const parts = [
    'Heal only: the tests TestMaster committed earlier were re-run; no tests were generated for other modules.'
  ]
  // A previous candidate is reported only when something happened to it: healed, or failing.
  const healed = previousEnded('accepted').map((m) => m.path)
  if (healed.length > 0) parts.push(`The tests of ${healed.join(', ')} failed and were healed.`)
  if (healed.length === 0 && failedEarlier.length === 0) parts.push('They all still pass.')
  if (replaced.length > 0)
    parts.push(
      `The tests of ${replaced.join(', ')} now failed and could not be healed, so they were replaced by new explorer tests of the code as it is now.`
    )
  if (stillFailing.length > 0)
    parts.push(
      `The tests of ${stillFailing.join(', ')} now fail and could not be healed or replaced (see the rejected candidates), so they are still on the branch as they were.`
    )
  return parts.join(' ')
}
