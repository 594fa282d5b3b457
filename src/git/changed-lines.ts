/**
 * Parsers for `git diff` output: the `--raw --numstat -z` listing (status, paths, similarity,
 * blobs, line counts) and the `-U0` patch (changed line ranges on the head side), plus the caps
 * that decide which files are diffed line by line. Pure functions over strings and buffers, so
 * they are unit tested without git.
 */
import type {
  ChangedFile,
  FileChangeStatus,
  LineRange,
  OversizedChange
} from '../analysis/module-model.js'

/** One entry of `git diff --raw -z`. */
export interface RawDiffEntry {
  readonly status: FileChangeStatus | 'unmerged' | 'unknown'
  readonly path: string
  readonly previousPath?: string
  readonly similarity?: number
  /** Blob ids on the base and head sides (all zeros where the side has none); full with --no-abbrev. */
  readonly baseBlob?: string
  readonly headBlob?: string
}

/** Lines added and deleted (`--numstat`), or 'binary' when git shows `-` for both. */
export type DiffStat = { readonly added: number; readonly deleted: number } | 'binary'

/** One entry of `git diff --raw --numstat -z`: the raw entry with its line counts. */
export interface DiffEntry extends RawDiffEntry {
  readonly stat: DiffStat
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
  return readRawEntries(output.split('\0'), 0).entries
}

/**
 * Parses `git diff --raw --numstat -z`: the raw entries, then one numstat record per entry in the
 * same order (`<added>\t<deleted>\t<path>\0`, or `<added>\t<deleted>\t\0<from>\0<to>\0` for a
 * rename or copy; `-` counts for a binary file). Throws when the two listings disagree.
 */
export function parseRawNumstat(output: string): DiffEntry[] {
  const fields = output.split('\0')
  const { entries, next } = readRawEntries(fields, 0)
  const stats: { stat: DiffStat; path: string }[] = []
  let i = next
  while (i < fields.length) {
    const field = fields[i] ?? ''
    if (field === '') {
      i++
      continue
    }
    const match = /^(-|\d+)\t(-|\d+)\t([\s\S]*)$/.exec(field)
    if (!match) throw new Error(`unexpected git diff --numstat field: '${field}'`)
    const stat: DiffStat =
      match[1] === '-' || match[2] === '-'
        ? 'binary'
        : { added: Number(match[1]), deleted: Number(match[2]) }
    if (match[3] === '') {
      // A rename or copy: the preimage and postimage paths follow as fields of their own.
      stats.push({ stat, path: fields[i + 2] ?? '' })
      i += 3
    } else {
      stats.push({ stat, path: match[3] ?? '' })
      i += 1
    }
  }
  if (stats.length !== entries.length) {
    throw new Error(`git diff --raw listed ${entries.length} files but --numstat ${stats.length}`)
  }
  return entries.map((entry, index) => {
    const numstat = stats[index]
    if (numstat?.path !== entry.path) {
      throw new Error(
        `git diff --numstat listed '${numstat?.path ?? ''}' where --raw listed '${entry.path}'`
      )
    }
    return { ...entry, stat: numstat.stat }
  })
}

function readRawEntries(
  fields: readonly string[],
  from: number
): { entries: RawDiffEntry[]; next: number } {
  const entries: RawDiffEntry[] = []
  let i = from
  while (i < fields.length) {
    const header = fields[i]
    if (header === undefined || header === '') {
      i++
      continue
    }
    if (!header.startsWith(':')) {
      // The first record of another listing (--numstat) ends the raw one.
      if (/^(?:-|\d+)\t/.test(header)) break
      throw new Error(`unexpected git diff --raw field: '${header}'`)
    }
    const parts = header.split(' ')
    const statusField = parts.at(-1) ?? ''
    const letter = statusField.charAt(0)
    const status = STATUS_LETTERS[letter] ?? 'unknown'
    const score = statusField.length > 1 ? Number(statusField.slice(1)) : undefined
    const blobs = parts.length >= 5 ? { baseBlob: parts[2], headBlob: parts[3] } : {}
    if (letter === 'R' || letter === 'C') {
      const previous = fields[i + 1] ?? ''
      const to = fields[i + 2] ?? ''
      entries.push({ status, path: to, previousPath: previous, similarity: score, ...blobs })
      i += 3
    } else {
      entries.push({ status, path: fields[i + 1] ?? '', ...blobs })
      i += 2
    }
  }
  return { entries, next: i }
}

