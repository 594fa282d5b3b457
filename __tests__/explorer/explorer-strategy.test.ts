import { describe, expect, it } from '@jest/globals'
import type { ModuleAnalysis } from '../../src/analysis/module-model.js'
import { EventBus } from '../../src/events/event-bus.js'
import { defaultExportName } from '../../src/generate/strategies/explorer/explore-module.js'
import { createExplorerStrategy } from '../../src/generate/strategies/explorer/explorer-strategy.js'
import type { GenerationContext } from '../../src/generate/strategy.js'

function moduleAnalysis(overrides: Partial<ModuleAnalysis> = {}): ModuleAnalysis {
  return {
    path: 'src/tool.ts',
    language: 'ts',
    moduleFormat: 'esm',
    package: { root: '', packageManager: 'npm', framework: 'vitest', moduleType: 'esm' },
    changedLines: [{ start: 1, end: 5 }],
    exports: [],
    imports: [],
    sideEffects: [],
    placement: {
      testPath: 'src/tool.testmaster.test.ts',
      importSpecifier: './tool.js',
      explicitImports: true,
      existingTests: []
    },
    testStyle: {
      language: 'ts',
      loader: 'import',
      exports: 'named',
      wholeImport: 'default',
      evidence: []
    },
    lineCount: 5,
    ...overrides
  }
}

function context(module: ModuleAnalysis, signal = new AbortController().signal): GenerationContext {
  return {
    module,
    repoRoot: '/nonexistent',
    source: '',
    uncoveredLines: [],
    signal,
    events: new EventBus()
  }
}

describe('createExplorerStrategy', () => {
  it('is the zero-cost explorer strategy and cannot heal', () => {
    const strategy = createExplorerStrategy()
    expect(strategy.name).toBe('explorer')
    expect(strategy.heal).toBeUndefined()
  })

  it('does not execute modules that spawn processes', async () => {
    const outcome = await createExplorerStrategy().propose(
      context(moduleAnalysis({ sideEffects: ['child-process'] })),
      1
    )
    expect(outcome).toEqual({
      status: 'no-code',
      reason: 'the explorer does not execute modules that spawn processes'
    })
  })

  it('stops when the time budget is already spent', async () => {
    const controller = new AbortController()
    controller.abort()
    const outcome = await createExplorerStrategy().propose(
      context(moduleAnalysis(), controller.signal),
      1
    )
    expect(outcome).toMatchObject({ status: 'stopped', limit: 'time' })
  })
})

describe('defaultExportName', () => {
  it('names the default export after the file, or the folder or package for an index', () => {
    expect(defaultExportName(moduleAnalysis({ path: 'lib/parse-args.js' }), new Set())).toBe(
      'parseArgs'
    )
    expect(defaultExportName(moduleAnalysis({ path: 'lib/index.js' }), new Set())).toBe('lib')
    expect(
      defaultExportName(
        moduleAnalysis({
          path: 'index.js',
          package: {
            root: '',
            name: '@scope/left-pad',
            packageManager: 'npm',
            framework: 'jest',
            moduleType: 'cjs'
          }
        }),
        new Set()
      )
    ).toBe('leftPad')
  })

  it('names a CommonJS module.exports as its source does', () => {
    const module = moduleAnalysis({
      path: 'index.js',
      testStyle: {
        language: 'js',
        loader: 'require',
        exports: 'whole',
        wholeImport: 'default',
        main: { kind: 'constructor', name: 'EventEmitter' },
        evidence: []
      }
    })
    expect(defaultExportName(module, new Set(['EventEmitter', 'prefixed']), true)).toBe(
      'EventEmitter'
    )
  })

  it('never binds a name twice when a named export is also the default (export default dedent)', () => {
    const module = moduleAnalysis({
      path: 'src/index.ts',
      exports: [
        { name: 'dedent', kind: 'function', changed: true },
        { name: 'default', localName: 'dedent', kind: 'function', changed: true }
      ] as unknown as ModuleAnalysis['exports']
    })
    expect(defaultExportName(module, new Set(['dedent', 'default']))).toBe('dedentModule')
  })
})
