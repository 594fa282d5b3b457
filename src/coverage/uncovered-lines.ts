import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { LineRange } from '../analysis/module-model.js'
import { findFileCoverage, lineHits } from './coverage-map.js'

/** Coverable lines of `file` with their hits, empty when the map does not hold the file. */
function hitsOf(data: CoverageMapData, file: string): Map<number, number> {
  const coverage = findFileCoverage(data, file)
  return coverage ? lineHits(coverage) : new Map<number, number>()
}

/** Lines with at least one executed statement. */
export function coveredLines(data: CoverageMapData, file: string): Set<number> {
  return new Set([...hitsOf(data, file)].filter(([, hits]) => hits > 0).map(([line]) => line))
}

/** Coverable lines that no test executes yet, as ranges (for prompts and the explorer). */
export function uncoveredLines(data: CoverageMapData, file: string): LineRange[] {
  const lines = [...hitsOf(data, file)]
    .filter(([, hits]) => hits === 0)
    .map(([line]) => line)
    .sort((a, b) => a - b)
  const ranges: LineRange[] = []
  for (const line of lines) {
    const last = ranges[ranges.length - 1]
    if (last && line === last.end + 1) ranges[ranges.length - 1] = { start: last.start, end: line }
    else ranges.push({ start: line, end: line })
  }
  return ranges
}
