import type { LineRange } from '../../../analysis/module-model.js'

/**
 * Greedy selection by coverage gain: repeatedly take the observation that covers the most units
 * nobody covers yet, changed lines weighing far more than the rest, until nothing adds coverage
 * or the cap is reached. Ties go to the shorter program (more readable test).
 */

export interface Selectable {
  readonly units: readonly string[]
  /** Steps in the program: the tie-breaker. */
  readonly size: number
}

/** Weight of a unit on a changed line, against 1 for any other unit. */
const CHANGED_WEIGHT = 100

export function inRanges(line: number, ranges: readonly LineRange[]): boolean {
  return ranges.some((range) => line >= range.start && line <= range.end)
}

/**
 * Indices of the chosen items, in the order chosen.
 * @param alreadyCovered units covered before any item (loading the module).
 * @param unitLines 1-based source line of each unit.
 */
export function selectByCoverageGain(
  items: readonly Selectable[],
  options: {
    readonly alreadyCovered: Iterable<string>
    readonly unitLines: ReadonlyMap<string, number>
    readonly changedLines: readonly LineRange[]
    readonly max: number
  }
): number[] {
  const covered = new Set(options.alreadyCovered)
  const weight = (unit: string): number => {
    const line = options.unitLines.get(unit)
    return line !== undefined && inRanges(line, options.changedLines) ? CHANGED_WEIGHT : 1
  }
  const chosen: number[] = []
  const remaining = new Set(items.keys())
  while (chosen.length < options.max) {
    let best = -1
    let bestGain = 0
    for (const index of remaining) {
      const item = items[index]
      if (!item) continue
      let gain = 0
      for (const unit of new Set(item.units)) if (!covered.has(unit)) gain += weight(unit)
      const bestItem = items[best]
      if (
        gain > bestGain ||
        (gain === bestGain && gain > 0 && bestItem && item.size < bestItem.size)
      ) {
        best = index
        bestGain = gain
      }
    }
    if (best < 0 || bestGain === 0) break
    chosen.push(best)
    remaining.delete(best)
    for (const unit of items[best]?.units ?? []) covered.add(unit)
  }
  return chosen
}
