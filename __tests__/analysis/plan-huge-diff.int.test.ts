import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { buildPlan } from '../../src/analysis/plan.js'
import { GitRepository } from '../../src/git/repository.js'
import { createGitSandbox, createWorkRepo, type GitSandbox } from '../helpers/git-fixtures.js'

let sandbox: GitSandbox
beforeEach(async () => {
  sandbox = await createGitSandbox()
})
afterEach(async () => {
  await sandbox.cleanup()
})

const table = (n: number): string =>
  Array.from({ length: n }, (_, i) => `export const value${i} = ${i}`).join('\n') + '\n'

describe('buildPlan on a pull request with a huge generated file', () => {
  it('plans the normal module with its changed lines and skips the huge one with the reason', async () => {
    const work = await createWorkRepo(sandbox, {
      'package.json': '{ "name": "huge", "type": "module" }\n',
      'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b\n}\n'
    })
    const base = await work.sha()
    await work.commit('a normal change and a generated table', {
      'src/math.ts':
        'export function add(a: number, b: number): number {\n  return a + b\n}\n\n' +
        'export function sub(a: number, b: number): number {\n  return a - b\n}\n',
      'src/generated-table.ts': table(60_000)
    })
    const repo = await GitRepository.open(work.dir)
    const plan = await buildPlan({
      repo,
      base,
      head: 'HEAD',
      paths: [],
      exclude: [],
      estimate: () => ({ promptTokens: 1, costUsd: 0 })
    })
    expect(plan.modules.map((m) => [m.analysis.path, m.analysis.changedLines])).toEqual([
      ['src/math.ts', [{ start: 4, end: 7 }]]
    ])
    expect(plan.skipped).toEqual([
      {
        path: 'src/generated-table.ts',
        reason: 'too large to analyse: 60,000 changed lines (cap 5,000)'
      }
    ])
  })
})
