import { afterEach, describe, expect, it } from '@jest/globals'
import ts from 'typescript'
import { testCases } from '../../src/generate/test-blocks.js'
import type { ActionRunResult } from '../helpers/action-env.js'
import { createScenario, finishScenario, stickies, type Scenario } from './scenario.js'

/**
 * A pull request run again after a person pushes (`synchronize`), through `node dist/index.js`
 * against the fake GitHub server and a bare remote: the generated file on the branch is extended,
 * never given a second copy of its tests; it keeps one `describe` per function; the bot commit
 * counts the tests it added; and a run with nothing new leaves the file and the branch as they are.
 */

const FAST = { depth: 'low', 'stability-runs': '1' }
const GENERATED = 'src/pricing.testmaster.test.ts'

/** A function added to the module by the person's push: the explorer has something new to test. */
const WHOLE_UNITS = [
  '',
  '/** Cents as whole currency units, rounded toward zero. */',
  'export function wholeUnits(cents: number): number {',
  '  if (cents < 0) return -Math.floor(-cents / 100)',
  '  return Math.floor(cents / 100)',
  '}',
  ''
].join('\n')

describe('action e2e: a second run on a pull request whose tests are on the branch', () => {
  let scenario: Scenario | undefined
  afterEach(async () => {
    const current = scenario
    scenario = undefined
    await finishScenario(current, undefined)
  })

  const originGit = (s: Scenario, ...args: string[]) => s.dev.git('--git-dir', s.origin, ...args)
  const fileAt = (s: Scenario, ref: string) => originGit(s, 'show', `${ref}:${GENERATED}`)
  const head = (s: Scenario) => s.remoteSha('refs/heads/feature')
  const expectSuccess = (result: ActionRunResult) => {
    if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(0)
  }
  const humanPush = async (s: Scenario, message: string, files: Record<string, string>) => {
    await s.dev.checkout('feature')
    await s.dev.git('pull', '-q', 'origin', 'feature')
    await s.dev.commit(message, files)
    await s.dev.git('push', '-q', 'origin', 'feature')
  }
  const keys = (code: string) => testCases(code, GENERATED).map((t) => `${t.name}\0${t.body}`)

  /** The file's top level: its imports, and the title of each `describe` (bare blocks as '{}'). */
  function topLevel(code: string): { imports: number; suites: string[]; other: string[] } {
    const file = ts.createSourceFile(GENERATED, code, ts.ScriptTarget.Latest, true)
    const suites: string[] = []
    const other: string[] = []
    let imports = 0
    for (const statement of file.statements) {
      if (ts.isImportDeclaration(statement)) imports++
      else if (
        ts.isExpressionStatement(statement) &&
        ts.isCallExpression(statement.expression) &&
        statement.expression.expression.getText(file) === 'describe'
      )
        suites.push((statement.expression.arguments[0] as ts.StringLiteral).text)
      else other.push(ts.isBlock(statement) ? '{}' : statement.getText(file).slice(0, 40))
    }
    return { imports, suites, other }
  }

  it('extends the file with the new tests only, one describe per function, and the commit counts them', async () => {
    scenario = await createScenario()
    const s = scenario
    expectSuccess(await s.run('pull_request', await s.pullRequestPayload('opened'), FAST, '100'))
    const firstHead = await head(s)
    const first = await fileAt(s, firstHead)
    const firstTests = keys(first)
    expect(firstTests.length).toBeGreaterThan(0)

    const pricing = await originGit(s, 'show', `${firstHead}:src/pricing.ts`)
    await humanPush(s, 'whole units', { 'src/pricing.ts': `${pricing}${WHOLE_UNITS}` })
    const humanHead = await head(s)
    const second = await s.run(
      'pull_request',
      await s.pullRequestPayload('synchronize'),
      FAST,
      '101'
    )
    expectSuccess(second)
    const secondHead = await head(s)
    expect(secondHead).not.toBe(humanHead)
    expect(await originGit(s, 'rev-parse', `${secondHead}^`)).toBe(humanHead)
    const refreshed = await fileAt(s, secondHead)
    const tests = keys(refreshed)

    // No test twice (same name and body), and every test of the first run is still there.
    expect(new Set(tests).size).toBe(tests.length)
    for (const key of firstTests) expect(tests).toContain(key)
    // One describe per function, no bare blocks: the earlier grouping extended.
    const shape = topLevel(refreshed)
    expect(shape.other).toEqual([])
    expect(new Set(shape.suites).size).toBe(shape.suites.length)
    expect(shape.suites).toContain('wholeUnits')
    expect(shape.suites.slice(0, topLevel(first).suites.length)).toEqual(topLevel(first).suites)
    expect(shape.imports).toBe(topLevel(first).imports)
    // The commit message counts what this run added, nothing committed before.
    const added = tests.filter((key) => !firstTests.includes(key)).length
    expect(added).toBeGreaterThan(0)
    expect(added).toBeLessThan(tests.length)
    const message = await originGit(s, 'log', '-1', '--format=%B', secondHead)
    expect(message).toContain(`- src/pricing.ts: ${added} test(s)`)
    expect(message).not.toMatch(/src\/cart\.ts/)
    // So does the comment's verdict.
    expect(stickies(s)[0]?.body.split('\n')[1]).toMatch(
      new RegExp(`^✅ \\*\\*TestMaster\\*\\* added ${added} test\\(s\\) for 1 module\\(s\\)`)
    )

    // A push that changes no module: the earlier tests still pass and nothing new adds coverage,
    // so the file stays byte for byte and the bot pushes nothing.
    await humanPush(s, 'docs', { 'NOTES.md': 'pricing notes\n' })
    const docsHead = await head(s)
    expectSuccess(
      await s.run('pull_request', await s.pullRequestPayload('synchronize'), FAST, '102')
    )
    expect(await head(s)).toBe(docsHead)
    expect(await fileAt(s, docsHead)).toBe(refreshed)

    // A maintainer asks again on the same head: nothing new is accepted, nothing is pushed, and
    // the comment says so without claiming that accepted tests are already on the branch.
    s.gh.setPermission('maintainer', 'admin')
    expectSuccess(
      await s.run('issue_comment', s.commentPayload('/testmaster regenerate', {}), FAST, '103')
    )
    expect(await head(s)).toBe(docsHead)
    const comment = stickies(s)[0]?.body ?? ''
    expect(comment.split('\n')[1]).toMatch(/^ℹ️ \*\*TestMaster\*\*: no new test accepted/)
    expect(comment).toContain('**Delivery** (commit): nothing to deliver')
    expect(comment).not.toContain('already on the branch')
    expect(comment).toContain(
      'src/pricing.ts: skipped: its changed lines are already covered, by the tests TestMaster committed earlier'
    )
  })
})
