import type { ModuleReport, Ratio, Report } from './report-schema.js'

/** The report for a terminal: plain text, no markdown, aligned columns. */

function pct(ratio: Ratio | undefined): string {
  return ratio ? `${ratio.pct.toFixed(1)}%` : '-'
}

function change(before: Ratio | undefined, after: Ratio | undefined): string {
  if (!before && !after) return '-'
  if (!after || (before && before.pct === after.pct)) return pct(before ?? after)
  return `${pct(before)} -> ${pct(after)}`
}

function usd(value: number): string {
  return `$${value.toFixed(4)}`
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd()
}

function accepted(m: ModuleReport): number {
  return m.candidates.filter((c) => c.verdict.status === 'accepted').length
}

// Terminal output must not carry escape sequences from file names or model text.
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what we replace
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
}

/** Renders the report as plain text lines for a terminal or a log. */
export function renderTerminal(report: Report): string {
  const out: string[] = []
  const t = report.totals
  const dry = report.settings.dryRun === true
  out.push(
    dry
      ? `TestMaster dry run ${report.runId}: ${report.plan.modules.length} module(s), estimated ${usd(report.plan.estimatedCostUsd)}`
      : `TestMaster run ${report.runId}: ${t.accepted} accepted, ${t.rejected} rejected, ${usd(t.llm.costUsd)}`
  )
  if (report.modules.length > 0) {
    const header = ['module', 'acc', 'rej', 'lines', 'branches', 'changed lines', 'cost']
    const rows = report.modules.map((m) => [
      clean(m.path) + (m.status === 'done' ? '' : ` (${m.status})`),
      String(accepted(m)),
      String(m.candidates.length - accepted(m)),
      change(m.coverageBefore?.lines, m.coverageAfter?.lines),
      change(m.coverageBefore?.branches, m.coverageAfter?.branches),
      change(m.patchCoverageBefore?.lines, m.patchCoverageAfter?.lines),
      usd(m.llm.costUsd)
    ])
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
    out.push('', row(header, widths), ...rows.map((r) => row(r, widths)))
  }
  for (const m of report.modules) {
    for (const c of m.candidates) {
      if (c.verdict.status === 'rejected') {
        out.push(
          `  rejected ${clean(m.path)} ${clean(c.id)} at ${c.verdict.gate}: ${clean(c.verdict.reason)}`
        )
      }
    }
  }
  out.push(
    '',
    `tokens ${t.llm.tokensIn} in / ${t.llm.tokensOut} out in ${t.llm.calls} call(s); spent ${usd(report.budget.spentUsd)} of ${usd(report.budget.limits.runUsd)}${report.budget.stoppedBy ? `; stopped by ${report.budget.stoppedBy}` : ''}`
  )
  out.push(
    `delivery ${report.delivery.mode}: ${report.delivery.status}${report.delivery.detail ? ` (${clean(report.delivery.detail)})` : ''}`
  )
  if (report.gate.failed) out.push(`gate failed: ${report.gate.reasons.map(clean).join('; ')}`)
  return `${out.join('\n')}\n`
}
