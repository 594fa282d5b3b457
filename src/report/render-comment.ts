import type {
  CoverageFigures,
  GateFunnel,
  ModuleReport,
  PatchCoverage,
  Ratio,
  Report
} from './report-schema.js'
import { escapeHtml, escapeMarkdown, fencedCode, truncateMarkdown } from './escape-markdown.js'
import { funnelLine, healingLine, mutantGateOn } from './funnel.js'

/**
 * The PR comment and the job summary, rendered from the Report alone (plus the PR ledger figures
 * the action read from the previous comment). Every PR-derived string is escaped.
 */

/** What the action knows beyond one run: the PR ledger and notes about delivery. */
export interface MarkdownContext {
  /** Spend on this PR across all runs, this one included (from the ledger). */
  readonly prSpentUsd?: number
  /** This PR's budget (config, or raised by `/testmaster budget`). */
  readonly prBudgetUsd?: number
  /** Runs recorded in the ledger, this one included. */
  readonly prRuns?: number
  /** Plain-text notes shown under the first line (fork PR explanation, API trouble). Escaped. */
  readonly notes?: readonly string[]
  /** Fold the generated tests into the body (comment delivery). */
  readonly includeTests?: boolean
}

/** GitHub refuses comment bodies above this many characters. */
export const COMMENT_MAX_CHARS = 65_536

export function formatUsd(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`
}

function pct(ratio: Ratio | undefined): string {
  return ratio ? `${ratio.pct.toFixed(1)}%` : '–'
}

function change(before: Ratio | undefined, after: Ratio | undefined): string {
  if (!before && !after) return '–'
  if (!after || (before && before.pct === after.pct)) return pct(before ?? after)
  return `${pct(before)} → ${pct(after)}`
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`
}

function accepted(module: ModuleReport): number {
  return module.candidates.filter((c) => c.verdict.status === 'accepted').length
}

function setting(report: Report, key: string): unknown {
  return report.settings[key]
}

function isDryRun(report: Report): boolean {
  return setting(report, 'dryRun') === true
}

/**
 * Test cases this run added or changed, what a reader counts as "tests" (the table counts files):
 * per module, what its delivered files changed on the branch, since on a re-run the tests
 * committed earlier are accepted again but are not new; without that count, the tests of its
 * accepted candidates.
 */
export function acceptedTestCases(report: Report): number {
  return report.modules.reduce(
    (n, m) =>
      n +
      (m.testChanges?.added ??
        m.candidates
          .filter((c) => c.verdict.status === 'accepted')
          .reduce((sum, c) => sum + c.tests, 0)),
    0
  )
}

/** A dry run over what is left of the PR budget: the one command that changes that. */
function raiseHint(report: Report): string {
  return report.budget.limits.prUsd !== undefined
    ? '. A maintainer can raise the pull request budget with `/testmaster budget USD`.'
    : ''
}

/** The first line: the verdict in one sentence. */
export function renderVerdictLine(report: Report): string {
  const t = report.totals
  const cases = acceptedTestCases(report)
  const patch =
    t.patchCoverageBefore || t.patchCoverageAfter
      ? `, changed lines covered ${change(t.patchCoverageBefore?.lines, t.patchCoverageAfter?.lines)}`
      : ''
  if (isDryRun(report)) {
    // Over budget is said here whether or not `fail-on` fails the job, as the check says it.
    const over = (report.gate.findings ?? [])
      .filter((f) => f.kind === 'budget')
      .map((f) => f.reason)
    const verdict = report.gate.failed ? '❌' : over.length > 0 ? '⚠️' : '🧮'
    return `${verdict} **TestMaster dry run**: ${report.plan.modules.length} module(s) to test, ${report.provider === 'explorer' ? 'offline explorer, no cost' : `estimated cost ${formatUsd(report.plan.estimatedCostUsd)}`}${over.length > 0 ? ` (${escapeMarkdown(over.join('; '))})${raiseHint(report)}` : ''}`
  }
  if (report.gate.failed) {
    return `❌ **TestMaster**: ${escapeMarkdown(report.gate.reasons.join('; '))} (${cases} test(s) accepted${patch})`
  }
  if (report.delivery.status === 'head-moved' || report.delivery.status === 'failed') {
    return `⚠️ **TestMaster**: ${cases} test(s) accepted but not delivered: ${escapeMarkdown(report.delivery.detail ?? report.delivery.status)}`
  }
  if (t.accepted > 0 && cases > 0) {
    const modules = report.modules.filter((m) => accepted(m) > 0).length
    return `✅ **TestMaster** added ${cases} test(s) for ${modules} module(s)${patch}, cost ${formatUsd(t.llm.costUsd)}`
  }
  if (report.modules.length === 0)
    return report.plan.skipped.length > 0
      ? `ℹ️ **TestMaster**: no changed module to test in this pull request: every changed file was skipped (${report.plan.skipped.length}, why below)`
      : 'ℹ️ **TestMaster**: no changed module to test in this pull request'
  return `ℹ️ **TestMaster**: no new test accepted for ${report.modules.length} module(s)${patch}, cost ${formatUsd(t.llm.costUsd)}`
}