/** Per-file caps above which a file is listed but not diffed line by line. */
export interface FileCaps {
  /** Most changed lines (added + deleted) of one file. */
  readonly maxFileLines: number
  /** Most bytes of one file on the head side. */
  readonly maxFileBytes: number
}

/**
 * What to do with one entry: `diff` it line by line, nothing to diff (`none`: deleted, binary,
 * unmerged, or no line added on the head side), or leave it out as `oversized`.
 */
export type LineDiffDecision =
  | { readonly kind: 'diff' }
  | { readonly kind: 'none' }
  | { readonly kind: 'oversized'; readonly oversized: OversizedChange }

/** Whether the head-side size of `entry` is needed to decide (it would be diffed otherwise). */
export function needsHeadSize(entry: DiffEntry, caps: FileCaps): boolean {
  return decideLineDiff(entry, undefined, caps).kind === 'diff'
}

/**
 * Decides how `entry` is diffed, from its line counts and (when known) its head-side size. Files
 * over a cap stay in the listing with the reason; their patch is never read, which is what keeps
 * a generated 200,000-line file or a 26 MB JSON fixture from costing seconds and gigabytes.
 */
export function decideLineDiff(
  entry: DiffEntry,
  headBytes: number | undefined,
  caps: FileCaps
): LineDiffDecision {
  if (entry.status === 'unmerged' || entry.status === 'unknown' || entry.status === 'deleted') {
    return { kind: 'none' }
  }
  if (entry.stat === 'binary') return { kind: 'none' }
  const changedLines = entry.stat.added + entry.stat.deleted
  if (changedLines > caps.maxFileLines) {
    return {
      kind: 'oversized',
      oversized: { cap: 'file-lines', changedLines, limit: caps.maxFileLines }
    }
  }
  if (entry.stat.added === 0) return { kind: 'none' }
  if (headBytes !== undefined && headBytes > caps.maxFileBytes) {
    return {
      kind: 'oversized',
      oversized: { cap: 'file-bytes', bytes: headBytes, limit: caps.maxFileBytes }
    }
  }
  return { kind: 'diff' }
}

/** What one file's section of a `-U0` patch says. */
export interface PatchSection {
  readonly binary: boolean
  readonly lines: LineRange[]
  /** The `index <base>..<head>` blob ids of the section header, when git wrote one. */
  readonly blobs?: { readonly base: string; readonly head: string }
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/
const INDEX = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: \d+)?$/

/**
 * Reads a `git diff -U0` patch line by line, as it streams, keeping only the per-file sections
 * (binary flag, head-side ranges, blob ids): never the patch text. A hunk line never starts with
 * `diff --git` or `index ` because it carries a ` `, `+`, `-` or `\\` prefix, so those lines are
 * skipped without being decoded.
 */
export class PatchSectionParser {
  /** Sections in the order git wrote them; the last one is still open until end(). */
  readonly sections: PatchSection[] = []
  private current:
    { binary: boolean; lines: LineRange[]; blobs?: PatchSection['blobs'] } | undefined
  private rest: Buffer | undefined
  private readonly decoder = new TextDecoder()

  /** Feeds a chunk of the patch (lines may span chunks). */
  write(chunk: Buffer): void {
    let data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk
    this.rest = undefined
    let start = 0
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      this.lineBytes(data, start, nl)
      start = nl + 1
    }
    if (start < data.length) {
      data = data.subarray(start)
      // Keep only what is needed to classify an unfinished line: a content line is skipped whole.
      this.rest = isContentByte(data[0]) ? data.subarray(0, 1) : Buffer.from(data)
    }
  }

  /** Ends the patch: a last line without a newline is read too. */
  end(): PatchSection[] {
    if (this.rest) this.lineBytes(this.rest, 0, this.rest.length)
    this.rest = undefined
    return this.sections
  }

  /** Reads one line of text. */
  line(line: string): void {
    if (line.startsWith('diff --git ') || line.startsWith('diff --cc ')) {
      this.current = { binary: false, lines: [] }
      this.sections.push(this.current)
      return
    }
    const current = this.current
    if (!current) return
    if (line.startsWith('@@')) {
      const match = HUNK.exec(line)
      if (!match) return
      const start = Number(match[1])
      const count = match[2] === undefined ? 1 : Number(match[2])
      // count 0 is a pure deletion: no head-side line changed.
      if (count > 0) current.lines.push({ start, end: start + count - 1 })
    } else if (line.startsWith('index ')) {
      const match = INDEX.exec(line)
      if (match?.[1] && match[2]) current.blobs = { base: match[1], head: match[2] }
    } else if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      current.binary = true
    } else if (line === 'GIT binary patch') {
      current.binary = true
    }
  }

  private lineBytes(data: Buffer, start: number, end: number): void {
    if (start >= end || isContentByte(data[start])) return
    this.line(this.decoder.decode(data.subarray(start, end)))
  }
}

