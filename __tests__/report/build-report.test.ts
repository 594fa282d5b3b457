import { describe, expect, it } from '@jest/globals'
import { evaluateGate, ratio, sumCoverage } from '../../src/report/build-report.js'
import type { Report } from '../../src/report/report-schema.js'

const budget = (over: Partial<Report['budget']> = {}): Report['budget'] => ({
  limits: { runUsd: 1, timeMinutes: 20 },
  spentUsd: 0,
  peakReservedUsd: 0,
  calls: 0,
  tokens: 0,
  exceeded: false,
  overruns: [],
  ...over
})
const totals = (pct: number, total = 10): Report['totals'] => ({
  modules: 1,
  candidates: 1,
  accepted: 1,
  rejected: 0,
  llm: { calls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
  patchCoverageAfter: {
    lines: ratio(Math.round((pct / 100) * total), total),
    branches: ratio(0, 0)
  }
})
const plan: Report['plan'] = { modules: [], skipped: [], estimatedCostUsd: 0.5 }

describe('ratio and sums', () => {
  it('is 100% when nothing is coverable and rounds to two decimals', () => {
    expect(ratio(0, 0).pct).toBe(100)
    expect(ratio(1, 3).pct).toBe(33.33)
    const summed = sumCoverage([
      { lines: ratio(1, 2), branches: ratio(0, 2), functions: ratio(1, 1) },
      { lines: ratio(3, 4), branches: ratio(2, 2), functions: ratio(0, 1) }
    ])
    expect(summed).toEqual({ lines: ratio(4, 6), branches: ratio(2, 4), functions: ratio(1, 2) })
  })
})

describe('evaluateGate', () => {
  const settings = { failOn: 'never', patchCoverageThreshold: 80, dryRun: false } as const
  it('never fails the job with fail-on never, but still reports every finding for the check run', () => {
    expect(evaluateGate(settings, budget({ exceeded: true }), totals(0), plan)).toEqual({
      failed: false,
      reasons: [],
      findings: [
        {
          kind: 'budget',
          reason: 'the budget ran out (limit) before all changed modules were handled'
        },
        { kind: 'coverage', reason: 'patch coverage 0% is below the threshold 80%' }
      ]
    })
  })
  it('fails on an exceeded budget with the limit named', () => {
    const gate = evaluateGate(
      { ...settings, failOn: 'budget-exceeded' },
      budget({ exceeded: true, stoppedBy: 'run-usd' }),
      totals(100),
      plan
    )
    expect(gate).toMatchObject({
      failed: true,
      reasons: ['the budget ran out (run-usd) before all changed modules were handled']
    })
  })
  it('fails a dry run whose estimate is over the run budget', () => {
    const gate = evaluateGate(
      { ...settings, failOn: 'budget-exceeded', dryRun: true },
      budget({ limits: { runUsd: 0.25, timeMinutes: 20 } }),
      totals(100),
      plan
    )
    expect(gate.reasons).toEqual(['the estimated cost $0.5000 is over the run budget $0.25'])
  })
  it('compares a dry run with what is left of the PR budget when there is one', () => {
    const dry = { ...settings, failOn: 'budget-exceeded', dryRun: true } as const
    const limits = { runUsd: 0.25, prUsd: 1, timeMinutes: 20 }
    expect(
      evaluateGate(dry, budget({ limits, prSpentBeforeUsd: 0.2 }), totals(100), plan).failed
    ).toBe(false)
    expect(
      evaluateGate(dry, budget({ limits, prSpentBeforeUsd: 0.7 }), totals(100), plan).reasons
    ).toEqual([
      'the estimated cost $0.5000 is over what is left of the PR budget ($0.3000 of $1.00)'
    ])
  })

  it('fails when patch coverage after is below the threshold', () => {
    expect(
      evaluateGate({ ...settings, failOn: 'coverage-below' }, budget(), totals(70), plan)
    ).toMatchObject({
      failed: true,
      reasons: ['patch coverage 70% is below the threshold 80%']
    })
    expect(
      evaluateGate({ ...settings, failOn: 'coverage-below' }, budget(), totals(90), plan).failed
    ).toBe(false)
  })
})