const STATUS_LABEL: Record<ModuleReport['status'], string> = {
  done: '',
  skipped: ' (skipped)',
  failed: ' (failed)',
  'stopped-by-budget': ' (stopped by budget)',
  'not-run': ' (not run)'
}

function coverageCell(
  before: CoverageFigures | PatchCoverage | undefined,
  after: CoverageFigures | PatchCoverage | undefined,
  key: 'lines' | 'branches'
): string {
  return change(before?.[key], after?.[key])
}

/** One row per module: tests, coverage before/after, patch coverage, cost. */
export function renderModuleTable(report: Report): string {
  if (report.modules.length === 0) return ''
  const rows = report.modules.map((m) => {
    const rejected = m.candidates.length - accepted(m)
    return `| ${escapeMarkdown(m.path)}${STATUS_LABEL[m.status]} | ${accepted(m)} | ${rejected} | ${coverageCell(m.coverageBefore, m.coverageAfter, 'lines')} | ${coverageCell(m.coverageBefore, m.coverageAfter, 'branches')} | ${coverageCell(m.patchCoverageBefore, m.patchCoverageAfter, 'lines')} | ${formatUsd(m.llm.costUsd)} |`
  })
  return [
    '| Module | Accepted | Rejected | Lines | Branches | Changed lines | Cost |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows
  ].join('\n')
}

/** Tokens, cost, run and PR budget used, time. */
export function renderTotals(report: Report, context: MarkdownContext = {}): string {
  const t = report.totals
  const b = report.budget
  const parts = [
    `${t.accepted} accepted, ${t.rejected} rejected`,
    `${t.llm.calls} LLM call(s), ${t.llm.tokensIn.toLocaleString('en-US')} tokens in / ${t.llm.tokensOut.toLocaleString('en-US')} out`,
    `${formatUsd(b.spentUsd)} of the ${formatUsd(b.limits.runUsd)} run budget`
  ]
  if (context.prSpentUsd !== undefined)
    parts.push(prSpend(context.prSpentUsd, context.prBudgetUsd ?? b.limits.prUsd, context.prRuns))
  parts.push(duration(report.durationMs))
  const stopped = b.stoppedBy
    ? b.stoppedBy === 'cancelled'
      ? '\n\n⏹️ The job was cancelled before every changed module was handled; what was accepted by then is kept.'
      : `\n\n⏹️ The limit set by ${escapeMarkdown(b.stoppedBySetting ?? b.stoppedBy)} stopped the run before every changed module was handled.`
    : ''
  const funnel =
    t.funnel && t.funnel.calls > 0
      ? `\n\n**LLM funnel**: ${funnelLine(t.funnel)}${healingLine(t.funnel) ? ` · ${healingLine(t.funnel)}` : ''}`
      : ''
  const overruns =
    b.overruns.length > 0 ? `\n\nBudget overruns: ${b.overruns.map(escapeMarkdown).join('; ')}` : ''
  return `**Totals**: ${parts.join(' · ')}${funnel}${stopped}${overruns}`
}

function prSpend(spentUsd: number, budgetUsd?: number, runs?: number): string {
  const of = budgetUsd !== undefined ? ` of the ${formatUsd(budgetUsd)}` : ''
  return `${formatUsd(spentUsd)}${of} PR budget${runs !== undefined ? ` over ${runs} run(s)` : ''}`
}

