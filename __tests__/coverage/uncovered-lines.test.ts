import { describe, expect, it } from '@jest/globals'
import type { CoverageMapData } from 'istanbul-lib-coverage'
import { coveredLines, uncoveredLines } from '../../src/coverage/uncovered-lines.js'

const at = (line: number) => ({ start: { line, column: 0 }, end: { line, column: 10 } })

const data: CoverageMapData = {
  '/repo/src/a.ts': {
    path: '/repo/src/a.ts',
    statementMap: { 0: at(1), 1: at(2), 2: at(3), 3: at(5), 4: at(5) },
    s: { 0: 1, 1: 0, 2: 0, 3: 0, 4: 2 },
    fnMap: {},
    f: {},
    branchMap: {},
    b: {}
  }
}

describe('covered and uncovered lines', () => {
  it('counts a line covered when any statement starting on it ran', () => {
    expect([...coveredLines(data, '/repo/src/a.ts')].sort()).toEqual([1, 5])
  })

  it('gives the uncovered lines as ranges', () => {
    expect(uncoveredLines(data, '/repo/src/a.ts')).toEqual([{ start: 2, end: 3 }])
  })

  it('is empty for a file the map does not hold', () => {
    expect(uncoveredLines(data, '/repo/src/b.ts')).toEqual([])
    expect(coveredLines(data, '/repo/src/b.ts').size).toBe(0)
  })
})
