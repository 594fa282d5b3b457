/**
 * Parsers for `git diff` output: the `--raw -z` listing (status, paths, similarity) and the `-U0`
 * patch (changed line ranges on the head side). Pure functions over strings, so they are unit
 * tested without git.
 */
import type { ChangedFile, FileChangeStatus, LineRange } from '../analysis/module-model.js'

/** One entry of `git diff --raw -z`. */
export interface RawDiffEntry {
  readonly status: FileChangeStatus | 'unmerged' | 'unknown'
  readonly path: string
  readonly previousPath?: string
  readonly similarity?: number
}

const STATUS_LETTERS: Record<string, RawDiffEntry['status']> = {
  A: 'added',
  M: 'modified',
  R: 'renamed',
  D: 'deleted',
  C: 'copied',
  T: 'type-changed',
  U: 'unmerged',
  X: 'unknown'
}

/**
 * Parses `git diff --raw -z`: each entry is `:<modes> <shas> <status>\0<path>\0` with a second path
 * for renames and copies. With -z git does not quote paths, so spaces, tabs and non-ASCII names
 * arrive verbatim.
 */
export function parseRawDiff(output: string): RawDiffEntry[] {
  const fields = output.split('\0')
  const entries: RawDiffEntry[] = []
  let i = 0
  while (i < fields.length) {
    const header = fields[i]
    if (header === undefined || header === '') {
      i++
      continue
    }
    if (!header.startsWith(':')) throw new Error(`unexpected git diff --raw field: '${header}'`)
    const statusField = header.split(' ').at(-1) ?? ''
    const letter = statusField.charAt(0)
    const status = STATUS_LETTERS[letter] ?? 'unknown'
    const score = statusField.length > 1 ? Number(statusField.slice(1)) : undefined
    if (letter === 'R' || letter === 'C') {
      const from = fields[i + 1] ?? ''
      const to = fields[i + 2] ?? ''
      entries.push({ status, path: to, previousPath: from, similarity: score })
      i += 3
    } else {
      entries.push({ status, path: fields[i + 1] ?? '' })
      i += 2
    }
  }
  return entries
}

/** What one file's section of a `-U0` patch says. */
export interface PatchSection {
  readonly binary: boolean
  readonly lines: LineRange[]
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/

/**
 * Splits a `git diff -U0` patch into per-file sections, in the order git wrote them. Git writes one
 * `diff --git` header per file pair of the diff queue, in the same order as `--raw` lists them, so
 * sections are matched to raw entries by position instead of by re-parsing (quoted, ambiguous)
 * paths from the header. A hunk line never starts with `diff --git` because it carries a
 * ` `, `+` or `-` prefix.
 */
export function parsePatchSections(patch: string): PatchSection[] {
  const sections: PatchSection[] = []
  let current: { binary: boolean; lines: LineRange[] } | undefined
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ') || line.startsWith('diff --cc ')) {
      current = { binary: false, lines: [] }
      sections.push(current)
      continue
    }
    if (!current) continue
    if (line.startsWith('@@')) {
      const match = HUNK.exec(line)
      if (!match) continue
      const start = Number(match[1])
      const count = match[2] === undefined ? 1 : Number(match[2])
      // count 0 is a pure deletion: no head-side line changed.
      if (count > 0) current.lines.push({ start, end: start + count - 1 })
    } else if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      current.binary = true
    } else if (line === 'GIT binary patch') {
      current.binary = true
    }
  }
  return sections
}

/** Merges touching or overlapping ranges into a sorted, minimal list. */
export function mergeRanges(ranges: readonly LineRange[]): LineRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start)
  const merged: LineRange[] = []
  for (const range of sorted) {
    const last = merged.at(-1)
    if (last && range.start <= last.end + 1) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) }
    } else {
      merged.push({ ...range })
    }
  }
  return merged
}

/** True when any line of `lines` falls inside `range`. */
export function intersects(range: LineRange, lines: readonly LineRange[]): boolean {
  return lines.some((line) => line.start <= range.end && line.end >= range.start)
}

/**
 * Joins the raw listing and the patch into ChangedFiles. Unmerged and unknown entries are dropped
 * (they do not occur between two commits).
 */
export function toChangedFiles(
  raw: readonly RawDiffEntry[],
  sections: readonly PatchSection[]
): ChangedFile[] {
  if (raw.length !== sections.length) {
    throw new Error(
      `git diff listed ${raw.length} files but its patch has ${sections.length} sections`
    )
  }
  const files: ChangedFile[] = []
  raw.forEach((entry, index) => {
    if (entry.status === 'unmerged' || entry.status === 'unknown') return
    const section = sections[index] ?? { binary: false, lines: [] }
    const lines = entry.status === 'deleted' || section.binary ? [] : mergeRanges(section.lines)
    files.push({
      path: entry.path,
      ...(entry.previousPath !== undefined ? { previousPath: entry.previousPath } : {}),
      status: entry.status,
      ...(entry.similarity !== undefined ? { similarity: entry.similarity } : {}),
      binary: section.binary,
      lines
    })
  })
  return files
}
