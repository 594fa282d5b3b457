import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Report } from '../../src/report/report-schema.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/*
 * A repository with a prettier config (double quotes, semicolons, the opposite of what the
 * explorer writes) whose own check runs `prettier --check`: the delivered tests must pass it.
 */
const SHIPPING = `/** Shipping cost in cents: free from 5000. */
export function shipping(totalCents: number): number {
  return totalCents >= 5000 ? 0 : 499;
}
`

describe('delivered tests in the repository style (its own prettier and config)', () => {
  let project: RunProject
  let report: Report

  beforeAll(async () => {
    project = await createRunProject({
      framework: 'vitest',
      base: {
        '.prettierrc.json': JSON.stringify({ semi: true, singleQuote: false, printWidth: 100 }),
        'src/shipping.ts': SHIPPING.replaceAll('5000', '10000'),
        'tests/shipping.test.ts': `${globalsImport('vitest').replaceAll("'", '"')};
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

  it("passes the repository's own prettier --check", () => {
    expect(report.tests.length).toBe(1)
    const [test] = report.tests
    const check = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/prettier/bin/prettier.cjs'), '--check', test!.path],
      { cwd: project.root, encoding: 'utf8' }
    )
    expect(check.stdout + check.stderr).not.toContain('[warn]')
    expect(check.status).toBe(0)
    expect(test!.code).toContain('from "../src/shipping')
    expect(test!.code).toMatch(/;\n/)
  })
})
