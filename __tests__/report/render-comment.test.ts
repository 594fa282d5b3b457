import { describe, expect, it } from '@jest/globals'
import {
  renderComment,
  renderModuleTable,
  renderVerdictLine
} from '../../src/report/render-comment.js'
import { renderSummary } from '../../src/report/render-summary.js'
import { renderTerminal } from '../../src/report/render-terminal.js'
import { sampleReport } from './sample-report.js'

describe('renderComment', () => {
  it('starts with the verdict and has a row per module', () => {
    const report = sampleReport({
      delivery: { mode: 'commit', status: 'delivered', commitSha: 'c'.repeat(40), files: [] }
    })
    const text = renderComment(report, { prSpentUsd: 0.02, prBudgetUsd: 5, prRuns: 2 })
    expect(text.split('\n')[0]).toBe(
      '✅ **TestMaster** added 3 test(s) for 1 module(s), changed lines covered 16.7% → 66.7%, cost $0.0123'
    )
    expect(renderModuleTable(report).split('\n')).toEqual([
      '| Module | Accepted | Rejected | Lines | Branches | Changed lines | Cost |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| src/math.ts | 1 | 1 | 40.0% → 90.0% | 25.0% → 75.0% | 25.0% → 100.0% | $0.0123 |',
      '| src/parse.ts (stopped by budget) | 0 | 0 | – | – | – | $0.0000 |'
    ])
    expect(text).toContain(
      '**Totals**: 1 accepted, 1 rejected · 3 LLM call(s), 3,000 tokens in / 900 out · $0.0123 of the $1.00 run budget · $0.0200 of the $5.00 PR budget over 2 run(s) · 1m 23s'
    )
    expect(text).toContain('**Delivery** (commit): committed as cccccccccccc')
    expect(text).toContain(
      'src/math.ts · c1'.replace('c1', 'c2') + ' (llm): rejected at **asserts**: no mutant killed'
    )
    expect(text).toContain('<details><summary>Model and settings</summary>')
    expect(text).not.toContain('```ts')
  })

  it('links the side pull request (an autolink, so a URL with `_` stays whole) before the commit', () => {
    const report = sampleReport({
      delivery: {
        mode: 'pull-request',
        status: 'delivered',
        commitSha: 'c'.repeat(40),
        pullRequestUrl: 'https://github.com/acme/my_repo/pull/101',
        detail: 'opened from testmaster/pr-1 at cccccccccccc',
        files: []
      }
    })
    expect(renderComment(report, {})).toContain(
      '**Delivery** (pull-request): side pull request <https://github.com/acme/my_repo/pull/101>: opened from testmaster/pr-1 at cccccccccccc'
    )
  })

  it('folds the tests in for comment delivery', () => {
    const report = sampleReport({ delivery: { mode: 'comment', status: 'delivered', files: [] } })
    const text = renderComment(report, { includeTests: true })
    expect(text).toContain('<details><summary>__tests__/math.testmaster.test.ts</summary>')
    expect(text).toContain("```ts\nimport { add } from '../src/math'")
  })

  it('leads with the gate reasons when the gate failed', () => {
    const report = sampleReport({
      gate: {
        failed: true,
        reasons: ['the budget ran out (run-usd) before all changed modules were handled']
      }
    })
    expect(renderVerdictLine(report)).toBe(
      '❌ **TestMaster**: the budget ran out \\(run-usd\\) before all changed modules were handled (3 test(s) accepted, changed lines covered 16.7% → 66.7%)'
    )
  })

  it('lists possible bugs in their own fold, with the failing assertion, escaped', () => {
    const report = sampleReport({
      possibleBugs: [
        {
          module: 'src/coupon.ts',
          test: 'llm-2',
          assertion: 'expect(percent("SAVE50")).toBe(50) // got 0',
          explanation: 'the JSDoc says 50 is the documented maximum; @team please look'
        }
      ]
    })
    const text = renderComment(report)
    expect(text).toContain('<summary>Possible bugs found (1)</summary>')
    const line = text.split('\n').find((l) => l.startsWith('- src/coupon.ts · llm-2:'))
    expect(line).toContain('SAVE50')
    expect(line).toContain('documented maximum')
    // A mention in model text must not ping anyone.
    expect(line).not.toMatch(/(^|[^`\\])@team/)
  })

  it('counts the tests a re-run added, not the earlier tests it accepted again', () => {
    const base = sampleReport()
    const rerun = (added: number) =>
      sampleReport({
        modules: base.modules.map((m, i) =>
          i === 0
            ? {
                ...m,
                testChanges: { added, removed: 0 },
                candidates: [
                  { ...m.candidates[0]!, id: 'previous', tests: 17 },
                  ...m.candidates.slice(1)
                ]
              }
            : m
        )
      })
    expect(renderVerdictLine(rerun(5))).toMatch(
      /^✅ \*\*TestMaster\*\* added 5 test\(s\) for 1 module/
    )
    expect(renderTerminal(rerun(5))).toContain('1 candidate file(s) accepted (5 test(s))')
    expect(renderVerdictLine(rerun(0))).toMatch(/^ℹ️ \*\*TestMaster\*\*: no new test accepted/)
  })

  it('shows the estimate on a dry run', () => {
    const report = sampleReport({ settings: { dryRun: true } })
    expect(renderVerdictLine(report)).toBe(
      '🧮 **TestMaster dry run**: 0 module(s) to test, estimated cost $0.0500'
    )
  })

  it('SECURITY 26: escapes PR-derived names and pings nobody', () => {
    const base = sampleReport()
    const evil = '@org/team --> <b>x</b>.ts'
    const report = sampleReport({
      modules: base.modules.map((m) => ({ ...m, path: evil })),
      tests: [{ module: evil, path: `tests/${evil}`, code: '// @alice -->' }]
    })
    const full = renderComment(report, { includeTests: true, notes: ['note from @someone'] })
    // Inside a fenced code block nothing renders or pings; everywhere else must be escaped.
    const text = full.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '')
    expect(full).toContain('// @alice -->')
    expect(text).not.toMatch(/@(org|someone|alice)\b/)
    expect(text).not.toContain('<b>')
    expect(text).not.toContain('-->')
  })

  it('SECURITY 26: a huge report is truncated to fit, not rejected', () => {
    const base = sampleReport()
    const tests = Array.from({ length: 40 }, (_, i) => ({
      module: `src/m${i}.ts`,
      path: `t/m${i}.test.ts`,
      code: 'x'.repeat(5000)
    }))
    const text = renderComment(
      sampleReport({ tests, modules: base.modules }),
      { includeTests: true },
      60_000
    )
    expect(text.length).toBeLessThanOrEqual(60_000)
    expect(text).toContain('truncated')
  })
})

describe('renderSummary and renderTerminal', () => {
  it('the summary adds the stages', () => {
    const text = renderSummary(sampleReport())
    expect(text.startsWith('## TestMaster\n\n✅') || text.startsWith('## TestMaster\n\nℹ️')).toBe(
      true
    )
    expect(text).toContain('| deliver | not-run | delivery is done by the caller |')
  })

  it('the terminal rendering is plain text', () => {
    const text = renderTerminal(sampleReport())
    // Files and test cases are counted apart, never mixed in one "accepted".
    expect(text).toContain(
      'TestMaster run gh-42-1: 1 candidate file(s) accepted (3 test(s)), 1 rejected, $0.0123'
    )
    expect(text).toContain('src/math.ts')
    expect(text).toContain('rejected src/math.ts c2 at asserts: no mutant killed')
    expect(text).not.toContain('|')
    // No escape sequences unless the caller asks for colours (a TTY).
    expect(text).not.toContain('\u001b[')
    expect(renderTerminal(sampleReport(), { color: true })).toContain('\u001b[32m')
  })

  it('says why a module was not done, and how its coverage before was measured', () => {
    const report = sampleReport()
    const skipped = {
      ...report.modules[0]!,
      path: 'src/none.ts',
      status: 'skipped' as const,
      reason: "no jest or vitest found for package '.'; set test-framework",
      candidates: []
    }
    const measured = {
      ...report.modules[0]!,
      baseline: {
        method: 'existing-tests' as const,
        tests: ['test/index.test.ts', 'test/helper.test.ts']
      }
    }
    const text = renderTerminal({ ...report, modules: [measured, skipped] })
    expect(text).toContain(
      "skipped src/none.ts: no jest or vitest found for package '.'; set test-framework"
    )
    expect(text).toContain(
      'coverage before src/math.ts: 2 existing test file(s) that reach it through imports'
    )
  })

  it("shows a rejected candidate's code with --verbose only", () => {
    const report = sampleReport()
    const [math, ...rest] = report.modules
    const withCode = {
      ...math!,
      candidates: math!.candidates.map((c) =>
        c.verdict.status === 'rejected'
          ? { ...c, code: "it('adds', () => {\n  add(1, 2)\n})\n" }
          : c
      )
    }
    const modules = [withCode, ...rest]
    expect(renderTerminal({ ...report, modules }, { verbose: true })).toContain(
      "rejected src/math.ts c2 at asserts: no mutant killed\n      it('adds', () => {\n        add(1, 2)\n      })\n"
    )
    expect(renderTerminal({ ...report, modules })).not.toContain('add(1, 2)')
  })

  it('says, without being asked, why every changed file was skipped when nothing was tested', () => {
    const sample = sampleReport()
    const report = sampleReport({
      modules: [],
      totals: { ...sample.totals, accepted: 0, rejected: 0 },
      plan: {
        modules: [],
        skipped: [
          { path: 'dist/helpers.js', reason: 'generated or build output (under dist/)' },
          { path: 'README.md', reason: 'not a TypeScript or JavaScript source file' }
        ],
        estimatedCostUsd: 0
      }
    })
    const terminal = renderTerminal(report)
    expect(terminal).toContain('nothing to test: every changed file was skipped (2)')
    expect(terminal).toContain('skipped dist/helpers.js: generated or build output (under dist/)')
    expect(terminal).toContain('skipped README.md: not a TypeScript or JavaScript source file')
    for (const markdown of [renderComment(report), renderSummary(report)]) {
      expect(markdown).toContain(
        'no changed module to test in this pull request: every changed file was skipped (2, why below)'
      )
      expect(markdown).toContain('**Every changed file was skipped:**')
      expect(markdown).toContain('- dist/helpers.js: generated or build output \\(under dist/\\)')
    }
  })

  it('lists dropped tests with their error, candidates kept apart, and rules the paths overrode', () => {
    const report = sampleReport()
    const [module] = report.modules
    const candidate = {
      ...module!.candidates[0]!,
      droppedTests: [
        {
          name: 'classify > zero',
          gate: 'final-check' as const,
          error: "expect(received).toBe(expected); Expected: 'positive'; Received: 'zero'"
        }
      ],
      note: 'kept in its own file math.testmaster-2.test.ts: with c1: both mock ./dep, differently'
    }
    const withDrops = {
      ...report,
      modules: [{ ...module!, candidates: [candidate] }],
      plan: {
        ...report.plan,
        included: [{ path: 'dist/helpers.js', rule: 'generated or build output (under dist/)' }]
      }
    }
    const comment = renderComment(withDrops)
    expect(comment).toContain('Tests dropped, files split, rules overridden (3)')
    expect(comment).toContain("dropped test 'classify &gt; zero' at **final-check**: expect")
    expect(comment).toContain('kept in its own file math.testmaster-2.test.ts')
    expect(comment).toContain('dist/helpers.js: included by the configured paths')
    const terminal = renderTerminal(withDrops)
    expect(terminal).toContain(
      "dropped src/math.ts c1 test 'classify > zero' at final-check: expect"
    )
  })

  it('says a dry run is over budget even when fail-on leaves the job passing, as the check does', () => {
    const base = sampleReport({ settings: { dryRun: true } })
    const reason =
      'the estimated cost $0.0500 is over what is left of the PR budget ($0.0001 of $0.0001)'
    const report = {
      ...base,
      budget: { ...base.budget, limits: { ...base.budget.limits, prUsd: 0.0001 } },
      gate: { failed: false, reasons: [], findings: [{ kind: 'budget' as const, reason }] }
    }
    expect(renderVerdictLine(report)).toBe(
      `⚠️ **TestMaster dry run**: 0 module(s) to test, estimated cost $0.0500 (${reason.replace(/[()]/g, (c) => `\\${c}`)}). A maintainer can raise the pull request budget with \`/testmaster budget USD\`.`
    )
  })

  it('names module states in words and fences a JavaScript test as JavaScript', () => {
    const base = sampleReport()
    const report = {
      ...base,
      modules: base.modules.map((m, i) =>
        i === 0 ? { ...m, status: 'not-run' as const, reason: 'dry run: planned only' } : m
      ),
      tests: base.tests.map((t) => ({ ...t, path: 'test/math.testmaster.test.js' }))
    }
    const text = renderComment(report, { includeTests: true })
    expect(text).toContain('- src/math.ts: not run: dry run: planned only')
    expect(text).not.toContain('not-run:')
    expect(text).toContain('```js\n')
    expect(text).not.toContain('```ts')
  })

  it('prints no LLM cost for the offline explorer, not even an estimate in a dry run', () => {
    const report = sampleReport()
    const dry = renderTerminal({
      ...report,
      provider: 'explorer',
      settings: { ...report.settings, dryRun: true }
    })
    expect(dry).toContain('(offline explorer, no cost)')
    expect(dry).not.toMatch(/estimated \$/)
  })
})

describe('the sandbox in the renderings', () => {
  it('names the mechanism in the comment details, the summary and the terminal', () => {
    const report = sampleReport()
    for (const text of [renderComment(report), renderSummary(report, {})]) {
      expect(text).toContain('- sandbox: bubblewrap 0.8.0: own PID and network namespaces')
      expect(text).not.toContain('without a sandbox')
    }
    expect(renderTerminal(report)).toContain(
      'sandbox: bubblewrap 0.8.0: own PID and network namespaces'
    )
  })

  it('a run without a sandbox says so right under the verdict, with the reason', () => {
    const report = sampleReport({
      sandbox: { mechanism: 'none', detail: 'bubblewrap (bwrap) is not installed' }
    })
    for (const text of [renderComment(report), renderSummary(report, {})]) {
      const lines = text.split('\n').filter((l) => l.trim() !== '')
      const verdict = lines.findIndex((l) => l.includes('**TestMaster**'))
      expect(lines[verdict + 1]).toBe(
        "> ⚠️ The tests ran without a sandbox (bubblewrap \\(bwrap\\) is not installed): the pull request's code and the generated tests could read this job's environment and reach the network. Install bubblewrap on the runner to isolate them."
      )
      expect(text).toContain('- sandbox: none (bubblewrap \\(bwrap\\) is not installed)')
    }
    expect(renderTerminal(report)).toContain(
      'warning: the tests ran without a sandbox: bubblewrap (bwrap) is not installed'
    )
  })
})
