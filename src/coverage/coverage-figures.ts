import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { CoverageFigures } from '../report/report-schema.js'
import { branchArms, findFileCoverage, functionHits, lineHits, ratio } from './coverage-map.js'

/**
 * Line, branch (each arm counted) and function coverage of one module. A module missing from the
 * map has nothing known to cover: all totals are zero.
 */
export function coverageFigures(data: CoverageMapData, file: string): CoverageFigures {
  const fileCoverage = findFileCoverage(data, file)
  if (!fileCoverage) return { lines: ratio(0, 0), branches: ratio(0, 0), functions: ratio(0, 0) }
  const lines = [...lineHits(fileCoverage).values()]
  const arms = branchArms(fileCoverage)
  const functions = [...functionHits(fileCoverage).values()]
  return {
    lines: ratio(lines.filter((hits) => hits > 0).length, lines.length),
    branches: ratio(arms.filter((arm) => arm.hits > 0).length, arms.length),
    functions: ratio(functions.filter((hits) => hits > 0).length, functions.length)
  }
}
