import * as core from '@actions/core'
import type { Settings } from '../config/schema.js'
import { formatError } from '../errors.js'
import { getPullRequest } from '../github/pull-requests.js'
import type { Report } from '../report/report-schema.js'
import { deliverTests, type Delivered } from './deliver.js'
import { group, type PinnedJob } from './job.js'

/**
 * The accepted tests delivered (commit, side PR or comment) before any comment is written. A
 * delivery that throws loses nothing: the tests go into the comment and the failure is reported.
 */
export async function deliverPhase(
  job: PinnedJob,
  report: Report,
  settings: Readonly<Settings>,
  /** Test hook: called before each push attempt. */
  beforePush?: (attempt: number) => Promise<void>
): Promise<Delivered> {
  const { client, trigger, pr } = job
  return group('Deliver the tests', () =>
    deliverTests({
      report,
      settings,
      client,
      repo: trigger.repo,
      pullRequest: pr,
      pinnedSha: job.pinnedSha,
      workspace: job.workspace,
      runId: job.runId,
      secretGuard: job.guard,
      ...(trigger.command
        ? {
            currentHeadSha: async () =>
              (await getPullRequest(client, trigger.repo, pr.number)).headSha
          }
        : {}),
      ...(beforePush ? { beforePush } : {})
    }).catch((error: unknown) => deliveryFailed(report, settings, error))
  )
}

/**
 * A delivery that threw (git or API trouble): the run's tests are not lost, they go folded into
 * the comment and the report, and the failure is reported there.
 */
function deliveryFailed(report: Report, settings: Readonly<Settings>, error: unknown): Delivered {
  const detail = formatError(error).split('\n')[0] ?? 'delivery failed'
  core.warning(detail)
  return {
    report: {
      ...report,
      delivery: {
        mode: settings.delivery,
        status: 'failed',
        detail,
        files: report.tests.map((t) => t.path)
      }
    },
    testsInComment: true,
    notes: []
  }
}
