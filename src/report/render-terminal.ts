import { funnelLine, gateFunnelLine, healingLine, mutantGateOn } from './funnel.js'
import type { ModuleReport, Ratio, Report } from './report-schema.js'

/**
 * The report for a terminal: plain text, no markdown, an aligned table, and colours when the
 * output is a terminal that has them (never in a log or a pipe).
 */

export interface TerminalOptions {
  /** ANSI colours (the CLI turns them on for a TTY without NO_COLOR). */
  readonly color?: boolean
  /** List every changed file left out of the plan and every rejected candidate's code. */
  readonly verbose?: boolean
}

type Paint = (code: number, text: string) => string

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

function row(
  cells: readonly string[],
  widths: readonly number[],
  paint?: (cell: string, column: number) => string
): string {
  return cells
    .map((c, i) => {
      const padded = c.padEnd(widths[i] ?? 0)
      // Paint after padding: escape sequences have no width.
      return paint ? padded.replace(c, paint(c, i)) : padded
    })
    .join('  ')
    .trimEnd()
}

/**
 * Test cases the run added or changed for a module (a re-run accepts the earlier tests again, and
 * they are not new); without that count, those of its accepted candidate files.
 */
function acceptedTests(m: ModuleReport): number {
  return (
    m.testChanges?.added ??
    m.candidates.filter((c) => c.verdict.status === 'accepted').reduce((n, c) => n + c.tests, 0)
  )
}

