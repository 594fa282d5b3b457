import type { Report } from '../report/report-schema.js'
import { acceptedTestCases, formatUsd } from '../report/render-comment.js'
import {
  annotationsNote,
  MAX_ANNOTATIONS,
  uncoveredAnnotations,
  type CheckAnnotation
} from './check-annotations.js'
import { apiError, type GitHubClient } from './client.js'
import { createOnce, NO_AUTOMATIC_RETRY } from './create-once.js'
import type { RepoRef } from './trigger-event.js'

/** The budget gate as a check run on the PR head: its conclusion and summary, from the Report. */

export const CHECK_NAME = 'TestMaster budget gate'

export interface CheckRunContent {
  readonly conclusion: 'success' | 'failure' | 'neutral'
  readonly title: string
  readonly summary: string
  /** Warnings on the changed lines still uncovered after the run (at most 50). */
  readonly annotations?: readonly CheckAnnotation[]
}

/**
 * What the check run says for a report. Every finding is in it; only a finding that fails the job
 * (`fail-on`) makes it a failure, the others leave it neutral, so a passing job never has a red check.
 */
export function checkRunContent(
  report: Report,
  extraReasons: readonly string[] = []
): CheckRunContent {
  const reasons = [
    ...(report.gate.findings?.map((f) => f.reason) ?? report.gate.reasons),
    ...extraReasons
  ]
  const dry = report.settings.dryRun === true
  const uncovered = uncoveredAnnotations(report)
  const annotations = uncovered.annotations
  const note = annotationsNote(uncovered)
  const withNote = (summary: string): string => (note ? `${summary}\n\n${note}` : summary)
  if (reasons.length > 0) {
    const failing = report.gate.failed || extraReasons.length > 0
    return {
      conclusion: failing ? 'failure' : 'neutral',
      title: findingTitle(report, dry),
      summary: withNote(
        reasons.map((r) => `- ${r}`).join('\n') +
          (dry && report.budget.limits.prUsd !== undefined
            ? '\n\nA maintainer can raise the pull request budget with `/testmaster budget USD`.'
            : '') +
          (failing
            ? ''
            : `\n\nThe job itself passes: \`fail-on\` is ${JSON.stringify(report.settings.failOn ?? 'never')}.`)
      ),
      annotations
    }
  }
  if (dry) {
    return {
      conclusion: 'success',
      title: `Estimated ${formatUsd(report.plan.estimatedCostUsd)} for ${report.plan.modules.length} module(s)`,
      summary: `Dry run: no LLM call was made. The estimate fits the budget (${formatUsd(report.budget.limits.prUsd ?? report.budget.limits.runUsd)} ${report.budget.limits.prUsd !== undefined ? 'per PR' : 'per run'}).`,
      annotations
    }
  }
  const spent = `${formatUsd(report.budget.spentUsd)} of ${formatUsd(report.budget.limits.runUsd)}`
  return {
    conclusion: 'success',
    // The tests the run added, as the comment and the commit count them (not candidate files).
    title: `${acceptedTestCases(report)} test(s) added, ${spent} spent`,
    summary: withNote(`Every changed module was handled within the budget (${spent}).`),
    annotations
  }
}

function findingTitle(report: Report, dry: boolean): string {
  if (dry) return `Estimated ${formatUsd(report.plan.estimatedCostUsd)}: over budget`
  if (report.budget.stoppedBy === 'cancelled') return 'Cancelled before every module was handled'
  if (report.budget.exceeded) return 'Budget ran out before every module was handled'
  return 'Patch coverage below the threshold'
}

/**
 * Posts a completed check run on `headSha`, tagged with the run id (`external_id`). Returns its
 * URL. GitHub can create it and then fail to answer: the run's own check is looked up before the
 * POST is sent again, so a SHA never gets two gates from one run.
 */
export async function postCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  headSha: string,
  content: CheckRunContent,
  runId?: string
): Promise<string> {
  try {
    const outcome = await createOnce(client, {
      create: async () =>
        (
          await client.rest.checks.create({
            ...repo,
            name: CHECK_NAME,
            head_sha: headSha,
            ...(runId ? { external_id: runId } : {}),
            status: 'completed',
            conclusion: content.conclusion,
            completed_at: new Date().toISOString(),
            output: {
              title: content.title.slice(0, 255),
              summary: content.summary.slice(0, 65_000),
              ...(content.annotations && content.annotations.length > 0
                ? {
                    annotations: content.annotations
                      .slice(0, MAX_ANNOTATIONS)
                      .map((a) => ({ ...a }))
                  }
                : {})
            },
            request: NO_AUTOMATIC_RETRY
          })
        ).data.html_url ?? '',
      // Without a run id there is nothing to know our own check by: never sent twice then.
      findCreated: async () =>
        runId ? await findRunCheck(client, repo, headSha, runId) : undefined,
      attempts: runId ? 3 : 1
    })
    return outcome.status === 'created' ? outcome.created : outcome.found
  } catch (error) {
    throw apiError(`posting the ${CHECK_NAME} check run`, error)
  }
}

/** The URL of the gate check run this run posted on `sha`, if GitHub has it. */
async function findRunCheck(
  client: GitHubClient,
  repo: RepoRef,
  sha: string,
  runId: string
): Promise<string | undefined> {
  const runs = await client.paginate(client.rest.checks.listForRef, {
    ...repo,
    ref: sha,
    check_name: CHECK_NAME,
    per_page: 100
  })
  return runs.find((run) => run.external_id === runId)?.html_url ?? undefined
}

/** Whether the budget gate check run is already on `sha` (posted when the bot pushed it). */
export async function hasCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  sha: string
): Promise<boolean> {
  try {
    const { data } = await client.rest.checks.listForRef({
      ...repo,
      ref: sha,
      check_name: CHECK_NAME,
      per_page: 1
    })
    return data.total_count > 0
  } catch (error) {
    throw apiError(`reading the ${CHECK_NAME} check runs of ${sha.slice(0, 12)}`, error)
  }
}
