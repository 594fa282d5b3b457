import { describe, expect, it } from '@jest/globals'
import {
  intersects,
  mergeRanges,
  parsePatchSections,
  parseRawDiff,
  toChangedFiles
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
--- /dev/null
+++ "b/new\\tfile.ts"
@@ -0,0 +1,3 @@
+1
+2
+3
`

describe('parseRawDiff', () => {
  it('reads statuses, similarity and verbatim paths from -z output', () => {
    expect(parseRawDiff(raw)).toEqual([
      { status: 'modified', path: 'b.bin' },
      { status: 'modified', path: 'x y.ts' },
      { status: 'renamed', path: 'é ñ.ts', previousPath: 'ü.ts', similarity: 100 },
      { status: 'deleted', path: 'gone.ts' },
      { status: 'added', path: 'new\tfile.ts' }
    ])
  })

  it('returns nothing for an empty diff', () => {
    expect(parseRawDiff('')).toEqual([])
  })
})

describe('parsePatchSections', () => {
  it('finds head-side ranges and binaries per section, ignoring deletion-only hunks', () => {
    expect(parsePatchSections(patch)).toEqual([
      { binary: true, lines: [] },
      {
        binary: false,
        lines: [
          { start: 2, end: 3 },
          { start: 19, end: 19 }
        ]
      },
      { binary: false, lines: [] },
      { binary: false, lines: [] },
      { binary: false, lines: [{ start: 1, end: 3 }] }
    ])
  })
})

describe('toChangedFiles', () => {
  it('joins entries and sections by position', () => {
    const files = toChangedFiles(parseRawDiff(raw), parsePatchSections(patch))
    expect(files.map((f) => [f.path, f.status, f.binary, f.lines.length])).toEqual([
      ['b.bin', 'modified', true, 0],
      ['x y.ts', 'modified', false, 2],
      ['é ñ.ts', 'renamed', false, 0],
      ['gone.ts', 'deleted', false, 0],
      ['new\tfile.ts', 'added', false, 1]
    ])
  })

  it('refuses mismatched listings instead of attributing lines to the wrong file', () => {
    expect(() => toChangedFiles(parseRawDiff(raw), [])).toThrow(/5 files but its patch has 0/)
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
