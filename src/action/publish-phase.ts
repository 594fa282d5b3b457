import * as core from '@actions/core'
import { addRun, ledgerTotal } from '../budget/ledger.js'
import type { Settings } from '../config/schema.js'
import { isTestMasterError, messageOf } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import { checkRunContent } from '../github/check-run.js'
import { statusOf, type GitHubClient } from '../github/client.js'
import {
  buildStickyBody,
  commentWanted,
  upsertStickyComment,
  type StickyComment,
  type StickyState
} from '../github/sticky-comment.js'
import type { RepoRef } from '../github/trigger-event.js'
import { renderComment } from '../report/render-comment.js'
import { renderSummary } from '../report/render-summary.js'
import type { Report } from '../report/report-schema.js'
import type { SecretGuard } from '../report/secret-guard.js'
import type { Delivered } from './deliver.js'
import { healNote } from './heal-note.js'
import { finishReaction, group, tryCheckRun, type PinnedJob } from './job.js'
import { setOutputs, writeReport } from './outputs.js'
import type { PrLedger } from './pr-ledger.js'

/**
 * The run made public: the ledger extended with this run's spend, the sticky comment, the budget
 * gate check run, the job summary, the JSON report and the outputs. Returns the job's failure, if any.
 */
export async function publishPhase(
  job: PinnedJob,
  ledger: PrLedger,
  delivered: Delivered,
  events: EventBus,
  unrestored: readonly string[]
): Promise<string | undefined> {
  const { client, trigger, pr, guard } = job
  const settings = ledger.effective.settings
  const report = delivered.report
  events.emit('delivery', report.delivery)
  const runs = addRun(ledger.state.ledger, {
    id: job.runId,
    costUsd: report.budget.spentUsd,
    at: new Date().toISOString()
  })
  const prBudgetUsd = settings.budget.prUsd
  const notes = notesFor(job, ledger, delivered)
  const context = {
    prSpentUsd: ledgerTotal(runs),
    ...(prBudgetUsd !== undefined ? { prBudgetUsd } : {}),
    prRuns: runs.runs.length,
    includeTests: delivered.testsInComment
  }
  const commentUrl = await group('Update the TestMaster comment', () =>
    writeStickyComment(
      client,
      trigger.repo,
      pr.number,
      ledger.sticky,
      report,
      { ...context, notes },
      { ...ledger.state, ledger: runs },
      settings,
      notes,
      guard,
      job.selfLogin
    )
  )
  await group('Post the budget gate check run', () => postGate(job, report))
  await core.summary
    .addRaw(guard.redact(renderSummary(report, { ...context, notes }), 'job summary'))
    .write()
  const reportPath = await writeReport(report, settings, job.env, job.workspace, guard)
  setOutputs(report, reportPath, commentUrl)
  return finish(job, report, unrestored)
}

/**
 * The gate on the tested commit, and on the commit the bot pushed, which becomes the PR head: a
 * push with the default token starts no workflow, so a required check would otherwise stay missing.
 */
async function postGate(job: PinnedJob, report: Report): Promise<void> {
  const content = job.guard.redactDeep(checkRunContent(report), 'check run')
  await tryCheckRun(job, job.pinnedSha, content)
  const pushed = report.delivery
  if (pushed.mode === 'commit' && pushed.status === 'delivered' && pushed.commitSha)
    await tryCheckRun(job, pushed.commitSha, content)
}

function notesFor(job: PinnedJob, ledger: PrLedger, delivered: Delivered): string[] {
  const notes = [...ledger.notes, ...delivered.notes]
  if (job.trigger.command?.name === 'heal') notes.push(healNote(delivered.report))
  return notes
}

/** The command's reaction, a warning when nothing was delivered, and the job's failure. */
async function finish(
  job: PinnedJob,
  report: Report,
  unrestored: readonly string[]
): Promise<string | undefined> {
  const undelivered = report.delivery.status === 'failed' || report.delivery.status === 'head-moved'
  await finishReaction(job.client, job.trigger, !undelivered)
  if (undelivered)
    core.warning(
      `TestMaster did not deliver the tests: ${report.delivery.detail ?? report.delivery.status}`
    )
  if (unrestored.length > 0)
    return `TestMaster could not undo what the tests changed in ${unrestored.join('; ')}: later steps of this job must not be trusted`
  if (report.gate.failed) return `TestMaster gate failed: ${report.gate.reasons.join('; ')}`
  return undefined
}

/** The one TestMaster comment, updated in place; a token that cannot comment leaves a note instead. */
async function writeStickyComment(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  sticky: StickyComment | undefined,
  report: Report,
  context: Parameters<typeof renderComment>[1],
  state: StickyState,
  settings: Readonly<Settings>,
  notes: string[],
  guard: SecretGuard,
  /** The token's login, to find our comment again if a create fails without an answer. */
  selfLogin: string | undefined
): Promise<string | undefined> {
  if (sticky && !commentWanted(settings.github.commentMode, true, report)) {
    core.info('Nothing changed since the last comment (comment-mode on-change).')
    return sticky.htmlUrl
  }
  try {
    const outcome = await upsertStickyComment(
      client,
      repo,
      number,
      guard.redact(buildStickyBody(renderComment(report, context), state), 'comment'),
      sticky,
      selfLogin
    )
    core.info(`TestMaster comment ${outcome.status}: ${outcome.htmlUrl}`)
    return outcome.htmlUrl
  } catch (error) {
    // A fork PR's token cannot comment (403): the job summary is then our voice (SECURITY 9).
    const status = statusOf(isTestMasterError(error) ? error.cause : error)
    const text =
      status === 403
        ? 'The token cannot comment on this pull request (a fork PR has a read-only token): the result is in this job summary.'
        : `The TestMaster comment could not be written: ${messageOf(error)}`
    core.warning(text)
    notes.push(text)
    return undefined
  }
}
