import { describe, expect, it } from '@jest/globals'
import { totalsOf } from '../../src/report/build-report.js'
import { funnelOf, gateFunnelLine, gateFunnels } from '../../src/report/funnel.js'
import { renderComment } from '../../src/report/render-comment.js'
import { renderSummary } from '../../src/report/render-summary.js'
import { renderTerminal } from '../../src/report/render-terminal.js'
import type {
  CandidateReport,
  FunnelStage,
  ModuleReport,
  Report
} from '../../src/report/report-schema.js'
import { sampleReport } from './sample-report.js'

/** A candidate that got as far as `reached` (none: no code), with its verdict. */
function candidate(
  id: string,
  strategy: 'explorer' | 'llm',
  reached: FunnelStage | undefined,
  verdict: CandidateReport['verdict'],
  mutants?: { tried: number; killed: number }
): CandidateReport {
  return {
    id,
    strategy,
    verdict,
    tests: reached ? 2 : 0,
    healingRounds: 0,
    durationMs: 10,
    addedLines: 0,
    addedBranches: 0,
    ...(reached ? { reached } : {}),
    ...(mutants ? { mutantsTried: mutants.tried, mutantsKilled: mutants.killed } : {})
  }
}

const kept = { status: 'accepted' } as const
const at = (gate: 'generates' | 'compiles' | 'passes' | 'stable' | 'adds-coverage' | 'asserts') =>
  ({ status: 'rejected', gate, reason: 'r' }) as const

