import * as core from '@actions/core'
import { cancelOnTermination } from '../cancellation.js'
import { messageOf } from '../errors.js'
import { EventBus } from '../events/event-bus.js'
import { createProgressListener } from '../events/progress-listener.js'
import { checkoutDetached } from '../git/pull-request-checkout.js'
import type { Report } from '../report/report-schema.js'
import { recordFailedRunSpend } from './failed-run.js'
import { finishReaction, group, type PinnedJob } from './job.js'
import type { PrLedger } from './pr-ledger.js'
import { guardRunnerFiles } from './runner-command-files.js'

export interface TestedRun {
  readonly report: Report
  readonly events: EventBus
  /** Runner files the tests changed that could not be put back (later steps must not trust them). */
  readonly unrestored: readonly string[]
}

/**
 * The PR head checked out and the run done on it, cancellable by the job. A run that throws after
 * spending still has its spend recorded in the ledger.
 */
export async function testPhase(job: PinnedJob, ledger: PrLedger): Promise<TestedRun> {
  await group('Check out the pull request head', () =>
    checkoutDetached(job.workspace, job.pinnedSha)
  )
  const events = new EventBus()
  events.subscribe(
    createProgressListener('actions', { write: (text) => process.stdout.write(text) })
  )
  const spend = trackSpend(events)
  const guardedFiles = await guardRunnerFiles(job.env, job.workspace)
  let report: Report
  let unrestored: string[] = []
  const cancellation = cancelOnTermination((signal) =>
    core.warning(
      `${signal}: the job is being cancelled; stopping the run, keeping the accepted tests and recording the spend.`
    )
  )
  try {
    // Loaded only when a run happens: refusals and notices never load the pipeline (TypeScript etc.).
    const { run } = await import('../run.js')
    report = await run({
      resolved: ledger.effective,
      secrets: job.inputs.apiKey ? { apiKey: job.inputs.apiKey } : {},
      events,
      runId: job.runId,
      prSpentBeforeUsd: ledger.prSpentBeforeUsd,
      headSha: job.pinnedSha,
      mode: job.trigger.command?.name === 'heal' ? 'heal' : 'generate',
      signal: cancellation.signal,
      secretGuard: job.guard
    })
  } catch (error) {
    if (spend.upToUsd() > 0) {
      await recordFailedRunSpend(
        job.client,
        job.trigger.repo,
        job.pr.number,
        ledger.sticky,
        ledger.state,
        {
          runId: job.runId,
          message: messageOf(error),
          spentUsd: spend.upToUsd(),
          prBudgetUsd: ledger.effective.settings.budget.prUsd,
          secrets: [job.inputs.apiKey, job.inputs.githubToken]
        }
      )
    }
    await finishReaction(job.client, job.trigger, false)
    throw error
  } finally {
    unrestored = (await guardedFiles.restore()).failed
  }
  return { report, events, unrestored }
}

/** What the run has spent or holds for calls in flight, kept in case run() throws. */
function trackSpend(events: EventBus): { upToUsd: () => number } {
  let upToUsd = 0
  const track = (budget: { spentUsd: number; reservedUsd: number }): void => {
    upToUsd = budget.spentUsd + budget.reservedUsd
  }
  events.subscribe({ 'budget:reserved': track, 'budget:settled': track, 'budget:released': track })
  return { upToUsd: () => upToUsd }
}
