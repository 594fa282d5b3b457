import { renderReportSections, type MarkdownContext } from './render-comment.js'
import { escapeMarkdown } from './escape-markdown.js'
import type { Report } from './report-schema.js'

/** GitHub caps one step summary at 1 MiB; stay well under it. */
export const SUMMARY_MAX_CHARS = 900_000

/**
 * The job summary: the comment's sections plus the pipeline stages. On fork PRs, where the token
 * cannot comment, this is where the user reads the result.
 */
export function renderSummary(report: Report, context: MarkdownContext = {}): string {
  const sections = renderReportSections(report, context)
  if (report.stages.length > 0) {
    const rows = report.stages.map(
      (s) =>
        `| ${escapeMarkdown(s.name)} | ${s.status} | ${s.detail ? escapeMarkdown(s.detail) : ''} |`
    )
    sections.push(['| Stage | Status | Detail |', '| --- | --- | --- |', ...rows].join('\n'))
  }
  const text = `## TestMaster\n\n${sections.join('\n\n')}\n`
  return text.length <= SUMMARY_MAX_CHARS
    ? text
    : `${text.slice(0, SUMMARY_MAX_CHARS)}\n\n… (truncated)\n`
}
