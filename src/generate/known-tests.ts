import { removeTestsWhere, testCases, type TestCase } from './test-blocks.js'

/**
 * Tests already in the module's test files are never added again. On a re-run the earlier file
 * comes back as a candidate and the strategies propose again for the whole module, so most of
 * what they propose is already there: only what is new is a contribution, and only that counts.
 */

export interface TestSource {
  readonly path: string
  readonly code: string
}

export interface FreshTests {
  /** The candidate without the tests already known (and without the imports they alone used). */
  readonly code: string
  /** The tests left out. */
  readonly known: readonly TestCase[]
  /** Tests left in the candidate. */
  readonly remaining: number
}

/**
 * The candidate without the tests whose body (normalised: formatting, comments and quotes set
 * aside) is already in one of `files`, or earlier in the candidate itself, whatever their names.
 */
export function withoutKnownTests(
  code: string,
  fileName: string,
  files: readonly TestSource[]
): FreshTests {
  const bodies = new Set(
    files.flatMap((file) => testCases(file.code, file.path)).map((t) => t.body)
  )
  const result = removeTestsWhere(code, fileName, (test) => {
    if (bodies.has(test.body)) return true
    bodies.add(test.body)
    return false
  })
  return { code: result.code, known: result.removed, remaining: result.remaining }
}

export interface TestChanges {
  /** Tests in `after` that `before` does not hold with the same name and body: new or changed. */
  readonly added: number
  /** Tests of `before` that `after` no longer holds with the same name and body. */
  readonly removed: number
}

/** What a delivery changes in the tests of the files it rewrites, counted test by test. */
export function testChanges(
  before: readonly TestSource[],
  after: readonly TestSource[]
): TestChanges {
  const keys = (files: readonly TestSource[]): string[] =>
    files.flatMap((file) => testCases(file.code, file.path)).map((t) => `${t.name}\0${t.body}`)
  const remaining = new Map<string, number>()
  for (const key of keys(before)) remaining.set(key, (remaining.get(key) ?? 0) + 1)
  let added = 0
  for (const key of keys(after)) {
    const left = remaining.get(key) ?? 0
    if (left > 0) remaining.set(key, left - 1)
    else added++
  }
  const removed = [...remaining.values()].reduce((n, left) => n + left, 0)
  return { added, removed }
}
