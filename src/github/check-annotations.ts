import type { Report } from '../report/report-schema.js'

/**
 * Check-run annotations on the changed lines still uncovered after the run, from the report
 * alone. GitHub takes at most 50 annotations per request; like Codecov we post the first 50 (in
 * the report's module order, then by line) and say how many more there are, rather than spread
 * them over update requests nobody scrolls through.
 */

/** GitHub's limit of annotations in one check-run request. */
export const MAX_ANNOTATIONS = 50

/** One annotation as the checks API takes it (`output.annotations[]`). */
export interface CheckAnnotation {
  /** Repo-relative, forward slashes. */
  readonly path: string
  readonly start_line: number
  readonly end_line: number
  readonly annotation_level: 'warning'
  readonly title: string
  readonly message: string
}

export interface UncoveredAnnotations {
  readonly annotations: readonly CheckAnnotation[]
  /** Ranges found in all, annotated or not. */
  readonly ranges: number
  /** Files they are in. */
  readonly files: number
  /** Ranges left out by the cap. */
  readonly omitted: number
}

export const ANNOTATION_TITLE = 'Changed lines not covered'

/** `Changed lines 12-15 are not covered by tests (after TestMaster)`. */
export function uncoveredMessage(start: number, end: number): string {
  return start === end
    ? `Changed line ${start} is not covered by tests (after TestMaster)`
    : `Changed lines ${start}-${end} are not covered by tests (after TestMaster)`
}

/** The annotations for `report`, capped at `cap`; none for a dry run, which runs no test. */
export function uncoveredAnnotations(
  report: Report,
  cap: number = MAX_ANNOTATIONS
): UncoveredAnnotations {
  if (report.settings.dryRun === true) return { annotations: [], ranges: 0, files: 0, omitted: 0 }
  const all: CheckAnnotation[] = []
  const files = new Set<string>()
  for (const module of report.modules) {
    const ranges = [...(module.uncoveredChangedLines ?? [])].sort((a, b) => a.start - b.start)
    if (ranges.length > 0) files.add(module.path)
    for (const range of ranges) {
      all.push({
        path: module.path,
        start_line: range.start,
        end_line: range.end,
        annotation_level: 'warning',
        title: ANNOTATION_TITLE,
        message: uncoveredMessage(range.start, range.end)
      })
    }
  }
  const annotations = all.slice(0, Math.max(0, cap))
  return {
    annotations,
    ranges: all.length,
    files: files.size,
    omitted: all.length - annotations.length
  }
}

/** The check summary's paragraph about them, or undefined when every changed line is covered. */
export function annotationsNote(found: UncoveredAnnotations): string | undefined {
  if (found.ranges === 0) return undefined
  const where = `${found.ranges} range(s) of changed lines in ${found.files} file(s) are still not covered by tests after the run`
  return found.omitted > 0
    ? `${where}: the first ${found.annotations.length} are annotated on the diff, and ${found.omitted} more not annotated (GitHub takes ${MAX_ANNOTATIONS} per check run).`
    : `${where}; each is annotated on the diff.`
}
