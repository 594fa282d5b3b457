import { describe, expect, it } from '@jest/globals'
import { effectiveDeliveryMode } from '../../src/action/deliver.js'
import { SettingsSchema } from '../../src/config/schema.js'
import type { PullRequestInfo } from '../../src/github/trigger-event.js'

const pr = (isFork: boolean): PullRequestInfo => ({
  number: 1,
  draft: false,
  headSha: 'b'.repeat(40),
  headRef: 'feature',
  baseSha: 'a'.repeat(40),
  baseRef: 'main',
  isFork,
  maintainerCanModify: true,
  labels: []
})

describe('effectiveDeliveryMode', () => {
  it('SECURITY 29: a fork PR never gets a push or side PR, even with maintainer_can_modify', () => {
    for (const delivery of ['commit', 'pull-request'] as const) {
      const mode = effectiveDeliveryMode(SettingsSchema.parse({ delivery }), pr(true))
      expect(mode.mode).toBe('comment')
      expect(mode.note).toContain('comes from a fork')
    }
    expect(effectiveDeliveryMode(SettingsSchema.parse({ delivery: 'none' }), pr(true)).mode).toBe(
      'none'
    )
  })

  it('same-repository PRs keep the configured mode; dry runs deliver nothing', () => {
    expect(effectiveDeliveryMode(SettingsSchema.parse({}), pr(false))).toEqual({ mode: 'commit' })
    expect(
      effectiveDeliveryMode(SettingsSchema.parse({ delivery: 'pull-request' }), pr(false))
    ).toEqual({ mode: 'pull-request' })
    expect(effectiveDeliveryMode(SettingsSchema.parse({ dryRun: true }), pr(false))).toEqual({
      mode: 'none'
    })
  })
})