/** A run that stopped with an error after it had spent: what it cost, and that the PR ledger has it. */
export interface FailedRun {
  readonly runId: string
  readonly message: string
  /** What the run spent, in-flight reservations included: an upper bound. */
  readonly spentUsd: number
  readonly prSpentUsd: number
  readonly prBudgetUsd?: number
  readonly prRuns: number
}

/** The visible comment body for a run that failed after spending. */
export function renderFailedRun(failure: FailedRun): string {
  const firstLine = failure.message.split('\n')[0] ?? failure.message
  return [
    `❌ **TestMaster** run ${escapeMarkdown(failure.runId)} failed after spending up to ${formatUsd(failure.spentUsd)}: ${escapeMarkdown(firstLine)}`,
    `**Totals**: ${prSpend(failure.prSpentUsd, failure.prBudgetUsd, failure.prRuns)}. The spend is recorded in the PR ledger; no test from this run was committed. The job log has the details.`
  ].join('\n\n')
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`
}

/** A URL GitHub gave us, as an autolink (escaping would break one with `_` in it). */
function markdownUrl(url: string): string {
  return /^https?:\/\/[^\s<>"]+$/.test(url) ? `<${url}>` : escapeMarkdown(url)
}

function renderDelivery(report: Report): string {
  const d = report.delivery
  const what = (() => {
    switch (d.status) {
      case 'delivered':
        if (d.pullRequestUrl) return `side pull request ${markdownUrl(d.pullRequestUrl)}`
        if (d.commitSha) return `committed as ${d.commitSha.slice(0, 12)}`
        return d.mode === 'comment' ? 'posted below' : 'delivered'
      case 'nothing-to-deliver':
        return 'nothing to deliver'
      default:
        return d.status
    }
  })()
  const detail = d.detail ? `: ${escapeMarkdown(d.detail)}` : ''
  return `**Delivery** (${d.mode}): ${what}${detail}`
}

function renderRejected(report: Report): string | undefined {
  const lines: string[] = []
  for (const m of report.modules) {
    for (const c of m.candidates) {
      if (c.verdict.status !== 'rejected') continue
      lines.push(
        `- ${escapeMarkdown(m.path)} · ${escapeMarkdown(c.id)} (${c.strategy}): rejected at **${c.verdict.gate}**: ${escapeMarkdown(c.verdict.reason)}`
      )
    }
  }
  for (const m of report.modules) {
    if (m.reason && m.status !== 'done')
      lines.push(
        `- ${escapeMarkdown(m.path)}: ${STATUS_LABEL[m.status].trim().replace(/^\((.*)\)$/, '$1')}: ${escapeMarkdown(m.reason)}`
      )
  }
  return lines.length > 0
    ? details(`Rejected candidates and skipped modules (${lines.length})`, lines.join('\n'))
    : undefined
}

const FUNNEL_ROW_LABEL: Record<GateFunnel['strategy'], string> = {
  explorer: 'explorer',
  llm: 'LLM',
  all: '**all**'
}

/**
 * Every candidate through the gates, folded: a row per strategy, then all together (one row when
 * a single strategy proposed). "Killed a mutant" is a dash when the depth has the mutant check off.
 */
function renderGateFunnel(report: Report): string | undefined {
  const funnels = report.totals.funnels ?? []
  const all = funnels.find((f) => f.strategy === 'all')
  if (!all || all.proposed === 0) return undefined
  const rows = funnels.length > 2 ? funnels : funnels.filter((f) => f.strategy !== 'all')
  const mutantGate = mutantGateOn(report)
  const cell = (f: GateFunnel): string =>
    `| ${FUNNEL_ROW_LABEL[f.strategy]} | ${[
      f.proposed,
      f.answered,
      f.compiles,
      f.passes,
      f.stable,
      f.addsCoverage,
      f.asserts,
      mutantGate ? f.killsMutant : '–',
      f.kept
    ].join(' | ')} |`
  const table = [
    '| Candidates | Proposed | With code | Compiled | Passed | Stable | Added coverage | Asserted | Killed a mutant | Kept |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(cell)
  ].join('\n')
  const notes = [
    'Each column counts the candidates that got at least that far; one healed into passing counts as passed, and "Kept" is what the delivered files hold.',
    ...(mutantGate
      ? []
      : ['The mutant check is off at depth `low`: "Asserted" is the static check alone.'])
  ]
  return details(
    `Candidate funnel: ${all.proposed} proposed, ${all.kept} kept`,
    `${table}\n\n${notes.join(' ')}`
  )
}

/** Per module: the LLM's funnel, its focal units, its healing, and why it made no further call. */
function renderFunnels(report: Report): string | undefined {
  const lines: string[] = []
  for (const m of report.modules) {
    if (!m.funnel || (m.funnel.calls === 0 && !m.llmStoppedBecause)) continue
    const units = m.focalUnits && m.focalUnits > 1 ? ` (${m.focalUnits} focal units)` : ''
    const healing = healingLine(m.funnel)
    lines.push(
      `- ${escapeMarkdown(m.path)}${units}: ${funnelLine(m.funnel)}${healing ? ` · ${healing}` : ''}`
    )
    const targets = m.candidates.filter((c) => c.strategy === 'llm' && c.target)
    for (const c of targets) {
      lines.push(
        `  - ${escapeMarkdown(c.id)} on ${escapeMarkdown(c.target ?? '')}: ${c.verdict.status === 'accepted' ? 'kept' : `rejected at ${c.verdict.gate}`}`
      )
    }
    if (m.llmStoppedBecause)
      lines.push(`  - no further call: ${escapeMarkdown(m.llmStoppedBecause)}`)
  }
  return lines.length > 0 ? details('LLM funnel per module', lines.join('\n')) : undefined
}

/** When nothing was tested, why each changed file was skipped: shown, not folded away. */
function renderAllSkipped(report: Report): string | undefined {
  if (report.modules.length > 0 || report.plan.skipped.length === 0) return undefined
  const shown = report.plan.skipped.slice(0, MAX_SKIPPED_LISTED)
  const lines = shown.map((s) => `- ${escapeMarkdown(s.path)}: ${escapeMarkdown(s.reason)}`)
  if (report.plan.skipped.length > shown.length)
    lines.push(`- … and ${report.plan.skipped.length - shown.length} more`)
  return [
    '**Every changed file was skipped:**',
    '',
    ...lines,
    '',
    'A file skipped for where it lives or how it is named (`dist/`, `vendor/`, `*.config.js`) is tested when `paths` names it.'
  ].join('\n')
}

const MAX_SKIPPED_LISTED = 50

/** Tests cut out of kept candidates, and candidates kept in a file of their own. */
function renderDropped(report: Report): string | undefined {
  const lines: string[] = []
  for (const m of report.modules) {
    for (const c of m.candidates) {
      for (const d of c.droppedTests ?? [])
        lines.push(
          `- ${escapeMarkdown(m.path)} · ${escapeMarkdown(c.id)}: dropped test ${escapeMarkdown(`'${d.name}'`)} at **${d.gate}**: ${escapeMarkdown(d.error)}`
        )
      if (c.note)
        lines.push(
          `- ${escapeMarkdown(m.path)} · ${escapeMarkdown(c.id)}: ${escapeMarkdown(c.note)}`
        )
    }
  }
  for (const i of report.plan.included ?? [])
    lines.push(
      `- ${escapeMarkdown(i.path)}: included by the configured paths, although the rule "${escapeMarkdown(i.rule)}" skips it`
    )
  return lines.length > 0
    ? details(`Tests dropped, files split, rules overridden (${lines.length})`, lines.join('\n'))
    : undefined
}

function renderBugs(report: Report): string | undefined {
  if (report.possibleBugs.length === 0) return undefined
  const lines = report.possibleBugs.map(
    (b) =>
      `- ${escapeMarkdown(b.module)} · ${escapeMarkdown(b.test)}: ${escapeMarkdown(b.assertion)}: ${escapeMarkdown(b.explanation)}`
  )
  return details(`Possible bugs found (${lines.length})`, lines.join('\n'))
}

/** The visible warning of a run whose tests had no sandbox (the detail line is in the settings). */
function renderNoSandbox(report: Report): string | undefined {
  if (report.sandbox?.mechanism !== 'none') return undefined
  return `> ⚠️ The tests ran without a sandbox (${escapeMarkdown(report.sandbox.detail)}): the pull request's code and the generated tests could read this job's environment and reach the network. Install bubblewrap on the runner to isolate them.`
}

function sandboxLine(sandbox: NonNullable<Report['sandbox']>): string {
  return sandbox.mechanism === 'none'
    ? `- sandbox: none (${escapeMarkdown(sandbox.detail)})`
    : `- sandbox: ${escapeMarkdown(sandbox.detail)}`
}

function renderSettings(report: Report): string {
  const lines = [
    `- provider: ${report.provider}${report.model ? `, model ${escapeMarkdown(report.model)}` : ''}`,
    ...(report.sandbox ? [sandboxLine(report.sandbox)] : []),
    `- depth: ${escapeMarkdown(typeof setting(report, 'depth') === 'string' ? (setting(report, 'depth') as string) : 'medium')}, config digest ${escapeMarkdown(report.configDigest)}`,
    `- run id: ${escapeMarkdown(report.runId)}, TestMaster ${escapeMarkdown(report.toolVersion)}`
  ]
  if (report.repo.baseSha || report.repo.headSha) {
    lines.push(
      `- base ${escapeMarkdown((report.repo.baseSha ?? report.repo.base ?? '?').slice(0, 12))}, head ${escapeMarkdown((report.repo.headSha ?? report.repo.head).slice(0, 12))}`
    )
  }
  for (const clamp of report.clamps) {
    lines.push(
      clamp.source === 'command'
        ? `- the command asked for ${escapeMarkdown(clamp.option)} ${clamp.requested}, clamped to the workflow's ${clamp.cap}`
        : `- input ${escapeMarkdown(clamp.option)} asked for ${clamp.requested}, clamped to the base config's ${clamp.cap}`
    )
  }
  for (const skipped of report.plan.skipped)
    lines.push(`- not planned: ${escapeMarkdown(skipped.path)}: ${escapeMarkdown(skipped.reason)}`)
  for (const error of report.errors) {
    lines.push(
      `- error ${escapeMarkdown(error.code)}${error.module ? ` in ${escapeMarkdown(error.module)}` : ''}: ${escapeMarkdown(error.message)}`
    )
  }
  return details('Model and settings', lines.join('\n'))
}

