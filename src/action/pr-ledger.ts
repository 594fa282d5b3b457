import * as core from '@actions/core'
import { emptyLedger, ledgerTotal } from '../budget/ledger.js'
import type { ResolvedConfig } from '../config/resolve-config.js'
import { messageOf } from '../errors.js'
import {
  findStickyComment,
  type StickyComment,
  type StickyState
} from '../github/sticky-comment.js'
import { raisePrBudget } from './action-settings.js'
import { group, type PinnedJob } from './job.js'

/** The PR's spend so far and the settings it leaves this run, from the sticky comment's ledger. */
export interface PrLedger {
  readonly sticky: StickyComment | undefined
  readonly state: StickyState
  /** The settings this run uses: the PR budget raised by a command, explorer-only when unsure. */
  readonly effective: ResolvedConfig
  /** Spend on this PR by earlier runs. */
  readonly prSpentBeforeUsd: number
  /** Why the ledger could not be read, when it could not (the run is then explorer-only). */
  readonly unreadable?: string
  /** Whether the unknown spend forced the free explorer to stay within the PR budget. */
  readonly explorerOnly: boolean
}

export async function readPrLedger(job: PinnedJob, resolved: ResolvedConfig): Promise<PrLedger> {
  let unreadable: string | undefined
  const sticky = await group('Read the PR ledger', async () => {
    try {
      return await findStickyComment(job.client, job.trigger.repo, job.pr.number, job.selfLogin)
    } catch (error) {
      unreadable = messageOf(error)
      core.warning(unreadable)
      return undefined
    }
  })
  if (sticky?.stateUnreadable)
    unreadable = 'the ledger block of the TestMaster comment is missing or damaged'
  const state: StickyState = sticky?.state ?? { ledger: emptyLedger() }
  const raised =
    state.prBudgetUsd !== undefined
      ? await raisePrBudget(
          job.workspace,
          job.pr,
          job.inputs,
          job.trigger.commandFlat,
          state.prBudgetUsd
        )
      : resolved
  // What earlier runs spent is unknown: an LLM run could pass the PR budget, the explorer cannot.
  const explorerOnly = unreadable !== undefined && raised.settings.budget.prUsd !== undefined
  const effective: ResolvedConfig = explorerOnly
    ? {
        ...raised,
        settings: { ...raised.settings, llm: { ...raised.settings.llm, provider: 'explorer' } }
      }
    : raised
  return {
    sticky,
    state,
    effective,
    prSpentBeforeUsd: ledgerTotal(state.ledger, job.runId),
    ...(unreadable !== undefined ? { unreadable } : {}),
    explorerOnly
  }
}
