import libCoverage from 'istanbul-lib-coverage'
import type { CoverageMapData, FileCoverageData } from 'istanbul-lib-coverage'
import type { LineRange } from '../analysis/module-model.js'
import { canonicalPath } from '../runner/target-files.js'
import { branchArms, findFileCoverage, inRanges, lineHits } from './coverage-map.js'

export interface CoverageGain {
  /** Lines the candidate covers that the union does not. */
  readonly addedLines: number
  /** Branch arms the candidate covers that the union does not (each arm counted). */
  readonly addedBranches: number
  /** Of `addedLines`, those the PR changed. */
  readonly addedChangedLines: number
  /** True when the candidate covers anything new. */
  readonly adds: boolean
}

/**
 * What a candidate adds to `union` (existing tests plus accepted candidates) for one module.
 * Lines and arms are matched by position, so maps from different instrumenters compare fairly.
 */
export function coverageGain(
  union: CoverageMapData,
  candidate: CoverageMapData,
  file: string,
  changedLines: readonly LineRange[]
): CoverageGain {
  const mine = findFileCoverage(candidate, file)
  if (!mine) return { addedLines: 0, addedBranches: 0, addedChangedLines: 0, adds: false }
  const theirs = findFileCoverage(union, file)
  const coveredLines = theirs ? lineHits(theirs) : new Map<number, number>()
  const coveredArms = new Set(
    theirs ? branchArms(theirs).filter((arm) => arm.hits > 0).map((arm) => arm.key) : []
  )
  const added = [...lineHits(mine)]
    .filter(([line, hits]) => hits > 0 && (coveredLines.get(line) ?? 0) === 0)
    .map(([line]) => line)
  const addedBranches = branchArms(mine).filter((arm) => arm.hits > 0 && !coveredArms.has(arm.key)).length
  return {
    addedLines: added.length,
    addedBranches,
    addedChangedLines: added.filter((line) => inRanges(line, changedLines)).length,
    adds: added.length > 0 || addedBranches > 0
  }
}

function isEmpty(fileCoverage: FileCoverageData): boolean {
  return (
    Object.values(fileCoverage.s).every((hits) => hits === 0) &&
    Object.values(fileCoverage.f).every((hits) => hits === 0) &&
    Object.values(fileCoverage.b).every((arms) => arms.every((hits) => hits === 0))
  )
}

/**
 * The union of two coverage maps (hits added; statements, functions and branches matched by
 * position). Entries for the same file under different spellings (symlinks) are merged under the
 * first map's key. A file that one side covers not at all (an empty baseline) takes the other
 * side's structure, so an instrumenter's layout never inflates the framework's totals.
 */
export function mergeCoverage(a: CoverageMapData, b: CoverageMapData): CoverageMapData {
  const keyOf = new Map(Object.keys(a).map((key) => [canonicalPath(key), key]))
  const result: CoverageMapData = {}
  for (const [key, fileCoverage] of Object.entries(a)) result[key] = fileCoverage
  for (const [key, fileCoverage] of Object.entries(b)) {
    const target = keyOf.get(canonicalPath(key)) ?? key
    const existing = result[target]
    if (!existing || isEmpty(existing)) {
      result[target] = { ...fileCoverage, path: existing?.path ?? fileCoverage.path }
    } else if (!isEmpty(fileCoverage)) {
      const merged = libCoverage.createFileCoverage(structuredClone(existing))
      merged.merge(libCoverage.createFileCoverage({ ...structuredClone(fileCoverage), path: existing.path }))
      result[target] = merged.toJSON() as FileCoverageData
    }
  }
  return result
}
