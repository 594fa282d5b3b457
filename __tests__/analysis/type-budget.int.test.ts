import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import { buildPlan } from '../../src/analysis/plan.js'
import { GitRepository } from '../../src/git/repository.js'
import { createGitSandbox, createWorkRepo, type GitSandbox } from '../helpers/git-fixtures.js'

/**
 * A module whose types cannot be described in full (a recursive conditional type of 24
 * properties per level: each level is a new instantiation, so depth and width limits still
 * multiply to millions of types; unbounded, the analysis ran out of a 1.5 GB heap) is still
 * planned, with the types past the budget named rather than expanded; only a module whose
 * modelling runs out of time is skipped, with the reason.
 */

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

const properties = Array.from({ length: 24 }, (_, i) => `p${i}: Wide<[...D, ${i}]>`).join('; ')
const HEAVY = `type Wide<D extends unknown[]> = D['length'] extends 7 ? string : { ${properties} }
export interface Options { tree: Wide<[]>; name: string }
export function build(options: Options): number {
  return options.name.length
}
`
const LIGHT = 'export function add(a: number, b: number): number {\n  return a + b\n}\n'

const FILES = {
  'package.json': json({ name: 'heavy', type: 'module', devDependencies: { vitest: '*' } }),
  'tsconfig.json': json({
    compilerOptions: { strict: true, module: 'NodeNext', target: 'ES2022', types: [] },
    include: ['src']
  })
}

let sandbox: GitSandbox
beforeEach(async () => {
  sandbox = await createGitSandbox()
})
afterEach(async () => {
  await sandbox.cleanup()
})

describe('analysis of modules with heavy types', () => {
  it('plans the module whose types exceed the count, naming the types past it', async () => {
    const work = await createWorkRepo(sandbox, { ...FILES, 'README.md': '# heavy\n' })
    await work.checkout('feature', { create: true })
    await work.commit('add modules', { 'src/heavy.ts': HEAVY, 'src/light.ts': LIGHT })
    const plan = await buildPlan({
      repo: await GitRepository.open(work.dir),
      base: 'main',
      head: 'HEAD',
      paths: [],
      exclude: [],
      estimate: () => ({ promptTokens: 1, costUsd: 0 })
    })
    expect(plan.modules.map((m) => m.analysis.path).sort()).toEqual([
      'src/heavy.ts',
      'src/light.ts'
    ])
    expect(plan.skipped).toEqual([])
    const heavy = plan.modules.find((m) => m.analysis.path === 'src/heavy.ts')
    const build = heavy?.analysis.exports.find((e) => e.name === 'build')
    expect(build).toBeDefined()
    // The walk stopped expanding inside `tree` and named what was left, so the model stays small.
    const model = JSON.stringify(build)
    expect(model.includes('{"kind":"unresolved","text":"object"}')).toBe(true)
    expect(model.length).toBeLessThan(1_000_000)
  }, 120_000)

  it('names the time limit when the clock runs out first', async () => {
    const work = await createWorkRepo(sandbox, { ...FILES, 'src/heavy.ts': HEAVY })
    const [module] = await analyzeModules(
      work.dir,
      [{ path: 'src/heavy.ts', status: 'added', binary: false, lines: [{ start: 1, end: 5 }] }],
      { typeBudget: { maxTypes: Number.POSITIVE_INFINITY, maxMs: 0 } }
    )
    expect(module?.exports).toEqual([])
    expect(module?.skipReason).toBe('its types took more than 0 s to describe')
  }, 120_000)
})
