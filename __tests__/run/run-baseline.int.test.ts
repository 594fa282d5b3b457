import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { EventBus } from '../../src/events/event-bus.js'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/** An existing test that hangs does not stop the run: "before" is measured from zero, with a warning. */

const SHIPPING = `/** Shipping cost in cents: free from 5000. */
export function shipping(totalCents: number): number {
  return totalCents >= 5000 ? 0 : 499
}
`

describe('run() when the existing tests hang', () => {
  let project: RunProject
  let report: Report
  const warnings: string[] = []

  beforeAll(async () => {
    project = await createRunProject({
      framework: 'vitest',
      base: {
        'src/shipping.ts': SHIPPING.replaceAll('5000', '10000'),
        'tests/shipping.test.ts': `${globalsImport('vitest')}
import { shipping } from '../src/shipping.js'

describe('shipping', () => {
  it('never finishes', async () => {
    expect(shipping(0)).toBe(499)
    await new Promise(() => undefined)
  }, 600_000)
})
`
      },
      head: { 'src/shipping.ts': SHIPPING }
    })
    const events = new EventBus()
    events.subscribe({ log: (e) => void (e.level === 'warning' && warnings.push(e.message)) })
    report = await project.run(
      { llm: { provider: 'explorer' }, stabilityRuns: 2, testTimeoutSeconds: 8 },
      {},
      events
    )
  }, 240_000)

  afterAll(async () => {
    await project?.remove()
  })

  it('warns and measures the baseline as zero instead of failing', () => {
    expect(ReportSchema.safeParse(report).success).toBe(true)
    expect(
      warnings.some((w) =>
        /did not finish within 8000 ms; coverage "before" is measured as zero/.test(w)
      )
    ).toBe(true)
    const module = report.modules.find((m) => m.path === 'src/shipping.ts')
    expect(module?.coverageBefore?.lines.pct).toBe(0)
  })

  it('still generates and keeps tests for the changed module', () => {
    const module = report.modules.find((m) => m.path === 'src/shipping.ts')
    expect(module?.candidates.some((c) => c.verdict.status === 'accepted')).toBe(true)
    expect(module?.coverageAfter?.lines.pct).toBe(100)
  })
})
