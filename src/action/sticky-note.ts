import * as core from '@actions/core'
import { emptyLedger } from '../budget/ledger.js'
import { messageOf } from '../errors.js'
import {
  buildStickyBody,
  findStickyComment,
  upsertStickyComment,
  type StickyComment
} from '../github/sticky-comment.js'
import { escapeMarkdown } from '../report/escape-markdown.js'
import { tryReply, type PinnedJob } from './job.js'

/** The line a stopped run leaves at the top of the sticky comment; the next stop replaces it. */
const STOP_PREFIX = '> ⏸️ **TestMaster did not run**: '

/** The sticky comment's visible text: without the marker line and the hidden ledger block. */
export function stickyVisibleText(sticky: StickyComment): string {
  return sticky.body
    .split('\n')
    .slice(1)
    .join('\n')
    .replace(/\n*<!-- testmaster:state [^>]*-->\s*$/, '')
}

/**
 * Says why a run stopped where the pull request's people look: a line at the top of the sticky
 * comment (its ledger kept), or a reply when there is no readable one to extend.
 */
export async function noteStopOnPullRequest(job: PinnedJob, why: string): Promise<void> {
  const { client, trigger, pr } = job
  const line = `${STOP_PREFIX}${escapeMarkdown(why)}`
  try {
    const sticky = await findStickyComment(client, trigger.repo, pr.number, job.selfLogin)
    if (!sticky || sticky.stateUnreadable) {
      await tryReply(client, trigger.repo, pr.number, line)
      return
    }
    const rest = stickyVisibleText(sticky)
      .split('\n')
      .filter((l) => !l.startsWith(STOP_PREFIX))
      .join('\n')
      .replace(/^\n+/, '')
    await upsertStickyComment(
      client,
      trigger.repo,
      pr.number,
      buildStickyBody(`${line}\n\n${rest}`, sticky.state ?? { ledger: emptyLedger() }),
      sticky
    )
  } catch (error) {
    core.warning(`could not say on #${pr.number} why the run stopped: ${messageOf(error)}`)
  }
}
