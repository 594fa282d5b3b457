import { afterEach, describe, expect, it } from '@jest/globals'
import { createExplorerStrategy } from '../../src/generate/strategies/explorer/explorer-strategy.js'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { createExplorerFixture, REPO_ROOT, type ExplorerFixture } from './explorer-fixture.js'

/**
 * The explorer end to end on fixture projects: the real analysis, the exploration child in the
 * sandbox, and the proposed file run for real by the project's own jest or vitest, twice.
 */

const fixtures: ExplorerFixture[] = []
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.remove()))
})

async function proposeAndRun(name: 'vitest-ts' | 'jest-js', path: string, options = {}) {
  const fixture = await createExplorerFixture(name)
  fixtures.push(fixture)
  const module = await fixture.analyze(path)
  const outcome = await createExplorerStrategy(options).propose(await fixture.context(module), 1)
  if (outcome.status !== 'proposed')
    throw new Error(`explorer did not propose for ${path}: ${JSON.stringify(outcome)}`)
  const code = outcome.tests[0]?.code ?? ''
  await fixture.write(module.placement.testPath, code)
  const first = fixture.runTests(module.placement.testPath)
  const second = fixture.runTests(module.placement.testPath)
  return { code, first, second, label: outcome.tests[0]?.label ?? '' }
}

describe('explorer strategy (real frameworks)', () => {
  it('TypeScript module under vitest: enums, unions, shapes, callbacks, promises, errors', async () => {
    const { code, first, second, label } = await proposeAndRun('vitest-ts', 'src/pricing.ts')
    expect(first.output).not.toMatch(/FAIL/)
    expect(first.exitCode).toBe(0)
    expect(first.failed).toBe(0)
    expect(first.passed).toBeGreaterThanOrEqual(10)
    expect(second.exitCode).toBe(0)
    expect(second.passed).toBe(first.passed)
    expect(label).toMatch(/^explorer: \d+ tests from \d+ observations$/)
    expect(code).toContain("import { describe, expect, it } from 'vitest'")
    expect(code).toContain("from './pricing.js'")
    expect(code).toMatch(/describe\('formatPrice'/)
    expect(code).toMatch(/Tier\.(Free|Pro|Enterprise)/)
    expect(code).toContain('Promise.resolve(')
    expect(code).toMatch(/\(\) => /)
    expect(code).toMatch(/toThrow\(RangeError\)/)
    expect(code).toMatch(/toThrow\(PricingError\)/)
    expect(code).not.toMatch(/Snapshot/)
    const coverage = first.coverage.get('src/pricing.ts')
    expect(coverage?.statements).toBeGreaterThanOrEqual(80)
    expect(coverage?.branches).toBeGreaterThanOrEqual(60)
  })

  it('TypeScript class under vitest: constructs, drives method sequences, asserts state and getters', async () => {
    const { code, first } = await proposeAndRun('vitest-ts', 'src/cart.ts')
    expect(first.exitCode).toBe(0)
    expect(first.failed).toBe(0)
    expect(code).toMatch(/const cart = new Cart\(/)
    expect(code).toMatch(/expect\(cart\.(count|total)\)\.toBe\(/)
    expect(code).toMatch(/describe\('mergeCarts'/)
    expect(first.coverage.get('src/cart.ts')?.statements).toBeGreaterThanOrEqual(80)
    // The enum the class takes is imported from the sibling module that declares it, so the test
    // type-checks as well as it runs.
    expect(code).toContain("import { Tier } from './pricing.js'")
    const typecheck = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '--noEmit',
        '-p',
        'tsconfig.json'
      ],
      {
        cwd: fixtures[0]?.root,
        encoding: 'utf8'
      }
    )
    expect(typecheck.stdout).toBe('')
    expect(typecheck.status).toBe(0)
  })

  it('JavaScript with JSDoc types under jest ESM', async () => {
    const { code, first, second } = await proposeAndRun('jest-js', 'src/text.js')
    expect(first.output).not.toMatch(/FAIL/)
    expect(first.exitCode).toBe(0)
    expect(first.failed).toBe(0)
    expect(first.passed).toBeGreaterThanOrEqual(10)
    expect(second.passed).toBe(first.passed)
    expect(code).toMatch(/changeCase\('(upper|lower|title)'/)
    expect(code).toMatch(/new Stack\(/)
    expect(code).toMatch(/rejects\.toThrow\(/)
    const coverage = first.coverage.get('src/text.js')
    expect(coverage?.statements).toBeGreaterThanOrEqual(80)
    expect(coverage?.branches).toBeGreaterThanOrEqual(60)
  })

  it('drops what depends on time, randomness or the time zone, and survives hangs', async () => {
    const { code, first } = await proposeAndRun('vitest-ts', 'src/hazards.ts', {
      callTimeoutMs: 300
    })
    expect(first.exitCode).toBe(0)
    expect(code).toMatch(/expect\(double\(/)
    expect(code).toMatch(/expect\(spin\(0\)\)\.toBe\(0\)/)
    expect(code).not.toMatch(/stamp\(|roll\(|zoneOffset\(/)
    expect(code).not.toMatch(/spin\([1-9]/)
  })
})