/** How the module's "coverage before" was measured, in a sentence. */
function baselineLine(m: ModuleReport): string | undefined {
  const b = m.baseline
  if (!b) return undefined
  const framework = m.framework ?? 'its test framework'
  if (b.method === 'no-tests') return `no existing test reaches it through imports: starts at 0%`
  if (b.method === 'timed-out')
    return `its ${b.tests.length} existing test file(s) did not finish in time: starts at 0%`
  return `${b.tests.length} existing test file(s) that reach it through imports, run with ${framework} and coverage`
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
export function renderTerminal(report: Report, options: TerminalOptions = {}): string {
  const paint: Paint = options.color
    ? (code, text) => `\u001b[${code}m${text}\u001b[0m`
    : (_, text) => text
  const out: string[] = []
  const t = report.totals
  const dry = report.settings.dryRun === true
  const testCases = report.modules.reduce((n, m) => n + acceptedTests(m), 0)
  const cost = report.provider === 'explorer' ? 'offline explorer, $0' : usd(t.llm.costUsd)
  out.push(
    dry
      ? `TestMaster dry run ${report.runId}: ${report.plan.modules.length} module(s)${report.provider === 'explorer' ? ' (offline explorer, no cost)' : `, estimated ${usd(report.plan.estimatedCostUsd)}`}`
      : `TestMaster run ${report.runId}: ${paint(32, `${t.accepted} candidate file(s) accepted`)} (${testCases} test(s)), ${t.rejected > 0 ? paint(31, `${t.rejected} rejected`) : '0 rejected'}, ${cost}`
  )
  // The explorer makes no LLM call: a cost column of zeros would only be noise.
  const llm = report.provider !== 'explorer'
  if (report.sandbox?.mechanism === 'none' && !dry)
    out.push(paint(33, `warning: the tests ran without a sandbox: ${clean(report.sandbox.detail)}`))
  const uncommitted = report.repo.uncommitted ?? []
  if (uncommitted.length > 0) {
    const shown = uncommitted.slice(0, 5).map(clean).join(', ')
    out.push(
      paint(
        33,
        `warning: uncommitted changes in the work tree (${shown}${uncommitted.length > 5 ? ` and ${uncommitted.length - 5} more` : ''}): the tests ran on the work tree's content, not on ${report.repo.headSha?.slice(0, 12) ?? report.repo.head}`
      )
    )
  }
  if (report.modules.length > 0) {
    const header = [
      'module',
      'status',
      'files acc',
      'rej',
      'tests',
      'lines',
      'branches',
      'changed lines',
      ...(llm ? ['cost'] : [])
    ]
    const rows = report.modules.map((m) => [
      clean(m.path),
      m.status,
      String(accepted(m)),
      String(m.candidates.length - accepted(m)),
      String(acceptedTests(m)),
      change(m.coverageBefore?.lines, m.coverageAfter?.lines),
      change(m.coverageBefore?.branches, m.coverageAfter?.branches),
      change(m.patchCoverageBefore?.lines, m.patchCoverageAfter?.lines),
      ...(llm ? [usd(m.llm.costUsd)] : [])
    ])
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
    const statusColor = (status: string): number =>
      status === 'done' ? 32 : status === 'failed' ? 31 : 33
    out.push(
      '',
      paint(1, row(header, widths)),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...rows.map((r) =>
        row(r, widths, (cell, column) => (column === 1 ? paint(statusColor(cell), cell) : cell))
      )
    )
  }
  // Why a module was skipped, failed or not run is never left to guess.
  for (const m of report.modules) {
    if (m.status !== 'done' && m.reason)
      out.push(`  ${paint(33, m.status)} ${clean(m.path)}: ${clean(m.reason)}`)
  }
  for (const m of report.modules) {
    const line = baselineLine(m)
    if (line) out.push(`  coverage before ${clean(m.path)}: ${line}`)
  }
  for (const m of report.modules) {
    for (const c of m.candidates) {
      if (c.verdict.status === 'rejected') {
        out.push(
          `  ${paint(31, 'rejected')} ${clean(m.path)} ${clean(c.id)} at ${c.verdict.gate}: ${clean(c.verdict.reason)}`
        )
        if (options.verbose && c.code) {
          out.push(
            ...clean(c.code)
              .trimEnd()
              .split('\n')
              .map((line) => `      ${line}`)
          )
        }
      }
    }
  }
  for (const m of report.modules) {
    for (const c of m.candidates) {
      for (const d of c.droppedTests ?? [])
        out.push(
          `  ${paint(33, 'dropped')} ${clean(m.path)} ${clean(c.id)} test '${clean(d.name)}' at ${d.gate}: ${clean(d.error)}`
        )
      if (c.note) out.push(`  ${clean(m.path)} ${clean(c.id)}: ${clean(c.note)}`)
    }
  }
  for (const i of report.plan.included ?? [])
    out.push(
      `  included ${clean(i.path)} by the configured paths, although the rule "${clean(i.rule)}" skips it`
    )
  // A run that tests nothing says why, file by file, without being asked.
  const nothingToTest = report.modules.length === 0 && report.plan.skipped.length > 0
  if (nothingToTest) {
    out.push(
      `  nothing to test: every changed file was skipped (${report.plan.skipped.length}); give a file's path in --paths to include it despite a location rule`
    )
  }
  if (options.verbose || nothingToTest) {
    for (const s of report.plan.skipped) out.push(`  skipped ${clean(s.path)}: ${clean(s.reason)}`)
  } else if (report.plan.skipped.length > 0) {
    out.push(
      `  ${report.plan.skipped.length} changed file(s) not tested (not source modules, or excluded); --verbose lists why`
    )
  }
  const funnels = (t.funnels ?? []).filter((f) => f.proposed > 0)
  if (funnels.length > 0) {
    out.push('')
    // One strategy: its row and the "all" row say the same.
    for (const f of funnels.length > 2 ? funnels : funnels.slice(0, 1))
      out.push(`candidate funnel (${f.strategy}): ${gateFunnelLine(f, mutantGateOn(report))}`)
  }
  if (t.funnel && t.funnel.calls > 0) {
    out.push('', `llm funnel: ${funnelLine(t.funnel)}`)
    const healing = healingLine(t.funnel)
    if (healing) out.push(`llm ${healing}`)
    for (const m of report.modules) {
      if (!m.funnel || (m.funnel.calls === 0 && !m.llmStoppedBecause)) continue
      const units = m.focalUnits && m.focalUnits > 1 ? ` (${m.focalUnits} focal units)` : ''
      out.push(`  ${clean(m.path)}${units}: ${funnelLine(m.funnel)}`)
      if (m.llmStoppedBecause) out.push(`    no further call: ${clean(m.llmStoppedBecause)}`)
    }
  }
  out.push(
    '',
    report.provider === 'explorer'
      ? 'offline explorer: no LLM call, no cost'
      : `tokens ${t.llm.tokensIn} in / ${t.llm.tokensOut} out in ${t.llm.calls} call(s); spent ${usd(report.budget.spentUsd)} of ${usd(report.budget.limits.runUsd)}${report.budget.stoppedBy ? `; stopped by ${report.budget.stoppedBySetting ?? report.budget.stoppedBy}` : ''}`
  )
  if (report.sandbox?.mechanism === 'bubblewrap')
    out.push(`sandbox: ${clean(report.sandbox.detail)}`)
  out.push(
    `delivery ${report.delivery.mode}: ${report.delivery.status}${report.delivery.detail ? ` (${clean(report.delivery.detail)})` : ''}`
  )
  if (report.gate.failed)
    out.push(paint(31, `gate failed: ${report.gate.reasons.map(clean).join('; ')}`))
  return `${out.join('\n')}\n`
}
