import { ReportSchema, type Report } from '../../src/report/report-schema.js'

const ratio = (covered: number, total: number) => ({
  covered,
  total,
  pct: total === 0 ? 100 : Math.round((covered / total) * 10000) / 100
})
const figures = (l: [number, number], b: [number, number]) => ({
  lines: ratio(...l),
  branches: ratio(...b),
  functions: ratio(...l)
})

/** A valid report (parsed by the schema) with two modules; `patch` overrides top-level fields. */
export function sampleReport(patch: Partial<Report> = {}): Report {
  const base: Report = {
    schemaVersion: 1,
    runId: 'gh-42-1',
    toolVersion: '0.1.0',
    startedAt: '2026-01-01T12:00:00.000Z',
    durationMs: 83_000,
    configDigest: 'abc123def456',
    settings: { depth: 'medium', dryRun: false, delivery: 'commit' },
    clamps: [],
    provider: 'openai',
    model: 'gpt-5-mini',
    sandbox: {
      mechanism: 'bubblewrap',
      detail: 'bubblewrap 0.8.0: own PID and network namespaces'
    },
    repo: { base: 'main', head: 'HEAD', baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40) },
    plan: { modules: [], skipped: [], estimatedCostUsd: 0.05 },
    stages: [
      { name: 'plan', status: 'ran' },
      { name: 'deliver', status: 'not-run', detail: 'delivery is done by the caller' }
    ],
    modules: [
      {
        path: 'src/math.ts',
        packageRoot: '.',
        framework: 'jest',
        strategies: ['llm'],
        status: 'done',
        changedLines: 12,
        testFile: '__tests__/math.testmaster.test.ts',
        candidates: [
          {
            id: 'c1',
            strategy: 'llm',
            verdict: { status: 'accepted' },
            tests: 3,
            healingRounds: 1,
            durationMs: 1000,
            addedLines: 5,
            addedBranches: 2
          },
          {
            id: 'c2',
            strategy: 'llm',
            verdict: { status: 'rejected', gate: 'asserts', reason: 'no mutant killed' },
            tests: 1,
            healingRounds: 0,
            durationMs: 900,
            addedLines: 0,
            addedBranches: 0
          }
        ],
        coverageBefore: figures([4, 10], [1, 4]),
        coverageAfter: figures([9, 10], [3, 4]),
        patchCoverageBefore: { lines: ratio(2, 8), branches: ratio(0, 2) },
        patchCoverageAfter: { lines: ratio(8, 8), branches: ratio(2, 2) },
        llm: { calls: 3, tokensIn: 3000, tokensOut: 900, costUsd: 0.0123 },
        durationMs: 20_000
      },
      {
        path: 'src/parse.ts',
        packageRoot: '.',
        strategies: ['llm'],
        status: 'stopped-by-budget',
        reason: 'run budget spent',
        changedLines: 4,
        candidates: [],
        llm: { calls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
        durationMs: 0
      }
    ],
    llmCalls: [],
    possibleBugs: [],
    budget: {
      limits: { runUsd: 1, timeMinutes: 20 },
      spentUsd: 0.0123,
      peakReservedUsd: 0.05,
      calls: 3,
      tokens: 3900,
      exceeded: false,
      overruns: []
    },
    totals: {
      modules: 2,
      candidates: 2,
      accepted: 1,
      rejected: 1,
      llm: { calls: 3, tokensIn: 3000, tokensOut: 900, costUsd: 0.0123 },
      patchCoverageBefore: { lines: ratio(2, 12), branches: ratio(0, 2) },
      patchCoverageAfter: { lines: ratio(8, 12), branches: ratio(2, 2) }
    },
    delivery: { mode: 'commit', status: 'not-run', files: ['__tests__/math.testmaster.test.ts'] },
    gate: { failed: false, reasons: [] },
    errors: [],
    tests: [
      {
        module: 'src/math.ts',
        path: '__tests__/math.testmaster.test.ts',
        code: "import { add } from '../src/math'\ntest('adds', () => expect(add(1, 2)).toBe(3))\n"
      }
    ]
  }
  return ReportSchema.parse({ ...base, ...patch })
}
