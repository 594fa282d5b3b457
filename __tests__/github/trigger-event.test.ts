/* eslint-disable @typescript-eslint/no-explicit-any -- webhook payloads are edited as plain JSON */
import { describe, expect, it } from '@jest/globals'
import { createRequire } from 'node:module'
import { parseTriggerEvent } from '../../src/github/trigger-event.js'

const require = createRequire(import.meta.url)
const catalog: {
  name: string
  examples: Record<string, any>[]
}[] = require('@octokit/webhooks-examples/api.github.com/index.json')
const examples = (name: string) => catalog.find((e) => e.name === name)?.examples ?? []

describe('parseTriggerEvent on real webhook payloads (@octokit/webhooks-examples)', () => {
  it('parses every pull_request example', () => {
    const all = examples('pull_request')
    expect(all.length).toBeGreaterThan(10)
    for (const payload of all) {
      const event = parseTriggerEvent('pull_request', payload)
      expect(event.kind).toBe('pull_request')
      if (event.kind !== 'pull_request') continue
      expect(event.action).toBe(payload.action)
      expect(event.pullRequest.number).toBe(payload.pull_request.number)
      expect(event.pullRequest.headSha).toBe(payload.pull_request.head.sha)
      expect(event.pullRequest.baseSha).toBe(payload.pull_request.base.sha)
      expect(event.repo).toEqual({
        owner: payload.repository.owner.login,
        repo: payload.repository.name
      })
    }
  })

  it('parses the same payloads as pull_request_target', () => {
    for (const payload of examples('pull_request'))
      expect(parseTriggerEvent('pull_request_target', payload).kind).toBe('pull_request_target')
  })

  it('tells fork PRs from same-repository PRs', () => {
    const [payload] = examples('pull_request').filter((p) => p.action === 'opened')
    const same = structuredClone(payload!)
    same.pull_request.head.repo = structuredClone(same.pull_request.base.repo)
    const fork = structuredClone(payload!)
    fork.pull_request.head.repo = {
      ...structuredClone(fork.pull_request.base.repo),
      full_name: 'stranger/fork',
      owner: { login: 'stranger' }
    }
    const gone = structuredClone(payload!)
    gone.pull_request.head.repo = null
    const info = (p: any) => {
      const event = parseTriggerEvent('pull_request', p)
      if (event.kind !== 'pull_request') throw new Error('kind')
      return event.pullRequest
    }
    expect(info(same).isFork).toBe(false)
    expect(info(fork).isFork).toBe(true)
    expect(info(gone).isFork).toBe(true)
  })

  it('parses every issue_comment example, keeping action, author and whether it is a PR', () => {
    const all = examples('issue_comment')
    expect(all.map((p) => p.action)).toEqual(
      expect.arrayContaining(['created', 'edited', 'deleted'])
    )
    for (const payload of all) {
      const event = parseTriggerEvent('issue_comment', payload)
      expect(event.kind).toBe('issue_comment')
      if (event.kind !== 'issue_comment') continue
      expect(event.action).toBe(payload.action)
      expect(event.commentId).toBe(payload.comment.id)
      expect(event.author.login).toBe(payload.comment.user.login)
      expect(event.isPullRequest).toBe(Boolean(payload.issue.pull_request))
    }
  })

  it('parses the workflow_dispatch examples and reads pr-number and sha inputs', () => {
    for (const payload of examples('workflow_dispatch')) {
      expect(parseTriggerEvent('workflow_dispatch', payload).kind).toBe('workflow_dispatch')
      const withInputs = { ...payload, inputs: { 'pr-number': '12', sha: 'abc1234' } }
      expect(parseTriggerEvent('workflow_dispatch', withInputs)).toMatchObject({
        kind: 'workflow_dispatch',
        prNumber: 12,
        sha: 'abc1234'
      })
    }
    const [payload] = examples('workflow_dispatch')
    expect(() =>
      parseTriggerEvent('workflow_dispatch', { ...payload, inputs: { 'pr-number': 'twelve' } })
    ).toThrow(/must be a pull request number, got \\"twelve\\"/)
  })

  it('calls other events unsupported, even with a real payload', () => {
    const [push] = examples('push')
    expect(parseTriggerEvent('push', push)).toEqual({ kind: 'unsupported', name: 'push' })
  })

  it('rejects a pull_request payload without the pull request', () => {
    expect(() => parseTriggerEvent('pull_request', { action: 'opened', repository: {} })).toThrow()
  })
})
