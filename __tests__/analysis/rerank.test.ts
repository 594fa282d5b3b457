import { describe, expect, it } from '@jest/globals'
import type { ModuleAnalysis } from '../../src/analysis/module-model.js'
import { rerankByUncovered, type PlannedModule } from '../../src/analysis/plan.js'

function planned(path: string, priority: number, imports: string[] = []): PlannedModule {
  const analysis = {
    path,
    changedLines: [{ start: 1, end: priority }],
    exports: [{ name: 'f', kind: 'function', changed: true }],
    imports: imports.map((resolvedPath) => ({
      specifier: resolvedPath,
      kind: 'relative',
      resolvedPath
    }))
  } as unknown as ModuleAnalysis
  return { analysis, source: '', priority, estimate: { promptTokens: 0, costUsd: 0 } }
}

describe('rerankByUncovered', () => {
  it('puts the most uncovered change first once the baseline is known; dependencies still first', () => {
    const modules = [
      planned('src/big-but-covered.ts', 500),
      planned('src/uses-util.ts', 20, ['src/util.ts']),
      planned('src/util.ts', 5),
      planned('src/unmeasured.ts', 30)
    ]
    const uncovered: Record<string, number | undefined> = {
      'src/big-but-covered.ts': 0,
      'src/uses-util.ts': 40,
      'src/util.ts': 2,
      'src/unmeasured.ts': undefined
    }
    const ranked = rerankByUncovered(modules, (m) => uncovered[m.analysis.path])
    expect(ranked.map((m) => [m.analysis.path, m.priority])).toEqual([
      ['src/unmeasured.ts', 30],
      ['src/util.ts', 12],
      ['src/uses-util.ts', 50],
      ['src/big-but-covered.ts', 0]
    ])
  })
})
