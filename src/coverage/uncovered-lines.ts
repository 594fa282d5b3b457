import libCoverage, { type CoverageMapData, type FileCoverage } from 'istanbul-lib-coverage'
import type { LineRange } from '../analysis/module-model.js'

/** Finds a file's coverage by path, tolerating /tmp symlinks and realpath differences. */
export function fileCoverageOf(data: CoverageMapData, file: string): FileCoverage | undefined {
  const map = libCoverage.createCoverageMap(data)
  if (map.files().includes(file)) return map.fileCoverageFor(file)
  const tailOf = (p: string): string => p.replace(/^\/private/, '').replace(/\\/g, '/')
  const match = map.files().find((f) => tailOf(f) === tailOf(file) || tailOf(f).endsWith(tailOf(file)) || tailOf(file).endsWith(tailOf(f)))
  return match ? map.fileCoverageFor(match) : undefined
}

/** Lines with at least one executed statement. */
export function coveredLines(data: CoverageMapData, file: string): Set<number> {
  const coverage = fileCoverageOf(data, file)
  const lines = new Set<number>()
  if (!coverage) return lines
  for (const [line, hits] of Object.entries(coverage.getLineCoverage())) {
    if (hits > 0) lines.add(Number(line))
  }
  return lines
}

/** Coverable lines that no test executes yet, as ranges (for prompts and the explorer). */
export function uncoveredLines(data: CoverageMapData, file: string): LineRange[] {
  const coverage = fileCoverageOf(data, file)
  if (!coverage) return []
  const lines = coverage.getUncoveredLines().map(Number).sort((a, b) => a - b)
  const ranges: LineRange[] = []
  for (const line of lines) {
    const last = ranges[ranges.length - 1]
    if (last && line === last.end + 1) ranges[ranges.length - 1] = { start: last.start, end: line }
    else ranges.push({ start: line, end: line })
  }
  return ranges
}