function moduleWith(path: string, candidates: CandidateReport[]): ModuleReport {
  return {
    path,
    packageRoot: '.',
    strategies: ['explorer', 'llm'],
    status: 'done',
    changedLines: 5,
    candidates,
    llm: { calls: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    durationMs: 0
  }
}

/*
 * Two modules. Explorer: one kept (killed a mutant), one that added nothing. LLM: one without
 * code, one that did not compile, one failing, one flaky, one whose mutants all survived, one kept
 * with no mutant for its lines, one kept and killing a mutant but cut by the final check. Plus an
 * earlier run's tests, re-checked, which are no candidate.
 */
const modules = [
  moduleWith('src/a.ts', [
    candidate('explorer-1', 'explorer', 'asserts', kept, { tried: 3, killed: 1 }),
    candidate('llm-2', 'llm', undefined, at('generates')),
    candidate('llm-3', 'llm', 'answered', at('compiles')),
    candidate('llm-4', 'llm', 'compiles', at('passes')),
    candidate('previous', 'llm', 'stable', kept)
  ]),
  moduleWith('src/b.ts', [
    candidate('explorer-1', 'explorer', 'stable', at('adds-coverage')),
    candidate('llm-2', 'llm', 'passes', at('stable')),
    candidate('llm-3', 'llm', 'adds-coverage', at('asserts'), { tried: 4, killed: 0 }),
    candidate('llm-4', 'llm', 'asserts', kept, { tried: 0, killed: 0 }),
    candidate(
      'llm-5',
      'llm',
      'asserts',
      { status: 'rejected', gate: 'final-check', reason: 'r' },
      {
        tried: 2,
        killed: 1
      }
    ),
    candidate('previous-2', 'explorer', 'stable', kept)
  ])
]

describe('gateFunnels', () => {
  it('counts every candidate through every gate, per strategy and for all', () => {
    expect(gateFunnels(modules)).toEqual([
      {
        strategy: 'explorer',
        proposed: 2,
        answered: 2,
        compiles: 2,
        passes: 2,
        stable: 2,
        addsCoverage: 1,
        asserts: 1,
        mutantChecked: 1,
        killsMutant: 1,
        kept: 1
      },
      {
        strategy: 'llm',
        proposed: 7,
        answered: 6,
        compiles: 5,
        passes: 4,
        stable: 3,
        addsCoverage: 3,
        asserts: 2,
        mutantChecked: 3,
        killsMutant: 1,
        kept: 1
      },
      {
        strategy: 'all',
        proposed: 9,
        answered: 8,
        compiles: 7,
        passes: 6,
        stable: 5,
        addsCoverage: 4,
        asserts: 3,
        mutantChecked: 4,
        killsMutant: 2,
        kept: 2
      }
    ])
  })

  it('has a row only for strategies that proposed, and none at all for a run without candidates', () => {
    const explorerOnly = [moduleWith('src/a.ts', [modules[0]!.candidates[0]!])]
    expect(gateFunnels(explorerOnly).map((f) => [f.strategy, f.proposed, f.kept])).toEqual([
      ['explorer', 1, 1],
      ['all', 1, 1]
    ])
    expect(gateFunnels([moduleWith('src/a.ts', [])])).toEqual([])
  })

  it('leaves the earlier tests out of the LLM funnel too', () => {
    expect(funnelOf(modules[0]!.candidates).calls).toBe(3)
  })

  it('reaches the totals, and is absent when nothing was proposed', () => {
    expect(totalsOf(modules).funnels).toEqual(gateFunnels(modules))
    expect(totalsOf([moduleWith('src/a.ts', [])]).funnels).toBeUndefined()
  })

  it('reads on one line, with the mutant check named when it was off', () => {
    const [explorer] = gateFunnels(modules)
    expect(gateFunnelLine(explorer!)).toBe(
      '2 proposed → 2 with code → 2 compile → 2 pass → 2 stable → 1 add coverage → 1 assert → 1 kill a mutant → 1 kept'
    )
    expect(gateFunnelLine(explorer!, false)).toContain('1 assert → mutant check off → 1 kept')
  })
})

describe('the candidate funnel in the comment, the summary and the terminal', () => {
  const report: Report = sampleReport({ modules, totals: { ...totalsOf(modules) } })

  it('is a folded table in the comment and the summary, one row per strategy and all', () => {
    const table = [
      '<details><summary>Candidate funnel: 9 proposed, 2 kept</summary>',
      '',
      '| Candidates | Proposed | With code | Compiled | Passed | Stable | Added coverage | Asserted | Killed a mutant | Kept |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| explorer | 2 | 2 | 2 | 2 | 2 | 1 | 1 | 1 | 1 |',
      '| LLM | 7 | 6 | 5 | 4 | 3 | 3 | 2 | 1 | 1 |',
      '| **all** | 9 | 8 | 7 | 6 | 5 | 4 | 3 | 2 | 2 |'
    ].join('\n')
    expect(renderComment(report)).toContain(table)
    expect(renderSummary(report)).toContain(table)
    expect(renderComment(report)).not.toContain('The mutant check is off')
  })

  it('shows one row when one strategy proposed, and a dash when the depth had the mutant check off', () => {
    const explorerOnly = [
      moduleWith('src/a.ts', [
        candidate('explorer-1', 'explorer', 'asserts', kept),
        candidate('explorer-2', 'explorer', 'stable', at('adds-coverage'))
      ])
    ]
    const text = renderComment(
      sampleReport({
        settings: { depth: 'low', dryRun: false },
        modules: explorerOnly,
        totals: { ...totalsOf(explorerOnly) }
      })
    )
    expect(text).toContain('| explorer | 2 | 2 | 2 | 2 | 2 | 1 | 1 | – | 1 |')
    expect(text).not.toContain('| **all** |')
    expect(text).toContain('The mutant check is off at depth `low`')
  })

  it('is absent from a comment when nothing was proposed', () => {
    expect(renderComment(sampleReport())).not.toContain('Candidate funnel')
  })

  it('is a line per strategy and all in the terminal', () => {
    const text = renderTerminal(report)
    expect(text).toContain(
      'candidate funnel (explorer): 2 proposed → 2 with code → 2 compile → 2 pass → 2 stable → 1 add coverage → 1 assert → 1 kill a mutant → 1 kept'
    )
    expect(text).toContain('candidate funnel (llm): 7 proposed')
    expect(text).toContain('candidate funnel (all): 9 proposed')
  })
})
