import { afterAll, describe, expect, it } from '@jest/globals'
import { cp, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import { materialLiterals } from '../../src/generate/strategies/explorer/module-material.js'
import {
  DEFAULT_EXPLORE_OPTIONS,
  exploreModule,
  withMaterial
} from '../../src/generate/strategies/explorer/explore-module.js'
import type { Repr } from '../../src/generate/strategies/explorer/protocol.js'
import { REPO_ROOT } from './explorer-fixture.js'

/**
 * Values from the module's own material (`__tests__/fixtures/explorer/material`: an ISO 8601
 * duration parser with a JSDoc example, a quoted `@param` value, a README and an existing test).
 */

const roots: string[] = []
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })))
})

async function durationModule() {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'tm-material-')))
  roots.push(root)
  await cp(join(REPO_ROOT, '__tests__', 'fixtures', 'explorer', 'material'), root, {
    recursive: true
  })
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name: 'durations', devDependencies: { jest: '*' } })
  )
  const path = 'src/duration.cjs'
  const [module] = await analyzeModules(root, [
    { path, status: 'added', binary: false, lines: [{ start: 1, end: 100 }] }
  ])
  if (!module) throw new Error('no analysis')
  return { module, root, source: await readFile(join(root, path), 'utf8') }
}

const strings = (values: readonly Repr[]) =>
  values.flatMap((value) => (value.t === 'string' ? [value.v] : []))

describe('materialLiterals', () => {
  it('takes the JSDoc example, the quoted @param value, the README calls, the existing tests and the format the code parses, in that order', async () => {
    const { module, root, source } = await durationModule()
    expect(module.placement.existingTests).toEqual(['src/duration.test.cjs'])
    const values = strings(materialLiterals({ module, repoRoot: root, source }))
    expect(values.slice(0, 5)).toEqual(['P1D', 'PT15M', 'PT2H', 'P1DT30M', 'P2W'])
    // "ISO 8601" and a duration regex in the code: samples of that format follow.
    expect(values).toContain('P1Y2M3DT4H5M6S')
    // Prose and module specifiers are not values.
    expect(values).not.toContain('durations')
    expect(values).not.toContain('./duration.cjs')
  })

  it('gives the explorer durations a reviewer recognises, and tests that show them', async () => {
    const { module, root, source } = await durationModule()
    const result = await exploreModule(module, root, source, {
      ...DEFAULT_EXPLORE_OPTIONS,
      budgetMs: 10_000
    })
    if (result.status !== 'explored') throw new Error(result.reason)
    expect(result.code).toMatch(/parse\('(P1D|PT15M|PT2H|P1DT30M|P2W)'\)\)\.toBe\(\d+\)/)
  }, 120_000)

  it("places the material right after the module's four leading literals", () => {
    const s = (v: string) => ({ t: 'string', v }) as const
    expect(
      withMaterial(
        [s('a{b,c}d'), s('x'), s('y'), s('z'), s('w')],
        [s('P1D'), s('x'), s('PT2H'), s('P2W'), s('PT1M'), s('P3D')]
      )
    ).toEqual([
      s('a{b,c}d'),
      s('x'),
      s('y'),
      s('z'),
      s('P1D'),
      s('PT2H'),
      s('P2W'),
      s('w'),
      s('PT1M'),
      s('P3D')
    ])
  })
})
