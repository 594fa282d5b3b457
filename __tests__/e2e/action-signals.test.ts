import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { FakeOpenAiServer, fencedAnswer } from '../helpers/fake-openai-server.js'
import {
  addNarrowBranch,
  createScenario,
  finishScenario,
  stickies,
  type Scenario
} from './scenario.js'

/**
 * What a maintainer reads besides the tests, in full runs of `node dist/index.js` (offline
 * explorer) against the fake GitHub server and a bare remote: annotations on the changed lines
 * still uncovered, the candidate funnel in the comment, and signed-off bot commits.
 */
const FAST = { depth: 'low', 'stability-runs': '1' }

const readReport = async (path: string | undefined): Promise<Report> =>
  ReportSchema.parse(JSON.parse(await readFile(path ?? '', 'utf8')))

/**
 * A module with `count` branches no input reaches (`code * 0` is 0 or NaN, never 1 or more), each
 * on a line of its own.
 */
function unreachableCodes(count: number): string {
  const lines = ['export function codeName(code: number): string {']
  for (let i = 1; i <= count; i++)
    lines.push(`  if (code * 0 === ${i}) {`, `    return 'c${i}'`, '  }')
  lines.push("  return 'unknown'", '}', '')
  return lines.join('\n')
}

describe('action e2e: signals for the pull request', () => {
  let scenario: Scenario | undefined
  let openai: FakeOpenAiServer | undefined
  afterEach(async () => {
    const [current, server] = [scenario, openai]
    scenario = undefined
    openai = undefined
    await finishScenario(current, server)
  })

  it('the check run annotates the changed lines still uncovered after the run', async () => {
    scenario = await createScenario()
    await addNarrowBranch(scenario)
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    const gate = report.modules.find((m) => m.path === 'src/gate.ts')
    // `return 'open'` (line 3) needs a 41-character code the explorer never builds.
    expect(gate?.uncoveredChangedLines).toEqual([{ start: 3, end: 3 }])
    const [check] = scenario.gh.checkRuns
    const annotations = check?.output?.annotations ?? []
    expect(annotations).toContainEqual({
      path: 'src/gate.ts',
      start_line: 3,
      end_line: 3,
      annotation_level: 'warning',
      title: 'Changed lines not covered',
      message: 'Changed line 3 is not covered by tests (after TestMaster)'
    })
    // One annotation per uncovered range of the report, nothing else.
    const expected = report.modules.flatMap((m) =>
      (m.uncoveredChangedLines ?? []).map((r) => `${m.path}:${r.start}-${r.end}`)
    )
    expect(annotations.map((a) => `${a.path}:${a.start_line}-${a.end_line}`).sort()).toEqual(
      expected.sort()
    )
    expect(check?.output?.summary).toContain(
      `${expected.length} range(s) of changed lines in ${new Set(annotations.map((a) => a.path)).size} file(s) are still not covered by tests after the run; each is annotated on the diff.`
    )
  })

  it('over 50 uncovered ranges: 50 annotations, and the summary says how many more', async () => {
    scenario = await createScenario()
    await scenario.dev.checkout('feature')
    await scenario.dev.commit('sixty unreachable codes', { 'src/codes.ts': unreachableCodes(60) })
    await scenario.dev.git('push', '-q', 'origin', 'feature')
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    const codes = report.modules.find((m) => m.path === 'src/codes.ts')
    // Each `return 'cN'` is its own range: the `if` line after it ran, and splits them.
    expect(codes?.uncoveredChangedLines).toEqual(
      Array.from({ length: 60 }, (_, i) => ({ start: 3 * i + 3, end: 3 * i + 3 }))
    )
    const total = report.modules.reduce((n, m) => n + (m.uncoveredChangedLines?.length ?? 0), 0)
    const annotations = scenario.gh.checkRuns[0]?.output?.annotations ?? []
    expect(annotations).toHaveLength(50)
    const source = (await readFile(`${scenario.dev.dir}/src/codes.ts`, 'utf8')).split('\n')
    for (const a of annotations.filter((x) => x.path === 'src/codes.ts'))
      expect(source[a.start_line - 1]).toMatch(/^ {4}return 'c\d+'$/)
    expect(scenario.gh.checkRuns[0]?.output?.summary).toContain(
      `the first 50 are annotated on the diff, and ${total - 50} more not annotated`
    )
    expect(stickies(scenario)).toHaveLength(1)
  })

  it('the comment and the summary fold in the funnel of every candidate, explorer and LLM, through every gate', async () => {
    scenario = await createScenario()
    await addNarrowBranch(scenario)
    // The model's test opens the gate the explorer could not (and adds nothing for other modules).
    openai = await FakeOpenAiServer.start({
      script: () => ({
        content: fencedAnswer(
          [
            "import { describe, expect, it } from 'vitest'",
            "import { gate } from './gate.js'",
            '',
            "describe('gate', () => {",
            "  it('opens for the 41-character code', () => {",
            "    expect(gate('zq' + 'a'.repeat(38) + '!')).toBe('open')",
            '  })',
            '})'
          ].join('\n')
        )
      })
    })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      ...FAST,
      'api-key': 'sk-e2e',
      'base-url': openai.baseUrl
    })
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const report = await readReport(result.outputs['report-path'])
    const funnels = report.totals.funnels ?? []
    expect(funnels.map((f) => f.strategy)).toEqual(['explorer', 'llm', 'all'])
    const [explorer, llm, all] = funnels
    // One LLM candidate per generate call; both strategies' tests were kept.
    expect(llm?.proposed).toBe(report.llmCalls.filter((c) => c.purpose === 'generate').length)
    expect(llm?.kept).toBeGreaterThanOrEqual(1)
    expect(explorer?.kept).toBeGreaterThanOrEqual(1)
    expect(all?.kept).toBe(report.totals.accepted)
    expect(report.modules.find((m) => m.path === 'src/gate.ts')?.uncoveredChangedLines).toEqual([])
    // Depth low: no mutant check, so its column is a dash.
    const row = (label: string, f: (typeof funnels)[number] | undefined) =>
      `| ${label} | ${f?.proposed} | ${f?.answered} | ${f?.compiles} | ${f?.passes} | ${f?.stable} | ${f?.addsCoverage} | ${f?.asserts} | – | ${f?.kept} |`
    const table = [
      `<details><summary>Candidate funnel: ${all?.proposed} proposed, ${all?.kept} kept</summary>`,
      '',
      '| Candidates | Proposed | With code | Compiled | Passed | Stable | Added coverage | Asserted | Killed a mutant | Kept |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('explorer', explorer),
      row('LLM', llm),
      row('**all**', all)
    ].join('\n')
    expect(stickies(scenario)[0]?.body).toContain(table)
    expect(result.summary).toContain(table)
  })

  const BOT = 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>'
  const trailersOf = async (s: Scenario, sha: string) =>
    s.dev.git('--git-dir', s.origin, 'log', '-1', '--format=%(trailers:unfold,only)', sha)

  it('github.signoff: the pushed bot commit is signed off, and a run on it still knows it as ours', async () => {
    scenario = await createScenario({ config: 'github:\n  signoff: true\n' })
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
    const head = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    expect(
      await scenario.dev.git('--git-dir', scenario.origin, 'log', '-1', '--format=%an <%ae>', head)
    ).toBe(BOT)
    expect(await trailersOf(scenario, head)).toBe(
      `TestMaster-Run: gh-4242-1\nSigned-off-by: ${BOT}`
    )
    // The synchronize event of that push: the trailer still marks the commit as ours (no loop).
    const again = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('synchronize'),
      FAST,
      '4243'
    )
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('The head commit is TestMaster’s own')
    expect(await scenario.remoteSha('refs/heads/feature')).toBe(head)
  })

  it('github.signoff with verified commits: the createCommitOnBranch message is signed off', async () => {
    scenario = await createScenario({
      config: 'github:\n  signoff: true\n  verified-commits: true\n'
    })
    const result = await scenario.run(
      'pull_request',
      await scenario.pullRequestPayload('opened'),
      FAST
    )
    expect(result.exitCode).toBe(0)
    expect(scenario.gh.graphqlCalls).toHaveLength(1)
    const head = await scenario.remoteSha('refs/heads/feature')
    expect(result.outputs['commit-sha']).toBe(head)
    expect(await trailersOf(scenario, head)).toBe(
      `TestMaster-Run: gh-4242-1\nSigned-off-by: ${BOT}`
    )
  })
})
