import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Report } from '../../src/report/report-schema.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/*
 * A repository with no prettier whose own tests use double quotes and semicolons (the opposite
 * of what the explorer writes): the delivered test takes that style and passes under its jest.
 */
const SHIPPING = `/** Shipping cost in cents: free from 5000. */
export function shipping(totalCents: number): number {
  return totalCents >= 5000 ? 0 : 499;
}
`

describe("delivered tests in the style of the repository's own tests (no prettier)", () => {
  let project: RunProject
  let report: Report

  beforeAll(async () => {
    project = await createRunProject({
      framework: 'jest',
      base: {
        'src/shipping.ts': SHIPPING.replaceAll('5000', '10000'),
        'tests/shipping.test.ts': `${globalsImport('jest').replaceAll("'", '"')};
import { shipping } from "../src/shipping.js";

describe("shipping", () => {
  it("charges small orders", () => {
    expect(shipping(100)).toBe(499);
  });
});
`
      },
      head: { 'src/shipping.ts': SHIPPING }
    })
    report = await project.run({ llm: { provider: 'explorer' }, stabilityRuns: 1 })
  }, 300_000)

  afterAll(async () => {
    await project?.remove()
  })

  it('uses double quotes and semicolons, and passes under jest', () => {
    expect(report.tests.length).toBe(1)
    const [test] = report.tests
    expect(test!.code).toContain('from "../src/shipping')
    expect(test!.code).not.toMatch(/'[^'\n]*'/)
    expect(test!.code).toMatch(/\);\n/)
    const run = spawnSync(
      process.execPath,
      [
        '--experimental-vm-modules',
        join(REPO_ROOT, 'node_modules/jest/bin/jest.js'),
        '--ci',
        test!.path
      ],
      {
        cwd: project.root,
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0' }
      }
    )
    expect(run.stdout + run.stderr).toMatch(/Tests: +\d+ passed, \d+ total/)
    expect(run.status).toBe(0)
  })
})
