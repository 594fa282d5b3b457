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
import { explorerOnly, FORK_WITHOUT_MODEL_NOTE, modelWithheldFromFork } from './fork-policy.js'
import { group, type PinnedJob } from './job.js'

/** The PR's spend so far and the settings it leaves this run, from the sticky comment's ledger. */
export interface PrLedger {
  readonly sticky: StickyComment | undefined
  readonly state: StickyState
  /** The settings this run uses: the PR budget raised by a command, explorer-only when unsure. */
  readonly effective: ResolvedConfig
  /** Spend on this PR by earlier runs. */
  readonly prSpentBeforeUsd: number
  /** How these settings came to differ from the configured ones, for the comment and summary. */
  readonly notes: readonly string[]
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
  const notes: string[] = []
  let effective = raised
  // What earlier runs spent is unknown: an LLM run could pass the PR budget, the explorer cannot.
  if (unreadable !== undefined && raised.settings.budget.prUsd !== undefined) {
    effective = explorerOnly(effective)
    notes.push(
      `The PR ledger could not be read (${unreadable}), so what earlier runs spent is unknown: this run used the free explorer only, to stay within the PR budget.`
    )
  }
  if (modelWithheldFromFork(job.pr, effective.settings, job.inputs.apiKey)) {
    effective = explorerOnly(effective)
    notes.push(FORK_WITHOUT_MODEL_NOTE)
    core.notice(FORK_WITHOUT_MODEL_NOTE)
  }
  return {
    sticky,
    state,
    effective,
    prSpentBeforeUsd: ledgerTotal(state.ledger, job.runId),
    notes
  }
}
