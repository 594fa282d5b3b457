import { describe, expect, it } from '@jest/globals'
import {
  decideLineDiff,
  intersects,
  mergeRanges,
  needsHeadSize,
  parsePatchSections,
  parseRawDiff,
  parseRawNumstat,
  PatchByteCap,
  PatchSectionParser,
  toChangedFiles,
  type DiffEntry,
  type LineDiffDecision
} from '../../src/git/changed-lines.js'

const raw = [
  ':100644 100644 87ae6b6 62e423c M',
  'b.bin',
  ':100644 100644 422c2b7 6372083 M',
  'x y.ts',
  ':100644 100644 45b983b 45b983b R100',
  'ü.ts',
  'é ñ.ts',
  ':100644 000000 1111111 0000000 D',
  'gone.ts',
  ':000000 100644 0000000 2222222 A',
  'new\tfile.ts',
  ''
].join('\0')

const patch = `diff --git a/b.bin b/b.bin
index 87ae6b6..62e423c 100644
Binary files a/b.bin and b/b.bin differ
diff --git a/x y.ts b/x y.ts
index 422c2b7..6372083 100644
--- a/x y.ts\t
+++ b/x y.ts\t
@@ -2 +2,2 @@ a
-b
+c
+d
@@ -10,3 +11,0 @@ removed only
-diff --git a/fake b/fake
-x
-y
@@ -20 +19 @@
-old
+new
diff --git a/ü.ts b/é ñ.ts
similarity index 100%
rename from ü.ts
rename to é ñ.ts
diff --git a/gone.ts b/gone.ts
deleted file mode 100644
index 1111111..0000000
--- a/gone.ts
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git "a/new\\tfile.ts" "b/new\\tfile.ts"
new file mode 100644
index 0000000..2222222
--- /dev/null
+++ "b/new\\tfile.ts"
@@ -0,0 +1,3 @@
+1
+2
+3
`

const numstat = [
  '-\t-\tb.bin',
  '2\t4\tx y.ts',
  '0\t0\t',
  'ü.ts',
  'é ñ.ts',
  '0\t2\tgone.ts',
  '3\t0\tnew\tfile.ts',
  ''
].join('\0')

describe('parseRawDiff', () => {
  it('reads statuses, similarity, blobs and verbatim paths from -z output', () => {
    expect(parseRawDiff(raw)).toEqual([
      { status: 'modified', path: 'b.bin', baseBlob: '87ae6b6', headBlob: '62e423c' },
      { status: 'modified', path: 'x y.ts', baseBlob: '422c2b7', headBlob: '6372083' },
      {
        status: 'renamed',
        path: 'é ñ.ts',
        previousPath: 'ü.ts',
        similarity: 100,
        baseBlob: '45b983b',
        headBlob: '45b983b'
      },
      { status: 'deleted', path: 'gone.ts', baseBlob: '1111111', headBlob: '0000000' },
      { status: 'added', path: 'new\tfile.ts', baseBlob: '0000000', headBlob: '2222222' }
    ])
  })

  it('returns nothing for an empty diff', () => {
    expect(parseRawDiff('')).toEqual([])
  })
})

describe('parseRawNumstat', () => {
  it('pairs each raw entry with its line counts, binaries as binary', () => {
    const entries = parseRawNumstat(raw + numstat)
    expect(entries.map((e) => [e.path, e.stat])).toEqual([
      ['b.bin', 'binary'],
      ['x y.ts', { added: 2, deleted: 4 }],
      ['é ñ.ts', { added: 0, deleted: 0 }],
      ['gone.ts', { added: 0, deleted: 2 }],
      ['new\tfile.ts', { added: 3, deleted: 0 }]
    ])
    expect(entries[2]).toMatchObject({ previousPath: 'ü.ts', similarity: 100 })
  })

  it('refuses listings that disagree', () => {
    expect(() => parseRawNumstat(raw + '1\t1\tb.bin\0')).toThrow(/listed 5 files but --numstat 1/)
    expect(() => parseRawNumstat(raw + numstat.replace('x y.ts', 'x z.ts'))).toThrow(
      /listed 'x z.ts' where --raw listed 'x y.ts'/
    )
  })

  it('returns nothing for an empty diff', () => {
    expect(parseRawNumstat('')).toEqual([])
  })
})

