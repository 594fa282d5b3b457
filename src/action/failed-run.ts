import * as core from '@actions/core'
import { messageOf } from '../errors.js'
import { addRun, ledgerTotal } from '../budget/ledger.js'
import type { GitHubClient } from '../github/client.js'
import {
  buildStickyBody,
  upsertStickyComment,
  type StickyComment,
  type StickyState
} from '../github/sticky-comment.js'
import type { RepoRef } from '../github/trigger-event.js'
import { formatUsd, renderFailedRun } from '../report/render-comment.js'

/**
 * A run that threw after spending still lands in the PR ledger (as an upper bound), so the PR
 * budget holds across the next runs; the comment says the run failed. Never throws.
 */
export async function recordFailedRunSpend(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  sticky: StickyComment | undefined,
  state: StickyState,
  failure: {
    runId: string
    message: string
    spentUsd: number
    prBudgetUsd: number | undefined
    /** The key and token: the message goes on the PR, so they are cut out of it (SECURITY 22). */
    secrets: readonly (string | undefined)[]
  }
): Promise<void> {
  const ledger = addRun(state.ledger, {
    id: failure.runId,
    costUsd: failure.spentUsd,
    at: new Date().toISOString()
  })
  const visible = renderFailedRun({
    runId: failure.runId,
    message: failure.secrets
      .reduce<string>(
        (text, secret) => (secret ? text.split(secret).join('***') : text),
        failure.message
      )
      // Credentials inside a URL (a proxy's `https://user:pass@host/v1`).
      .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//***@'),
    spentUsd: failure.spentUsd,
    prSpentUsd: ledgerTotal(ledger),
    prRuns: ledger.runs.length,
    ...(failure.prBudgetUsd !== undefined ? { prBudgetUsd: failure.prBudgetUsd } : {})
  })
  try {
    await upsertStickyComment(
      client,
      repo,
      number,
      buildStickyBody(visible, { ...state, ledger }),
      sticky
    )
    core.info(`The failed run's spend (up to ${formatUsd(failure.spentUsd)}) is in the PR ledger.`)
  } catch (error) {
    core.warning(
      `The failed run's spend (up to ${formatUsd(failure.spentUsd)}) could not be recorded in the PR ledger: ${messageOf(error)}`
    )
  }
}
