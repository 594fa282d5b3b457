import { afterEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { createScenario, type Scenario } from './scenario.js'

/** Issue 2 acceptance: a bad base-branch config stops `node dist/index.js` with exit 1 and a clear message. */
describe('action e2e: configuration errors', () => {
  let scenario: Scenario | undefined
  afterEach(async () => scenario?.close())

  it('a malformed value exits 1 naming the file, key, expectation and value', async () => {
    scenario = await createScenario({ config: 'budget:\n  run-usd: ten\n' })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'))
    if (!result.stdout.includes('::error::')) console.log(result.stdout, result.stderr)
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('::error::')
    expect(result.stdout).toMatch(
      /\.github\/testmaster\.yml: budget\.run-usd must be a number[^\n]*got "ten"/
    )
    expect(scenario.gh.writes()).toEqual([])
    scenario.gh.assertValid()
  })

  it('an unknown key exits 1 naming the key', async () => {
    scenario = await createScenario({ config: 'budjet:\n  run-usd: 1\n' })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'))
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/\.github\/testmaster\.yml[^\n]*budjet/)
  })

  it('SECURITY 13: the PR cannot change the config it runs under (read from the base ref)', async () => {
    scenario = await createScenario({
      config: 'depth: low\nbudget:\n  run-usd: 0.5\n',
      prConfig: 'depth: high\nbudget:\n  run-usd: 100\npaths: ["**"]\n'
    })
    const result = await scenario.run('pull_request', await scenario.pullRequestPayload('opened'), {
      'dry-run': 'true'
    })
    expect(result.exitCode).toBe(0)
    const report = JSON.parse(await readFile(result.outputs['report-path'] ?? '', 'utf8'))
    expect(report.settings.depth).toBe('low')
    expect(report.budget.limits.runUsd).toBe(0.5)
    expect(report.settings.paths).toEqual([])
  })
})