const sectionsOfFixture = [
  { binary: true, lines: [], blobs: { base: '87ae6b6', head: '62e423c' } },
  {
    binary: false,
    lines: [
      { start: 2, end: 3 },
      { start: 19, end: 19 }
    ],
    blobs: { base: '422c2b7', head: '6372083' }
  },
  { binary: false, lines: [] },
  { binary: false, lines: [], blobs: { base: '1111111', head: '0000000' } },
  { binary: false, lines: [{ start: 1, end: 3 }], blobs: { base: '0000000', head: '2222222' } }
]

describe('parsePatchSections', () => {
  it('finds head-side ranges, binaries and blob ids per section, ignoring deletion-only hunks', () => {
    expect(parsePatchSections(patch)).toEqual(sectionsOfFixture)
  })
})

describe('PatchSectionParser', () => {
  it('reads the same sections from a stream split anywhere, even inside a multi-byte character', () => {
    const bytes = Buffer.from(patch, 'utf8')
    for (const size of [1, 2, 7, 64, bytes.length]) {
      const parser = new PatchSectionParser()
      for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size))
      expect(parser.end()).toEqual(sectionsOfFixture)
    }
  })

  it('skips hunk lines without keeping them, however long', () => {
    const parser = new PatchSectionParser()
    parser.write(Buffer.from('diff --git a/m.js b/m.js\nindex aaa..bbb 100644\n@@ -1 +1 @@\n-'))
    for (let i = 0; i < 100; i++) parser.write(Buffer.alloc(10_000, 0x78))
    parser.write(Buffer.from('\n+y\n'))
    expect(parser.end()).toEqual([
      { binary: false, lines: [{ start: 1, end: 1 }], blobs: { base: 'aaa', head: 'bbb' } }
    ])
  })
})

describe('PatchByteCap', () => {
  const bytes = Buffer.from(patch, 'utf8')
  // The cap falls just inside the second section: only the first one is complete.
  const second = bytes.indexOf('diff --git a/x y.ts')
  const maxBytes = bytes.indexOf('\n', second) + 5

  it('parses up to the cap when a single chunk crosses it (the whole patch at once)', () => {
    const parser = new PatchSectionParser()
    const cap = new PatchByteCap(maxBytes)
    expect(cap.write(parser, bytes)).toBe(false)
    // The open last section is cut short: the caller drops it.
    expect(parser.sections.slice(0, -1)).toEqual(sectionsOfFixture.slice(0, 1))
  })

  it('gives the same sections whatever the chunking, and stops reading at the cap', () => {
    for (const size of [1, 7, 64, second, bytes.length]) {
      const parser = new PatchSectionParser()
      const cap = new PatchByteCap(maxBytes)
      let read = 0
      for (let i = 0; i < bytes.length; i += size) {
        read += 1
        if (!cap.write(parser, bytes.subarray(i, i + size))) break
      }
      expect(parser.sections.slice(0, -1)).toEqual(sectionsOfFixture.slice(0, 1))
      expect(read).toBe(Math.ceil((maxBytes + 1) / size))
    }
  })

  it('counts the cap across streams: a second batch gets only what is left', () => {
    const cap = new PatchByteCap(bytes.length + 10)
    expect(cap.write(new PatchSectionParser(), bytes)).toBe(true)
    const parser = new PatchSectionParser()
    expect(cap.write(parser, bytes)).toBe(false)
    expect(parser.sections).toEqual([])
  })
})

const caps = { maxFileLines: 100, maxFileBytes: 1000 }
const entry = (stat: DiffEntry['stat'], extra: Partial<DiffEntry> = {}): DiffEntry => ({
  status: 'modified',
  path: 'a.ts',
  baseBlob: 'b1',
  headBlob: 'h1',
  stat,
  ...extra
})

