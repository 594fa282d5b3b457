/**
 * Analysis benchmark: a generated 200-file TypeScript project (ESM, NodeNext, vitest, with some
 * existing tests) in a temp git repo; a PR changing 5, 10, 20 and 40 files; time of the whole plan
 * (merge base, diff, selection, analysis, estimate with a real tokenizer) and of analysis alone.
 * Target: 20 changed files under 5 s on a 2-core machine, growing no worse than linearly.
 *
 *   npx tsx bench/analysis.ts
 */
import { encode } from 'gpt-tokenizer/encoding/o200k_base'
import { performance } from 'node:perf_hooks'
import { analyzeModules } from '../src/analysis/analyze-modules.js'
import type { ModuleAnalysis } from '../src/analysis/module-model.js'
import { buildPlan } from '../src/analysis/plan.js'
import { GitRepository } from '../src/git/repository.js'
import {
  createGitSandbox,
  createWorkRepo,
  type FileTree
} from '../__tests__/helpers/git-fixtures.js'

const FILES = 200
const DIRS = 10
const CHANGED = [5, 10, 20, 40]
const RUNS = 3

function modulePath(i: number): string {
  return `src/area${i % DIRS}/module${i}.ts`
}

function importPath(from: number, to: number): string {
  const same = from % DIRS === to % DIRS
  return same ? `./module${to}.js` : `../area${to % DIRS}/module${to}.js`
}

/** One module: a few typed functions, an interface, an enum or a class, importing two others. */
function moduleSource(i: number, variant = 0): string {
  const deps = i > 1 ? [(i * 7) % i, (i * 13) % i].filter((d, k, all) => all.indexOf(d) === k) : []
  const lines: string[] = []
  for (const d of deps) lines.push(`import { compute${d} } from '${importPath(i, d)}'`)
  lines.push(
    '',
    `export interface Options${i} {`,
    '  scale: number',
    "  mode?: 'fast' | 'exact'",
    '  tags: readonly string[]',
    '}',
    '',
    `export enum Kind${i} {`,
    '  A = "a",',
    '  B = "b"',
    '}',
    '',
    `/** Computes a value for module ${i}. */`,
    `export function compute${i}(value: number, options: Options${i} = { scale: 1, tags: [] }): number {`,
    `  const base = value * options.scale + ${variant}`,
    ...deps.map((d) => `    + compute${d}(value)`),
    "  return options.mode === 'exact' ? base : Math.round(base)",
    '}',
    '',
    `export async function load${i}(ids: string[], fetchOne: (id: string) => Promise<number>): Promise<Map<string, number>> {`,
    '  const result = new Map<string, number>()',
    '  for (const id of ids) result.set(id, await fetchOne(id))',
    '  return result',
    '}',
    '',
    `export class Store${i} {`,
    '  private readonly items: number[] = []',
    '  constructor(readonly name: string, private limit = 10) {}',
    '  add(item: number): boolean {',
    '    if (this.items.length >= this.limit) return false',
    '    this.items.push(item)',
    '    return true',
    '  }',
    '  get size(): number {',
    '    return this.items.length',
    '  }',
    '}',
    '',
    `export const DEFAULTS${i}: [number, string] = [${i}, 'module${i}']`,
    ''
  )
  if (variant > 0) {
    lines.push(
      `export function added${i}(kind: Kind${i}, when: Date): string {`,
      `  return kind + when.toISOString() + ${variant}`,
      '}',
      ''
    )
  }
  return lines.join('\n')
}

function project(): FileTree {
  const files: FileTree = {
    'package.json': JSON.stringify({
      name: 'bench',
      type: 'module',
      scripts: { test: 'vitest run' },
      devDependencies: { vitest: '*' }
    }),
    'package-lock.json': '{}',
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: []
      },
      include: ['src']
    })
  }
  for (let i = 0; i < FILES; i++) files[modulePath(i)] = moduleSource(i)
  // Some existing tests, so test placement has conventions to learn and files to scan.
  for (let i = 0; i < FILES; i += 10) {
    files[`src/area${i % DIRS}/module${i}.test.ts`] =
      `import { describe, expect, it } from 'vitest'\nimport { compute${i} } from './module${i}.js'\n\ndescribe('compute${i}', () => {\n  it('computes', () => expect(compute${i}(1)).toBeTypeOf('number'))\n})\n`
  }
  return files
}