/** The fence's language from the test file's extension: a JavaScript test is not shown as TypeScript. */
function fenceLanguage(path: string): string {
  return /\.[cm]?tsx?$/.test(path) ? 'ts' : 'js'
}

function renderTests(report: Report): string | undefined {
  if (report.tests.length === 0) return undefined
  const blocks = report.tests.map((t) =>
    details(escapeHtml(t.path), fencedCode(t.code, fenceLanguage(t.path)))
  )
  return `**Generated tests** (not on the branch: add each file at its path to keep it):\n\n${blocks.join('\n\n')}`
}

/** The sections shared by the comment and the job summary, in order. */
export function renderReportSections(report: Report, context: MarkdownContext = {}): string[] {
  const sections = [renderVerdictLine(report)]
  const noSandbox = renderNoSandbox(report)
  if (noSandbox) sections.push(noSandbox)
  for (const note of context.notes ?? []) sections.push(`> ${escapeMarkdown(note)}`)
  const table = renderModuleTable(report)
  if (table) sections.push(table)
  sections.push(renderTotals(report, context))
  sections.push(renderDelivery(report))
  const allSkipped = renderAllSkipped(report)
  if (allSkipped) sections.push(allSkipped)
  const gateFunnel = renderGateFunnel(report)
  if (gateFunnel) sections.push(gateFunnel)
  const rejected = renderRejected(report)
  if (rejected) sections.push(rejected)
  const funnels = renderFunnels(report)
  if (funnels) sections.push(funnels)
  const dropped = renderDropped(report)
  if (dropped) sections.push(dropped)
  const bugs = renderBugs(report)
  if (bugs) sections.push(bugs)
  sections.push(renderSettings(report))
  if (context.includeTests) {
    const tests = renderTests(report)
    if (tests) sections.push(tests)
  }
  return sections
}

/**
 * The visible body of the sticky comment, at most `maxChars` long (the caller adds the hidden
 * marker and ledger block and reserves room for them).
 */
export function renderComment(
  report: Report,
  context: MarkdownContext = {},
  maxChars = COMMENT_MAX_CHARS - 4_000
): string {
  return truncateMarkdown(renderReportSections(report, context).join('\n\n'), maxChars)
}
