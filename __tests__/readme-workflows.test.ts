import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { REPO_ROOT } from './helpers/fixture-project.js'

/**
 * The README's workflows are what users copy: they must parse, ask for the minimum permissions,
 * and share one concurrency group per PR that never cancels a run in progress (the ledger in the
 * sticky comment is read and written by each run).
 */
interface Workflow {
  on: Record<string, unknown>
  permissions?: Record<string, string>
  concurrency?: { group: string; 'cancel-in-progress': boolean }
  jobs?: Record<string, { concurrency?: { group: string; 'cancel-in-progress': boolean } }>
}

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
const workflows = [
  ...readme.matchAll(/```yaml\n(# \.github\/workflows\/[^\n]+\n[\s\S]*?)```/g)
].map((m) => ({
  name: /# (\S+)/.exec(m[1] ?? '')?.[1] ?? '',
  workflow: parse(m[1] ?? '') as Workflow
}))
const byName = (name: string): Workflow => {
  const found = workflows.find((w) => w.name.endsWith(name))?.workflow
  if (!found) throw new Error(`README has no ${name}`)
  return found
}
const MINIMUM = { contents: 'write', 'pull-requests': 'write', issues: 'write', checks: 'write' }

describe('README workflows', () => {
  it('the pull request workflow: minimum permissions, one group per PR, nothing cancelled mid-run', () => {
    const workflow = byName('testmaster.yml')
    expect(Object.keys(workflow.on)).toEqual(['pull_request'])
    expect(workflow.permissions).toEqual(MINIMUM)
    expect(workflow.concurrency).toEqual({
      group: 'testmaster-${{ github.event.pull_request.number }}',
      'cancel-in-progress': false
    })
  })

  it('the command workflow joins the same group at job level, so only commands queue there', () => {
    const workflow = byName('testmaster-commands.yml')
    expect(Object.keys(workflow.on)).toEqual(['issue_comment'])
    expect(workflow.permissions).toEqual(MINIMUM)
    expect(workflow.concurrency).toBeUndefined()
    expect(workflow.jobs?.testmaster?.concurrency).toEqual({
      group: 'testmaster-${{ github.event.issue.number }}',
      'cancel-in-progress': false
    })
  })

  it('the dispatch workflow uses the same group from its pr-number input', () => {
    expect(byName('testmaster-dispatch.yml').concurrency).toEqual({
      group: 'testmaster-${{ inputs.pr-number }}',
      'cancel-in-progress': false
    })
  })
})
