import { describe, expect, it } from '@jest/globals'
import { checkRunContent } from '../../src/github/check-run.js'
import { evaluateGate } from '../../src/report/build-report.js'
import type { Report } from '../../src/report/report-schema.js'
import { sampleReport } from '../report/sample-report.js'

/** The check run reports every finding; `fail-on` decides the job, and whether the check is red. */
function reportWith(
  settings: { failOn: 'never' | 'budget-exceeded' | 'coverage-below'; dryRun: boolean },
  patch: Partial<Report>
): Report {
  const report = sampleReport(patch)
  const gate = evaluateGate(
    { ...settings, patchCoverageThreshold: 80 },
    report.budget,
    report.totals,
    report.plan
  )
  return { ...report, settings: { ...report.settings, ...settings }, gate }
}

describe('checkRunContent', () => {
  it('reports a dry run over budget under fail-on never as neutral, not failed, and says the job passes', () => {
    const base = sampleReport()
    const report = reportWith(
      { failOn: 'never', dryRun: true },
      {
        plan: { ...base.plan, estimatedCostUsd: 5 },
        budget: { ...base.budget, limits: { ...base.budget.limits, runUsd: 1 } }
      }
    )
    const content = checkRunContent(report)
    expect(content.conclusion).toBe('neutral')
    expect(content.title).toBe('Estimated $5.00: over budget')
    expect(content.summary).toContain('the estimated cost $5.0000 is over the run budget $1.00')
    // `/testmaster budget` raises the PR budget, which this run has none of.
    expect(content.summary).not.toContain('/testmaster budget USD')
    expect(content.summary).toContain('The job itself passes: `fail-on` is "never"')
  })

  it('fails a dry run over what is left of the PR budget under fail-on budget-exceeded, naming the command once', () => {
    const base = sampleReport()
    const report = reportWith(
      { failOn: 'budget-exceeded', dryRun: true },
      {
        plan: { ...base.plan, estimatedCostUsd: 5 },
        budget: { ...base.budget, limits: { ...base.budget.limits, runUsd: 10, prUsd: 1 } }
      }
    )
    const content = checkRunContent(report)
    expect(content.conclusion).toBe('failure')
    expect(content.summary.match(/\/testmaster budget/g)).toHaveLength(1)
    expect(content.summary).not.toContain('The job itself passes')
  })

  it('leaves patch coverage below the threshold neutral under the default fail-on never', () => {
    const base = sampleReport()
    const report = reportWith(
      { failOn: 'never', dryRun: false },
      {
        totals: {
          ...base.totals,
          patchCoverageAfter: {
            lines: { covered: 1, total: 4, pct: 25 },
            branches: { covered: 0, total: 0, pct: 100 }
          }
        },
        budget: { ...base.budget, exceeded: false }
      }
    )
    expect(checkRunContent(report)).toMatchObject({
      conclusion: 'neutral',
      title: 'Patch coverage below the threshold'
    })
    expect(checkRunContent(report).summary).toContain(
      'patch coverage 25% is below the threshold 80%'
    )
  })

  it('fails on patch coverage below the threshold, naming it', () => {
    const base = sampleReport()
    const report = reportWith(
      { failOn: 'coverage-below', dryRun: false },
      {
        totals: {
          ...base.totals,
          patchCoverageAfter: {
            lines: { covered: 1, total: 4, pct: 25 },
            branches: { covered: 0, total: 0, pct: 100 }
          }
        },
        budget: { ...base.budget, exceeded: false }
      }
    )
    const content = checkRunContent(report)
    expect(content).toMatchObject({
      conclusion: 'failure',
      title: 'Patch coverage below the threshold'
    })
    expect(content.summary).toBe('- patch coverage 25% is below the threshold 80%')
  })

  it('succeeds when every module was handled and coverage meets the threshold', () => {
    const base = sampleReport()
    const report = reportWith(
      { failOn: 'budget-exceeded', dryRun: false },
      {
        totals: {
          ...base.totals,
          patchCoverageAfter: {
            lines: { covered: 9, total: 10, pct: 90 },
            branches: { covered: 0, total: 0, pct: 100 }
          }
        },
        budget: { ...base.budget, exceeded: false }
      }
    )
    expect(checkRunContent(report).conclusion).toBe('success')
    // Counted as the comment and the commit count: tests added, not candidate files.
    expect(checkRunContent(report).title).toMatch(/^3 test\(s\) added, /)
  })
})