/** ` `, `+`, `-` and `\\` start the lines of a hunk, which the parser never needs to read. */
function isContentByte(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x2b || byte === 0x2d || byte === 0x5c
}

/**
 * A byte cap on the patch read across git's output streams: each chunk is written to the parser up
 * to the cap, even when one chunk crosses it (a pipe may deliver a whole patch at once, and the
 * complete sections in it still count).
 */
export class PatchByteCap {
  private total = 0

  constructor(readonly maxBytes: number) {}

  /** Writes what fits of `chunk`; false once the cap is reached (stop reading). */
  write(parser: PatchSectionParser, chunk: Buffer): boolean {
    const room = this.maxBytes - this.total
    this.total += chunk.length
    if (chunk.length > room) {
      if (room > 0) parser.write(chunk.subarray(0, room))
      return false
    }
    parser.write(chunk)
    return true
  }
}

/**
 * Splits a `git diff -U0` patch into per-file sections, in the order git wrote them (see
 * PatchSectionParser).
 */
export function parsePatchSections(patch: string): PatchSection[] {
  const parser = new PatchSectionParser()
  for (const line of patch.split('\n')) parser.line(line)
  return parser.sections
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

/** The line-by-line patch of the files decided `diff`. */
export interface LinePatch {
  /** Complete sections, in any order and from any number of batches. */
  readonly sections: readonly PatchSection[]
  /** Set when reading stopped at this total-bytes cap: files with no section are oversized. */
  readonly truncatedAt?: number
}

/**
 * Joins the listing, the decisions and the patch into ChangedFiles, in listing order. Sections are
 * matched to entries by their `index <base>..<head>` blob ids, not by position or by the (quoted,
 * ambiguous) paths of the header, so batching the patch cannot attribute lines to the wrong file.
 * Unmerged and unknown entries are dropped (they do not occur between two commits).
 */
export function toChangedFiles(
  entries: readonly DiffEntry[],
  decisions: readonly LineDiffDecision[],
  patch: LinePatch
): ChangedFile[] {
  const byBlobs = new Map<string, PatchSection>()
  for (const section of patch.sections) {
    if (section.blobs) byBlobs.set(`${section.blobs.base}..${section.blobs.head}`, section)
  }
  const files: ChangedFile[] = []
  entries.forEach((entry, index) => {
    if (entry.status === 'unmerged' || entry.status === 'unknown') return
    const decision = decisions[index] ?? { kind: 'none' }
    const common = {
      path: entry.path,
      ...(entry.previousPath !== undefined ? { previousPath: entry.previousPath } : {}),
      status: entry.status,
      ...(entry.similarity !== undefined ? { similarity: entry.similarity } : {})
    }
    if (decision.kind === 'oversized') {
      files.push({ ...common, binary: false, lines: [], oversized: decision.oversized })
      return
    }
    if (decision.kind === 'none') {
      files.push({ ...common, binary: entry.stat === 'binary', lines: [] })
      return
    }
    const head = entry.headBlob ?? ''
    const section =
      byBlobs.get(`${entry.baseBlob ?? ''}..${head}`) ??
      // A type change (file to symlink) is written as a deletion and a creation.
      byBlobs.get(`${'0'.repeat(head.length)}..${head}`)
    if (!section) {
      if (patch.truncatedAt !== undefined) {
        const oversized: OversizedChange = { cap: 'patch-bytes', limit: patch.truncatedAt }
        files.push({ ...common, binary: false, lines: [], oversized })
        return
      }
      throw new Error(
        `git diff -U0 has no section for '${entry.path}' (${entry.baseBlob ?? '?'}..${head})`
      )
    }
    files.push({
      ...common,
      binary: section.binary,
      lines: section.binary ? [] : mergeRanges(section.lines)
    })
  })
  return files
}
