import { describe, expect, it } from '@jest/globals'
import type { ExportedSymbol } from '../../src/analysis/module-model.js'
import {
  callableSymbols,
  ExplorationEngine
} from '../../src/generate/strategies/explorer/exploration-engine.js'
import { runProgram } from '../../src/generate/strategies/explorer/program-runner.js'
import type { Program } from '../../src/generate/strategies/explorer/protocol.js'

class Counter {
  count: number
  constructor(start: number) {
    this.count = start
  }
  increment(): number {
    this.count += 1
    return this.count
  }
  get double(): number {
    return this.count * 2
  }
}

function size(n: number): string {
  if (n < 0) throw new RangeError(`negative size: ${n}`)
  return n > 10 ? 'big' : 'small'
}

const exports: ExportedSymbol[] = [
  {
    name: 'size',
    kind: 'function',
    lines: { start: 1, end: 4 },
    changed: true,
    signatures: [
      {
        parameters: [{ name: 'n', type: { kind: 'number' }, optional: false, rest: false }],
        returns: { kind: 'string' },
        async: false,
        text: 'size(n: number): string'
      }
    ]
  }
]

async function drive(
  engine: ExplorationEngine,
  namespace: Record<string, unknown>,
  limit: number
): Promise<Program[]> {
  const programs: Program[] = []
  for (let i = 0; i < limit; i += 1) {
    const program = engine.next()
    if (!program) break
    const run = await runProgram(program, namespace, 200)
    engine.record(program, run.result, run.values, engine.categoriesOf(program))
    programs.push(program)
  }
  return programs
}

describe('callableSymbols', () => {
  it('uses the analysis and finds what only loading shows (classes, untyped functions)', () => {
    const symbols = callableSymbols(exports, {
      size,
      Counter,
      twice: (x: number) => x * 2,
      VERSION: '1.0'
    })
    expect(symbols.map((s) => [s.name, s.kind])).toEqual([
      ['size', 'function'],
      ['Counter', 'class'],
      ['twice', 'function']
    ])
    expect(symbols.find((s) => s.name === 'Counter')?.methods.map((m) => m.name)).toEqual([
      'increment'
    ])
  })
})

describe('ExplorationEngine', () => {
  it('starts with the happy path, then varies the parameter, then drives instances', async () => {
    const namespace = { size, Counter }
    const engine = new ExplorationEngine(callableSymbols(exports, namespace), {
      seed: 1,
      maxCallsPerSymbol: 20,
      literals: [],
      exportedEnums: new Set()
    })
    const programs = await drive(engine, namespace, 40)
    const sizeCalls = programs.filter((p) => p.steps[0]?.op === 'call')
    expect(sizeCalls[0]?.steps[0]).toEqual({
      op: 'call',
      target: 'size',
      args: [{ kind: 'literal', value: { t: 'number', v: '1' } }]
    })
    expect(sizeCalls.map((p) => JSON.stringify(p))).toContainEqual(
      expect.stringContaining('"v":"-1"')
    )
    const methodCalls = programs.filter((p) => p.steps.some((s) => s.op === 'method'))
    expect(methodCalls.length).toBeGreaterThan(0)
    expect(methodCalls[0]?.steps[0]).toMatchObject({ op: 'construct', target: 'Counter' })
  })

  it('gives two string parameters nearly equal strings too (comparisons show nothing on unrelated ones)', async () => {
    const distance = (a: string, b: string): number => Math.abs(a.length - b.length)
    const namespace = { distance }
    const symbols: ExportedSymbol[] = [
      {
        name: 'distance',
        kind: 'function',
        lines: { start: 1, end: 3 },
        changed: true,
        signatures: [
          {
            parameters: [
              { name: 'a', type: { kind: 'string' }, optional: false, rest: false },
              { name: 'b', type: { kind: 'string' }, optional: false, rest: false }
            ],
            returns: { kind: 'number' },
            async: false,
            text: 'distance(a: string, b: string): number'
          }
        ]
      }
    ]
    const engine = new ExplorationEngine(callableSymbols(symbols, namespace), {
      seed: 1,
      maxCallsPerSymbol: 60,
      literals: [],
      exportedEnums: new Set()
    })
    const programs = await drive(engine, namespace, 60)
    const argPairs = programs.map((p) =>
      p.steps[0]?.op === 'call'
        ? p.steps[0].args.map((a) => (a.kind === 'literal' ? a.value : undefined))
        : []
    )
    expect(argPairs).toContainEqual([
      { t: 'string', v: 'kitten' },
      { t: 'string', v: 'sitting' }
    ])
  })

  it('records state and getters of constructed objects, and a hang as a timeout', async () => {
    const run = await runProgram(
      {
        steps: [
          {
            op: 'construct',
            target: 'Counter',
            args: [{ kind: 'literal', value: { t: 'number', v: '1' } }]
          },
          { op: 'method', receiver: 0, method: 'increment', args: [] }
        ]
      },
      { Counter },
      200
    )
    expect(run.result.outcomes[1]).toEqual({
      status: 'returned',
      value: { t: 'number', v: '2' },
      awaited: false
    })
    expect(run.result.states).toEqual([
      [0, { t: 'object', ctor: 'Counter', entries: [['count', { t: 'number', v: '2' }]] }]
    ])
    expect(run.result.getters).toEqual([[0, 'double', { t: 'number', v: '4' }]])

    const spin = () => {
      for (;;) {
        // never returns
      }
    }
    const hung = await runProgram(
      { steps: [{ op: 'call', target: 'spin', args: [] }] },
      { spin },
      100
    )
    expect(hung.result.outcomes).toEqual([{ status: 'timeout' }])
    const never = await runProgram(
      { steps: [{ op: 'call', target: 'never', args: [] }] },
      { never: () => new Promise(() => undefined) },
      100
    )
    expect(never.result.outcomes).toEqual([{ status: 'timeout' }])
  })
})
