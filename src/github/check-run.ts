import type { Report } from '../report/report-schema.js'
import { formatUsd } from '../report/render-comment.js'
import {
  annotationsNote,
  MAX_ANNOTATIONS,
  uncoveredAnnotations,
  type CheckAnnotation
} from './check-annotations.js'
import { apiError, type GitHubClient } from './client.js'
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

/** What the check run says for a report. */
export function checkRunContent(
  report: Report,
  extraReasons: readonly string[] = []
): CheckRunContent {
  // The check reports every finding; `fail-on` only decides whether the job fails as well.
  const reasons = [
    ...(report.gate.findings?.map((f) => f.reason) ?? report.gate.reasons),
    ...extraReasons
  ]
  const dry = report.settings.dryRun === true
  const spent = `${formatUsd(report.budget.spentUsd)} of ${formatUsd(report.budget.limits.runUsd)}`
  const uncovered = uncoveredAnnotations(report)
  const annotations = uncovered.annotations
  const note = annotationsNote(uncovered)
  const withNote = (summary: string): string => (note ? `${summary}\n\n${note}` : summary)
  const jobNote = report.gate.failed
    ? ''
    : `\n\nThe job itself passes: \`fail-on\` is ${JSON.stringify(report.settings.failOn ?? 'never')}.`
  if (reasons.length > 0) {
    return {
      conclusion: 'failure',
      title: dry
        ? `Estimated ${formatUsd(report.plan.estimatedCostUsd)}: over budget`
        : report.budget.stoppedBy === 'cancelled'
          ? 'Cancelled before every module was handled'
          : report.budget.exceeded
            ? 'Budget ran out before every module was handled'
            : 'Patch coverage below the threshold',
      summary: withNote(
        reasons.map((r) => `- ${r}`).join('\n') +
          (dry ? '\n\nA maintainer can raise the budget with `/testmaster budget USD`.' : '') +
          (extraReasons.length === 0 ? jobNote : '')
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
  return {
    conclusion: 'success',
    title: `${report.totals.accepted} test(s) accepted, ${spent} spent`,
    summary: withNote(`Every changed module was handled within the budget (${spent}).`),
    annotations
  }
}

/** Posts a completed check run on `headSha`. Returns its URL. */
export async function postCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  headSha: string,
  content: CheckRunContent
): Promise<string> {
  try {
    const { data } = await client.rest.checks.create({
      ...repo,
      name: CHECK_NAME,
      head_sha: headSha,
      status: 'completed',
      conclusion: content.conclusion,
      completed_at: new Date().toISOString(),
      output: {
        title: content.title.slice(0, 255),
        summary: content.summary.slice(0, 65_000),
        ...(content.annotations && content.annotations.length > 0
          ? { annotations: content.annotations.slice(0, MAX_ANNOTATIONS).map((a) => ({ ...a })) }
          : {})
      }
    })
    return data.html_url ?? ''
  } catch (error) {
    throw apiError(`posting the ${CHECK_NAME} check run`, error)
  }
}