describe('decideLineDiff', () => {
  it('diffs files within the caps that add lines', () => {
    expect(decideLineDiff(entry({ added: 50, deleted: 50 }), 1000, caps)).toEqual({ kind: 'diff' })
    expect(needsHeadSize(entry({ added: 1, deleted: 0 }), caps)).toBe(true)
  })

  it('leaves out files over the changed-lines cap, counting added and deleted lines', () => {
    expect(decideLineDiff(entry({ added: 60, deleted: 41 }), undefined, caps)).toEqual({
      kind: 'oversized',
      oversized: { cap: 'file-lines', changedLines: 101, limit: 100 }
    })
    expect(needsHeadSize(entry({ added: 60, deleted: 41 }), caps)).toBe(false)
  })

  it('leaves out files over the size cap on the head side', () => {
    expect(decideLineDiff(entry({ added: 1, deleted: 1 }), 1001, caps)).toEqual({
      kind: 'oversized',
      oversized: { cap: 'file-bytes', bytes: 1001, limit: 1000 }
    })
  })

  it('has nothing to diff for deletions, binaries and files that add no line', () => {
    const none: LineDiffDecision = { kind: 'none' }
    expect(decideLineDiff(entry({ added: 0, deleted: 9 }, { status: 'deleted' }), 0, caps)).toEqual(
      none
    )
    expect(decideLineDiff(entry('binary'), 10_000_000, caps)).toEqual(none)
    expect(decideLineDiff(entry({ added: 0, deleted: 3 }), 10_000_000, caps)).toEqual(none)
    expect(needsHeadSize(entry('binary'), caps)).toBe(false)
  })
})

describe('toChangedFiles', () => {
  const entries = parseRawNumstat(raw + numstat)
  const decisions = entries.map((e) => decideLineDiff(e, 10, caps))

  it('joins entries and sections by blob ids, in listing order', () => {
    const reversed = [...parsePatchSections(patch)].reverse()
    const files = toChangedFiles(entries, decisions, { sections: reversed })
    expect(files.map((f) => [f.path, f.status, f.binary, f.lines])).toEqual([
      ['b.bin', 'modified', true, []],
      [
        'x y.ts',
        'modified',
        false,
        [
          { start: 2, end: 3 },
          { start: 19, end: 19 }
        ]
      ],
      ['é ñ.ts', 'renamed', false, []],
      ['gone.ts', 'deleted', false, []],
      ['new\tfile.ts', 'added', false, [{ start: 1, end: 3 }]]
    ])
  })

  it('keeps oversized files with their reason and no lines', () => {
    const oversized: LineDiffDecision = {
      kind: 'oversized',
      oversized: { cap: 'file-lines', changedLines: 6, limit: 5 }
    }
    const files = toChangedFiles(
      entries,
      decisions.map((d, i) => (i === 1 ? oversized : d)),
      { sections: parsePatchSections(patch) }
    )
    expect(files[1]).toEqual({
      path: 'x y.ts',
      status: 'modified',
      binary: false,
      lines: [],
      oversized: oversized.oversized
    })
  })

  it('marks files the patch did not reach as over the total cap when it was cut', () => {
    const files = toChangedFiles(entries, decisions, { sections: [], truncatedAt: 20 })
    expect(files.map((f) => f.oversized)).toEqual([
      undefined,
      { cap: 'patch-bytes', limit: 20 },
      undefined,
      undefined,
      { cap: 'patch-bytes', limit: 20 }
    ])
  })

  it('refuses a patch without a file it should hold instead of guessing its lines', () => {
    expect(() => toChangedFiles(entries, decisions, { sections: [] })).toThrow(
      /no section for 'x y.ts' \(422c2b7..6372083\)/
    )
  })
})

describe('ranges', () => {
  it('merges touching and overlapping ranges', () => {
    expect(
      mergeRanges([
        { start: 10, end: 12 },
        { start: 1, end: 2 },
        { start: 3, end: 3 },
        { start: 11, end: 15 },
        { start: 20, end: 20 }
      ])
    ).toEqual([
      { start: 1, end: 3 },
      { start: 10, end: 15 },
      { start: 20, end: 20 }
    ])
  })

  it('detects intersection at the edges only when lines overlap', () => {
    const lines = [{ start: 5, end: 6 }]
    expect(intersects({ start: 1, end: 5 }, lines)).toBe(true)
    expect(intersects({ start: 6, end: 9 }, lines)).toBe(true)
    expect(intersects({ start: 1, end: 4 }, lines)).toBe(false)
    expect(intersects({ start: 7, end: 9 }, lines)).toBe(false)
  })
})
