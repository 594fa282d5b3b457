import type { CoverageMapData, FileCoverageData, Range } from 'istanbul-lib-coverage'
import type { LineRange } from '../analysis/module-model.js'
import type { Ratio } from '../report/report-schema.js'
import { canonicalPath } from '../runner/target-files.js'

/**
 * Reading istanbul coverage maps the way every figure of ours needs them: by line and by branch
 * arm, keyed by source position rather than by statement or branch id, so maps of the same file
 * made by different instrumenters (the repository's framework, our own for an empty baseline)
 * still line up. Paths are matched after resolving symlinks.
 */

/** The coverage of `file` in `data`: exact key, else the same file reached through symlinks. */
export function findFileCoverage(data: CoverageMapData, file: string): FileCoverageData | undefined {
  const exact = data[file]
  if (exact) return exact
  const wanted = canonicalPath(file)
  for (const [key, fileCoverage] of Object.entries(data)) {
    if (canonicalPath(key) === wanted || canonicalPath(fileCoverage.path) === wanted) return fileCoverage
  }
  return undefined
}

/** Hits per coverable line: a line is coverable when a statement starts on it; hits are the most any of them got. */
export function lineHits(fileCoverage: FileCoverageData): Map<number, number> {
  const lines = new Map<number, number>()
  for (const [id, location] of Object.entries(fileCoverage.statementMap)) {
    const line = location.start.line
    const hits = fileCoverage.s[id] ?? 0
    lines.set(line, Math.max(lines.get(line) ?? 0, hits))
  }
  return lines
}

export interface BranchArm {
  /** Position key of the arm: its branch's location plus the arm index. */
  readonly key: string
  /** The line where the branch decides (the `if`, the `?`, the `&&` expression). */
  readonly line: number
  readonly hits: number
}

function positionKey(range: Range): string {
  return `${range.start.line}:${range.start.column}-${range.end.line}:${range.end.column}`
}

/** Every arm of every branch, each counted on its own. */
export function branchArms(fileCoverage: FileCoverageData): BranchArm[] {
  const arms: BranchArm[] = []
  for (const [id, branch] of Object.entries(fileCoverage.branchMap)) {
    const counts = fileCoverage.b[id] ?? []
    const loc = branch.loc ?? branch.locations[0]
    if (!loc) continue
    const line = loc.start.line
    counts.forEach((hits, arm) => arms.push({ key: `${branch.type}@${positionKey(loc)}#${arm}`, line, hits }))
  }
  return arms
}

/** Hits per function, keyed by the function's declaration position. */
export function functionHits(fileCoverage: FileCoverageData): Map<string, number> {
  const functions = new Map<string, number>()
  for (const [id, fn] of Object.entries(fileCoverage.fnMap)) {
    const key = positionKey(fn.decl ?? fn.loc)
    functions.set(key, Math.max(functions.get(key) ?? 0, fileCoverage.f[id] ?? 0))
  }
  return functions
}

/** True when `line` falls in one of the ranges (1-based, inclusive). */
export function inRanges(line: number, ranges: readonly LineRange[]): boolean {
  return ranges.some((range) => line >= range.start && line <= range.end)
}

/** A ratio as the report holds it: pct rounded to two decimals, 100 when there is nothing to cover. */
export function ratio(covered: number, total: number): Ratio {
  return { covered, total, pct: total === 0 ? 100 : Math.round((covered / total) * 10_000) / 100 }
}
