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
