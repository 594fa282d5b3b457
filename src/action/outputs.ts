import * as core from '@actions/core'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import type { Settings } from '../config/schema.js'
import { overBudget } from '../report/build-report.js'
import type { Report } from '../report/report-schema.js'
import type { SecretGuard } from '../report/secret-guard.js'

/** The JSON report, redacted, where the settings or the runner's temp dir say. Returns its path. */
export async function writeReport(
  report: Report,
  settings: Readonly<Settings>,
  env: NodeJS.ProcessEnv,
  workspace: string,
  guard: SecretGuard
): Promise<string> {
  const path = settings.reportPath
    ? isAbsolute(settings.reportPath)
      ? settings.reportPath
      : join(workspace, settings.reportPath)
    : join(env.RUNNER_TEMP || tmpdir(), `testmaster-report-${report.runId}.json`)
  await mkdir(dirname(path), { recursive: true })
  const redacted = guard.redactDeep(report, 'report')
  // The report says where secrets were found, its own copy included.
  const findings = guard.findings()
  const written = findings.length > 0 ? { ...redacted, secretsRedacted: findings } : redacted
  await writeFile(path, `${JSON.stringify(written, null, 2)}\n`)
  if (findings.length > 0)
    core.warning(
      `A secret value was found and redacted in: ${findings.map((f) => `${f.surface} (${f.count})`).join(', ')}`
    )
  return path
}

/** The action outputs, each also logged. */
export function setOutputs(
  report: Report,
  reportPath: string,
  commentUrl: string | undefined
): void {
  const t = report.totals
  const out = (name: string, value: string | number | boolean | undefined): void => {
    const text = value === undefined ? '' : String(value)
    core.setOutput(name, text)
    core.info(`output ${name}=${text}`)
  }
  out('tests-accepted', t.accepted)
  out('tests-rejected', t.rejected)
  out('cost-usd', report.budget.spentUsd.toFixed(6))
  out('coverage-before', t.coverageBefore?.lines.pct)
  out('coverage-after', t.coverageAfter?.lines.pct)
  out('patch-coverage-before', t.patchCoverageBefore?.lines.pct)
  out('patch-coverage-after', t.patchCoverageAfter?.lines.pct)
  out('budget-exceeded', overBudget(report))
  out('report-path', reportPath)
  out('comment-url', commentUrl)
  out('commit-sha', report.delivery.commitSha)
}
