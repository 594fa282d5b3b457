import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { resolveConfig } from '../../src/config/resolve-config.js'
import { EventBus } from '../../src/events/event-bus.js'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { run } from '../../src/run.js'
import { fencedAnswer, FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { createRunProject, type RunProject } from './run-project.js'

/**
 * Tests TestMaster committed on an earlier run: kept when they still pass, replaced when a human
 * change broke them and nothing can heal them, healed by the model in heal-only mode
 * (`/testmaster heal`) without generating anything new.
 */

const TAX_V1 = `/** Price with 20% tax, in whole cents. */
export function withTax(cents: number): number {
  if (cents < 0) throw new RangeError('negative price')
  return Math.round(cents * 1.2)
}
`
// A human later changes the rate: the earlier regression tests now fail.
const TAX_V2 = TAX_V1.replace('20% tax', '25% tax')
  .replace('cents * 1.2', 'cents * 1.25')
  .replace("'negative price'", "'a price cannot be below zero'")

const TEST_PATH = 'src/tax.testmaster.test.ts'

function runWith(
  project: RunProject,
  settings: Record<string, unknown>,
  mode: 'generate' | 'heal',
  apiKey?: string
): Promise<Report> {
  const resolved = resolveConfig({
    overrides: { stabilityRuns: 2, ...settings, repo: project.root, base: 'main', head: 'HEAD' }
  })
  return run({
    resolved,
    secrets: apiKey ? { apiKey } : {},
    events: new EventBus(),
    runId: `run-${mode}`,
    mode
  })
}

describe('run() with tests TestMaster committed earlier', () => {
  let project: RunProject
  let server: FakeOpenAiServer
  let first: Report

  beforeAll(async () => {
    project = await createRunProject({
      framework: 'vitest',
      base: { 'src/keep.ts': 'export const keep = 1\n' },
      head: { 'src/tax.ts': TAX_V1 }
    })
    first = await runWith(project, { llm: { provider: 'explorer' } }, 'generate')
    await project.repo.git('add', '--all')
    await project.repo.git('commit', '--quiet', '--message', 'tests by TestMaster')
  }, 240_000)

  afterAll(async () => {
    await server?.close()
    await project?.remove()
  })

  it('writes the first tests at the placement path', () => {
    expect(first.tests.map((t) => t.path)).toEqual([TEST_PATH])
  })

  it('keeps still-passing earlier tests without reporting or rewriting them', async () => {
    const before = await project.read(TEST_PATH)
    const report = ReportSchema.parse(
      await runWith(project, { llm: { provider: 'explorer' }, includeCovered: true }, 'heal')
    )
    const module = report.modules.find((m) => m.path === 'src/tax.ts')
    expect(module?.candidates).toEqual([])
    expect(await project.read(TEST_PATH)).toBe(before)
    expect(module?.coverageBefore?.lines.pct).toBe(100)
  }, 240_000)

  it('cuts the earlier tests a human change broke when nothing can heal them, and keeps the rest (explorer only)', async () => {
    await project.repo.write({ 'src/tax.ts': TAX_V2 })
    await project.repo.git('commit', '--quiet', '--all', '--message', 'a human raises the rate')
    const report = ReportSchema.parse(
      await runWith(project, { llm: { provider: 'explorer' } }, 'generate')
    )
    const module = report.modules.find((m) => m.path === 'src/tax.ts')
    const previous = module?.candidates.find((c) => c.id === 'previous')
    // Some earlier tests still pass under the new rate (zero, a throw): they stay.
    expect(previous?.verdict).toEqual({ status: 'accepted' })
    expect(previous?.tests).toBeGreaterThan(0)
    expect(previous?.droppedTests?.length).toBeGreaterThan(0)
    for (const dropped of previous?.droppedTests ?? []) {
      expect(dropped.gate).toBe('passes')
      expect(dropped.error).not.toMatch(/Test suite failed to run|^failed$/)
    }
    // The old message was asserted by a test that is cut; nothing delivered expects it any more.
    expect(await project.read(TEST_PATH)).not.toContain("'negative price'")
    const check = project.runFramework([TEST_PATH])
    expect(check.failed).toBe(0)
    expect(check.passed).toBeGreaterThan(0)
    await project.repo.git('checkout', '--quiet', '--', TEST_PATH)
  }, 240_000)

  it('heal-only mode heals failing earlier tests through the model and generates nothing new', async () => {
    const fixed = `import { describe, it, expect } from 'vitest'
import { withTax } from './tax.js'

describe('withTax', () => {
  it('adds 25% tax', () => {
    expect(withTax(100)).toBe(125)
  })
  it('throws RangeError for a negative price', () => {
    expect(() => withTax(-1)).toThrow(RangeError)
  })
})
`
    server = await FakeOpenAiServer.start({
      script: [{ content: `VERDICT: test-bug\nThe rate changed to 25%.\n\n${fencedAnswer(fixed)}` }]
    })
    const report = ReportSchema.parse(
      await runWith(
        project,
        { llm: { provider: 'openai', baseUrl: server.baseUrl, model: 'gpt-4.1-mini' } },
        'heal',
        'sk-test'
      )
    )
    const module = report.modules.find((m) => m.path === 'src/tax.ts')
    expect(module?.candidates).toHaveLength(1)
    expect(module?.candidates[0]).toMatchObject({
      id: 'previous',
      strategy: 'llm',
      verdict: { status: 'accepted' },
      healingRounds: 1
    })
    expect(report.llmCalls.map((c) => c.purpose)).toEqual(['heal'])
    expect(await project.read(TEST_PATH)).toBe(fixed)
    expect(project.runFramework([TEST_PATH]).failed).toBe(0)
  }, 240_000)
})
