import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { LineRange } from '../analysis/module-model.js'
import type { PatchCoverage } from '../report/report-schema.js'
import { branchArms, findFileCoverage, inRanges, lineHits, ratio } from './coverage-map.js'

/**
 * Coverage of the lines a PR changed in one module: covered changed lines over coverable changed
 * lines (a line is coverable when a statement starts on it), and likewise for branches: every arm
 * of every branch that decides on a changed line counts once. Changed lines with no statement
 * (comments, blank lines, type declarations) are in neither total.
 */
export function patchCoverage(
  data: CoverageMapData,
  file: string,
  changedLines: readonly LineRange[]
): PatchCoverage {
  const fileCoverage = findFileCoverage(data, file)
  if (!fileCoverage) return { lines: ratio(0, 0), branches: ratio(0, 0) }
  const lines = [...lineHits(fileCoverage)].filter(([line]) => inRanges(line, changedLines))
  const arms = branchArms(fileCoverage).filter((arm) => inRanges(arm.line, changedLines))
  return {
    lines: ratio(lines.filter(([, hits]) => hits > 0).length, lines.length),
    branches: ratio(arms.filter((arm) => arm.hits > 0).length, arms.length)
  }
}

/**
 * The changed lines no test covers, as ranges for annotations: a range runs from one uncovered
 * changed line to the next as long as no other coverable line lies between them, so a block's
 * closing braces and comments do not split it, while a covered or unchanged line does.
 */
export function uncoveredChangedLines(
  data: CoverageMapData,
  file: string,
  changedLines: readonly LineRange[]
): LineRange[] {
  const fileCoverage = findFileCoverage(data, file)
  if (!fileCoverage) return []
  const coverable = [...lineHits(fileCoverage)].sort(([a], [b]) => a - b)
  const ranges: { start: number; end: number }[] = []
  let open: { start: number; end: number } | undefined
  for (const [line, hits] of coverable) {
    if (hits > 0 || !inRanges(line, changedLines)) {
      open = undefined
      continue
    }
    if (open) open.end = line
    else ranges.push((open = { start: line, end: line }))
  }
  return ranges
}