function estimate(
  module: ModuleAnalysis,
  source: string
): { promptTokens: number; costUsd: number } {
  const promptTokens = encode(`${source}\n${JSON.stringify(module.exports)}`, {
    disallowedSpecial: new Set()
  }).length
  return { promptTokens, costUsd: (promptTokens * 2.5) / 1_000_000 }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function main(): Promise<void> {
  const sandbox = await createGitSandbox('tm-bench-analysis-')
  try {
    const work = await createWorkRepo(sandbox, project())
    const base = await work.sha()
    const repo = await GitRepository.open(work.dir)
    const rows: {
      changed: number
      planFirst: number
      planMedian: number
      analysisMedian: number
      modules: number
      exports: number
      tokens: number
    }[] = []
    // Warm-up (JIT, fs caches, the tokenizer's rank table), discarded: rows compare like with like.
    encode('warm up', { disallowedSpecial: new Set() })
    await analyzeModules(
      work.dir,
      [1, 2, 3].map((i) => ({
        path: modulePath(i),
        status: 'modified' as const,
        binary: false,
        lines: [{ start: 1, end: 1 }]
      }))
    )
    for (const changed of CHANGED) {
      await work.checkout(`pr-${changed}`, { create: true, from: base })
      const edits: FileTree = {}
      // Spread the changes over the project (different areas, different depths of imports).
      for (let k = 0; k < changed; k++) {
        const i = Math.floor((k * FILES) / changed) + 1
        edits[modulePath(i)] = moduleSource(i, k + 1)
      }
      await work.commit(`change ${changed} modules`, edits)
      const planTimes: number[] = []
      const analysisTimes: number[] = []
      let modules = 0
      let exports = 0
      let tokens = 0
      for (let run = 0; run < RUNS; run++) {
        const t0 = performance.now()
        const plan = await buildPlan({ repo, base, head: 'HEAD', paths: [], exclude: [], estimate })
        planTimes.push(performance.now() - t0)
        modules = plan.modules.length
        exports = plan.modules.reduce((n, m) => n + m.analysis.exports.length, 0)
        tokens = plan.modules.reduce((n, m) => n + m.estimate.promptTokens, 0)
        const files = plan.modules.map((m) => ({
          path: m.analysis.path,
          status: 'modified' as const,
          binary: false,
          lines: m.analysis.changedLines
        }))
        const t1 = performance.now()
        await analyzeModules(work.dir, files)
        analysisTimes.push(performance.now() - t1)
      }
      if (modules !== changed)
        throw new Error(`expected ${changed} planned modules, got ${modules}`)
      rows.push({
        changed,
        planFirst: planTimes[0] ?? 0,
        planMedian: median(planTimes),
        analysisMedian: median(analysisTimes),
        modules,
        exports,
        tokens
      })
    }
    const ms = (n: number): string => `${Math.round(n)} ms`.padStart(9)
    console.log(
      `analysis bench: ${FILES}-file TypeScript project, ${RUNS} runs per row (node ${process.version})`
    )
    console.log(
      'changed | plan (1st) | plan (median) | analysis (median) | per module | exports | prompt tokens'
    )
    for (const row of rows) {
      console.log(
        `${String(row.changed).padStart(7)} | ${ms(row.planFirst)}  | ${ms(row.planMedian)}     | ${ms(row.analysisMedian)}         | ${ms(row.analysisMedian / row.changed)}  | ${String(row.exports).padStart(7)} | ${String(row.tokens).padStart(6)}`
      )
    }
    const twenty = rows.find((r) => r.changed === 20)
    const five = rows.find((r) => r.changed === 5)
    const forty = rows.find((r) => r.changed === 40)
    if (twenty)
      console.log(
        `target: 20 changed files under 5000 ms -> ${Math.round(twenty.planMedian)} ms (${twenty.planMedian < 5000 ? 'met' : 'MISSED'})`
      )
    if (five && forty) {
      console.log(
        `growth: 8x the changed files (5 -> 40) took ${(forty.planMedian / five.planMedian).toFixed(2)}x the plan time (linear would be 8x)`
      )
    }
  } finally {
    await sandbox.cleanup()
  }
}

await main()
