import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CoverageMapData, FileCoverageData } from 'istanbul-lib-coverage'
import { coverageFigures } from '../../src/coverage/coverage-figures.js'
import { coverageGain, mergeCoverage } from '../../src/coverage/coverage-gain.js'
import { patchCoverage, uncoveredChangedLines } from '../../src/coverage/patch-coverage.js'
import { emptyFileCoverage } from '../../src/coverage/empty-coverage.js'

/*
 * The hand-checked example. Source of /repo/src/grade.ts:
 *
 *   1  export function grade(score: number): string {
 *   2    if (score < 0) {
 *   3      throw new Error('negative')
 *   4    }
 *   5    const pass = score >= 50 && score <= 100
 *   6    // a comment
 *   7    return pass ? 'pass' : 'fail'
 *   8  }
 *   9  export const unused = () => 0
 *
 * Existing tests call grade(70) and grade(80). Coverable lines (a statement starts there):
 * 2, 3, 5, 7, 9. Branches: the `if` on line 2 (arms then/else), the `&&` on line 5 (two arms),
 * the `?:` on line 7 (two arms).
 */
const FILE = '/repo/src/grade.ts'

const pos = (line: number, column: number) => ({ line, column })
const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: pos(l1, c1), end: pos(l2, c2) })

function grade(hits: {
  s: [number, number, number, number, number, number]
  f: [number, number]
  b: [[number, number], [number, number], [number, number]]
}): FileCoverageData {
  return {
    path: FILE,
    statementMap: {
      '0': range(2, 2, 4, 3),
      '1': range(3, 4, 3, 31),
      '2': range(5, 2, 5, 43),
      '3': range(7, 2, 7, 31),
      '4': range(9, 7, 9, 29),
      '5': range(9, 28, 9, 29)
    },
    fnMap: {
      '0': { name: 'grade', decl: range(1, 16, 1, 21), loc: range(1, 45, 8, 1), line: 1 },
      '1': { name: 'unused', decl: range(9, 22, 9, 23), loc: range(9, 22, 9, 29), line: 9 }
    },
    branchMap: {
      '0': { type: 'if', loc: range(2, 2, 4, 3), locations: [range(2, 2, 4, 3), range(2, 2, 4, 3)], line: 2 },
      '1': {
        type: 'binary-expr',
        loc: range(5, 15, 5, 43),
        locations: [range(5, 15, 5, 26), range(5, 30, 5, 43)],
        line: 5
      },
      '2': {
        type: 'cond-expr',
        loc: range(7, 9, 7, 31),
        locations: [range(7, 16, 7, 22), range(7, 25, 7, 31)],
        line: 7
      }
    },
    s: Object.fromEntries(hits.s.map((h, i) => [String(i), h])),
    f: Object.fromEntries(hits.f.map((h, i) => [String(i), h])),
    b: Object.fromEntries(hits.b.map((h, i) => [String(i), h]))
  }
}

/** grade(70), grade(80). */
const existing: CoverageMapData = {
  [FILE]: grade({ s: [2, 0, 2, 2, 1, 0], f: [2, 0], b: [[0, 2], [2, 2], [2, 0]] })
}
/** A candidate calling grade(-1). */
const negativeCandidate: CoverageMapData = {
  [FILE]: grade({ s: [1, 1, 0, 0, 1, 0], f: [1, 0], b: [[1, 0], [0, 0], [0, 0]] })
}
/** A candidate calling grade(90): nothing the existing tests miss. */
const repeatCandidate: CoverageMapData = {
  [FILE]: grade({ s: [1, 0, 1, 1, 1, 0], f: [1, 0], b: [[0, 1], [1, 1], [1, 0]] })
}

/** The PR changed lines 2-3 and 6-9. */
const CHANGED = [
  { start: 2, end: 3 },
  { start: 6, end: 9 }
]

describe('patchCoverage (hand-checked example)', () => {
  it('counts covered changed lines over coverable changed lines, and each arm of changed branches', () => {
    // Changed coverable lines: 2 (hit), 3 (not), 7 (hit), 9 (hit); 6 and 8 have no statement.
    // Changed branches: the if on line 2 (1 of 2 arms), the ?: on line 7 (1 of 2 arms).
    expect(patchCoverage(existing, FILE, CHANGED)).toEqual({
      lines: { covered: 3, total: 4, pct: 75 },
      branches: { covered: 2, total: 4, pct: 50 }
    })
  })

  it('is 100% of nothing when the changed lines hold no statement', () => {
    expect(patchCoverage(existing, FILE, [{ start: 6, end: 6 }])).toEqual({
      lines: { covered: 0, total: 0, pct: 100 },
      branches: { covered: 0, total: 0, pct: 100 }
    })
  })

  it('rises to full line coverage once the negative case is merged in', () => {
    const union = mergeCoverage(existing, negativeCandidate)
    expect(patchCoverage(union, FILE, CHANGED)).toEqual({
      lines: { covered: 4, total: 4, pct: 100 },
      branches: { covered: 3, total: 4, pct: 75 }
    })
  })
})

