import { describe, expect, it } from '@jest/globals'
import { addRun, emptyLedger, ledgerTotal, parseLedger } from '../../src/budget/ledger.js'

const at = '2026-11-21T10:00:00.000Z'

describe('ledger', () => {
  it('adds runs and totals them', () => {
    const ledger = addRun(addRun(emptyLedger(), { id: '1', costUsd: 0.25, at }), {
      id: '2',
      costUsd: 0.5,
      at
    })
    expect(ledgerTotal(ledger)).toBeCloseTo(0.75, 12)
    expect(ledgerTotal(ledger, '2')).toBeCloseTo(0.25, 12)
  })

  it('never charges the same run id twice', () => {
    let ledger = addRun(emptyLedger(), { id: '7', costUsd: 0.3, at })
    ledger = addRun(ledger, { id: '7', costUsd: 0.3, at })
    ledger = addRun(ledger, { id: '7', costUsd: 0.1, at })
    expect(ledger.runs).toHaveLength(1)
    expect(ledgerTotal(ledger)).toBeCloseTo(0.3, 12)
    ledger = addRun(ledger, { id: '7', costUsd: 0.4, at })
    expect(ledgerTotal(ledger)).toBeCloseTo(0.4, 12)
  })

  it('does not mutate its input', () => {
    const ledger = emptyLedger()
    addRun(ledger, { id: '1', costUsd: 1, at })
    expect(ledger.runs).toHaveLength(0)
  })

  it('parses what it wrote and refuses damaged input without throwing', () => {
    const ledger = addRun(emptyLedger(), { id: 'r', costUsd: 0.2, at })
    expect(parseLedger(JSON.parse(JSON.stringify(ledger)))).toEqual(ledger)
    expect(parseLedger({ version: 1, runs: [{ id: 'r', costUsd: -1, at }] })).toBeUndefined()
    expect(parseLedger('nonsense')).toBeUndefined()
    expect(
      parseLedger({
        version: 1,
        runs: [
          { id: 'a', costUsd: 1, at },
          { id: 'a', costUsd: 2, at }
        ]
      })?.runs
    ).toEqual([{ id: 'a', costUsd: 2, at }])
  })
})
