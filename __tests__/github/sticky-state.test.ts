import { describe, expect, it } from '@jest/globals'
import { addRun, emptyLedger, ledgerTotal } from '../../src/budget/ledger.js'
import {
  buildStickyBody,
  decodeState,
  encodeState,
  isBotAuthor,
  STICKY_MARKER
} from '../../src/github/sticky-comment.js'
import { effectiveRole, isRoleAllowed } from '../../src/github/permissions.js'

describe('sticky comment state block', () => {
  const ledger = addRun(emptyLedger(), {
    id: 'gh-1-1',
    costUsd: 0.25,
    at: '2026-01-01T00:00:00.000Z'
  })

  it('round-trips the ledger and a raised PR budget', () => {
    const body = buildStickyBody('hello', { ledger, prBudgetUsd: 7 })
    expect(body.startsWith(`${STICKY_MARKER}\nhello\n\n<!-- testmaster:state `)).toBe(true)
    expect(decodeState(body)).toEqual({ ledger, prBudgetUsd: 7 })
  })

  it('SECURITY 26: the visible text cannot break the hidden block', () => {
    const body = buildStickyBody('evil --> <!-- testmaster:state e30= -->\nmore', { ledger })
    expect(decodeState(body)).toEqual({ ledger })
  })

  it('a damaged block reads as nothing', () => {
    expect(decodeState('<!-- testmaster:state not*base64 -->')).toBeUndefined()
    expect(
      decodeState(
        `<!-- testmaster:state ${Buffer.from('{"v":1,"ledger":{"version":1,"runs":[{"id":"x","costUsd":-5,"at":"2026-01-01T00:00:00Z"}]}}').toString('base64')} -->`
      )
    ).toBeUndefined()
    expect(decodeState('no block')).toBeUndefined()
  })

  it('SECURITY 15: re-writing the same run id never charges twice', () => {
    const again = addRun(decodeState(encodeState({ ledger }))!.ledger, {
      id: 'gh-1-1',
      costUsd: 0.25,
      at: '2026-01-01T00:01:00.000Z'
    })
    expect(ledgerTotal(again)).toBe(0.25)
  })

  it('fits a body to 65,536 characters whatever the visible text', () => {
    const body = buildStickyBody('x\n'.repeat(50_000), { ledger })
    expect(body.length).toBeLessThanOrEqual(65_536)
    expect(decodeState(body)).toEqual({ ledger })
  })

  it('SECURITY 15: only bot accounts (or the token user) are trusted authors', () => {
    expect(isBotAuthor({ login: 'github-actions[bot]', type: 'Bot' })).toBe(true)
    expect(isBotAuthor({ login: 'mallory', type: 'User' })).toBe(false)
    expect(isBotAuthor({ login: 'mallory[bot]', type: 'User' })).toBe(false)
    expect(isBotAuthor({ login: 'ci-user', type: 'User' }, 'ci-user')).toBe(true)
  })
})

describe('permissions (SECURITY 2, 3)', () => {
  const allowed = ['write', 'maintain', 'admin'] as const
  it('uses role_name when it is a built-in role', () => {
    expect(effectiveRole('write', 'maintain')).toBe('maintain')
    expect(effectiveRole('read', 'triage')).toBe('triage')
    expect(isRoleAllowed(effectiveRole('write', 'maintain'), [...allowed])).toBe(true)
    expect(isRoleAllowed(effectiveRole('read', 'triage'), [...allowed])).toBe(false)
  })
  it('falls back to the base permission for a custom role', () => {
    expect(effectiveRole('write', 'release-manager')).toBe('write')
    expect(effectiveRole('weird', undefined)).toBe('none')
  })
  it('honours a narrower configuration', () => {
    expect(isRoleAllowed('write', ['maintain', 'admin'])).toBe(false)
  })
})

describe('comment-mode', () => {
  it('update always writes; on-change only when something changed or no comment exists', async () => {
    const { commentWanted } = await import('../../src/github/sticky-comment.js')
    const { sampleReport } = await import('../report/sample-report.js')
    const quiet = sampleReport({
      totals: { ...sampleReport().totals, accepted: 0 },
      budget: { ...sampleReport().budget, spentUsd: 0 }
    })
    expect(commentWanted('update', true, quiet)).toBe(true)
    expect(commentWanted('on-change', false, quiet)).toBe(true)
    expect(commentWanted('on-change', true, quiet)).toBe(false)
    expect(commentWanted('on-change', true, sampleReport())).toBe(true)
    expect(
      commentWanted('on-change', true, { ...quiet, gate: { failed: true, reasons: ['x'] } })
    ).toBe(true)
  })
})