describe('uncoveredChangedLines (hand-checked example)', () => {
  it('lists the changed coverable lines no test executes', () => {
    // Line 3 (the throw) is the only changed coverable line grade(70) and grade(80) miss.
    expect(uncoveredChangedLines(existing, FILE, CHANGED)).toEqual([{ start: 3, end: 3 }])
  })

  it('joins uncovered lines across lines with no statement, and splits at unchanged or covered ones', () => {
    const none: CoverageMapData = {
      [FILE]: grade({ s: [0, 0, 0, 0, 0, 0], f: [0, 0], b: [[0, 0], [0, 0], [0, 0]] })
    }
    // 2-3 uncovered; 5 is coverable but unchanged (a split); 7 and 9 join across line 8 (a brace).
    expect(uncoveredChangedLines(none, FILE, CHANGED)).toEqual([
      { start: 2, end: 3 },
      { start: 7, end: 9 }
    ])
    const middleRun: CoverageMapData = {
      [FILE]: grade({ s: [0, 0, 1, 0, 0, 0], f: [1, 0], b: [[0, 0], [0, 0], [0, 0]] })
    }
    // Everything changed: line 5 ran, so it splits 2-3 from 7-9.
    expect(uncoveredChangedLines(middleRun, FILE, [{ start: 1, end: 9 }])).toEqual([
      { start: 2, end: 3 },
      { start: 7, end: 9 }
    ])
  })

  it('is empty once every changed line is covered, and for a module missing from the map', () => {
    expect(uncoveredChangedLines(mergeCoverage(existing, negativeCandidate), FILE, CHANGED)).toEqual([])
    expect(uncoveredChangedLines(existing, '/repo/src/other.ts', CHANGED)).toEqual([])
  })
})

describe('coverageFigures', () => {
  it('gives line, branch-arm and function figures of the module', () => {
    expect(coverageFigures(existing, FILE)).toEqual({
      lines: { covered: 4, total: 5, pct: 80 },
      branches: { covered: 4, total: 6, pct: 66.67 },
      functions: { covered: 1, total: 2, pct: 50 }
    })
  })

  it('is zero of zero for a module missing from the map', () => {
    expect(coverageFigures(existing, '/repo/src/other.ts').lines).toEqual({ covered: 0, total: 0, pct: 100 })
  })
})

describe('coverageGain', () => {
  it('counts the lines and arms a candidate adds beyond the union', () => {
    expect(coverageGain(existing, negativeCandidate, FILE, CHANGED)).toEqual({
      addedLines: 1,
      addedBranches: 1,
      addedChangedLines: 1,
      adds: true
    })
  })

  it('says a candidate that covers nothing new adds nothing', () => {
    expect(coverageGain(existing, repeatCandidate, FILE, CHANGED)).toEqual({
      addedLines: 0,
      addedBranches: 0,
      addedChangedLines: 0,
      adds: false
    })
  })

  it('measures against an empty union as everything the candidate covers', () => {
    const gain = coverageGain({}, existing, FILE, CHANGED)
    expect(gain).toEqual({ addedLines: 4, addedBranches: 4, addedChangedLines: 3, adds: true })
  })
})

describe('mergeCoverage', () => {
  it('adds hits of the same file and keeps other files', () => {
    const other = { '/repo/src/x.ts': { ...existing[FILE]!, path: '/repo/src/x.ts' } }
    const merged = mergeCoverage(mergeCoverage(existing, negativeCandidate), other)
    expect(Object.keys(merged).sort()).toEqual(['/repo/src/grade.ts', '/repo/src/x.ts'])
    expect(Object.values(merged[FILE]!.b)).toEqual([
      [1, 2],
      [2, 2],
      [2, 0]
    ])
    expect(coverageFigures(merged, FILE).lines).toEqual({ covered: 5, total: 5, pct: 100 })
  })

  it('matches one file reached through a symlink and through its real path', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tm-cov-')))
    try {
      writeFileSync(join(dir, 'grade.ts'), '')
      symlinkSync(dir, join(dir, 'link'))
      const real = join(dir, 'grade.ts')
      const viaLink = join(dir, 'link', 'grade.ts')
      const a = { [real]: { ...existing[FILE]!, path: real } }
      const b = { [viaLink]: { ...negativeCandidate[FILE]!, path: viaLink } }
      const merged = mergeCoverage(a, b)
      expect(Object.keys(merged)).toEqual([real])
      expect(coverageFigures(merged, viaLink).lines.covered).toBe(5)
      expect(patchCoverage(b, real, CHANGED).lines.covered).toBe(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('takes the framework layout over an all-zero instrumented baseline', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tm-cov-')))
    try {
      const file = join(dir, 'grade.ts')
      writeFileSync(
        file,
        [
          'export function grade(score: number): string {',
          '  if (score < 0) {',
          "    throw new Error('negative')",
          '  }',
          '  const pass = score >= 50 && score <= 100',
          '  // a comment',
          "  return pass ? 'pass' : 'fail'",
          '}',
          'export const unused = () => 0',
          ''
        ].join('\n')
      )
      const empty = await emptyFileCoverage(file)
      expect(empty).toBeDefined()
      const baseline = { [file]: empty! }
      // The instrumenter finds the same coverable lines and arms as the example, all at zero.
      expect(coverageFigures(baseline, file)).toEqual({
        lines: { covered: 0, total: 5, pct: 0 },
        branches: { covered: 0, total: 6, pct: 0 },
        functions: { covered: 0, total: 2, pct: 0 }
      })
      const framework = { [file]: { ...existing[FILE]!, path: file } }
      expect(mergeCoverage(baseline, framework)[file]).toEqual(framework[file])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
