import { basename } from 'node:path'
import type { TestRunner } from '../runner/test-runner.js'
import { fileVerdict, type FailedTest } from './failing-tests.js'
import { mergeClash } from './merge-clash.js'
import { countTestBlocks, removeTests } from './test-blocks.js'
import { mergeTestFiles } from './merge-tests.js'
import { candidatePath, removeFile, writeTestFile } from './test-files.js'

/**
 * From accepted candidates to the files we deliver, losing no test that passes:
 *
 * 1. merge: candidates join one file one at a time, each merge re-run; a candidate that clashes
 *    with a file (an import binding it means differently, a module mocked differently, a failing
 *    merged run) tries the next file, or gets its own (`x.testmaster-2.test.ts`);
 * 2. final check: the files run through the repository's own command (its jest or vitest, its
 *    config, its Node flags). Failing tests are cut out of their candidate and the rest re-run; a
 *    merged file that does not load is split back into its candidates; a candidate that fails
 *    alone is dropped with the real error. Nothing that fails there is delivered.
 */

export interface AcceptedTest {
  readonly id: string
  readonly code: string
  /**
   * The file it must stay in: tests delivered on an earlier run keep their file, since delivery
   * can rewrite a file on the branch but not delete it (a copy elsewhere would run twice).
   */
  readonly path?: string
}

export interface DroppedTest {
  readonly name: string
  readonly error: string
}

export interface CandidateFate {
  /** Absolute path of the file its tests went into; unset when none of them is delivered. */
  readonly file?: string
  /** The tests it delivers. */
  readonly tests: number
  /** Its tests cut out at the final check. */
  readonly dropped: readonly DroppedTest[]
  /** Why it is not in the main file (merging clashed), when it is not. */
  readonly note?: string
  /** Why nothing of it is delivered, when nothing is. */
  readonly rejected?: string
}

export interface DeliveredFile {
  readonly path: string
  readonly code: string
  readonly candidates: readonly string[]
}

export interface Delivery {
  readonly files: readonly DeliveredFile[]
  readonly fates: ReadonlyMap<string, CandidateFate>
  /** True when the final check dropped tests or candidates: coverage must be measured again. */
  readonly lostTests: boolean
}

export interface DeliveryInput {
  readonly accepted: readonly AcceptedTest[]
  /** The module's test path; further files are numbered siblings of it. */
  readonly finalPath: string
  readonly repoRoot: string
  /** The warm runner the gates used: fast, for merge attempts. */
  readonly runner: TestRunner
  /** The repository's own command, for the final check; without it no final check runs. */
  readonly finalCheck?: { readonly runner: TestRunner; readonly description: string }
  readonly timeoutMs: number
  readonly signal: AbortSignal
  /** Puts a file in the repository's style before it is checked and delivered. */
  readonly format?: (code: string, path: string) => Promise<string>
}

interface Group {
  readonly path: string
  members: { id: string; code: string }[]
}

/** Rounds of the final check: each round cuts or splits, so a few settle any file. */
const FINAL_CHECK_ROUNDS = 4

/** `a.testmaster.test.ts` + 2 -> `a.testmaster-2.test.ts`. */
export function numberedTestPath(finalPath: string, number: number): string {
  return number <= 1 ? finalPath : candidatePath(finalPath, String(number))
}

/** The first of the module's file paths no group holds yet. */
function freePath(finalPath: string, groups: readonly Group[]): string {
  for (let number = 1; ; number++) {
    const path = numberedTestPath(finalPath, number)
    if (!groups.some((group) => group.path === path)) return path
  }
}

/**
 * A group's file as delivered: its candidates merged, in the repository's style. The final check
 * runs this text, so what passes there is byte for byte what is delivered.
 */
function fileRenderer(input: DeliveryInput): (group: Group) => Promise<string> {
  const styled = new Map<string, string>()
  return async (group) => {
    const merged = mergeTestFiles(
      group.members.map((m) => m.code),
      group.path
    )
    if (!input.format) return merged
    const key = `${group.path}\0${merged}`
    const known = styled.get(key)
    if (known !== undefined) return known
    const code = await input.format(merged, group.path)
    styled.set(key, code)
    return code
  }
}

export async function deliverTests(input: DeliveryInput): Promise<Delivery> {
  const render = fileRenderer(input)
  const notes = new Map<string, string>()
  const dropped = new Map<string, DroppedTest[]>()
  const rejectedWhy = new Map<string, string>()
  const groups = await mergeOneByOne(input, notes)
  if (input.finalCheck)
    await finalCheck(input, input.finalCheck, groups, dropped, rejectedWhy, notes, render)
  const lostTests = dropped.size > 0 || rejectedWhy.size > 0
  const live = groups.filter((group) => group.members.length > 0)
  const files: DeliveredFile[] = []
  for (const group of live) {
    const code = await render(group)
    await writeTestFile(input.repoRoot, group.path, code)
    files.push({ path: group.path, code, candidates: group.members.map((m) => m.id) })
  }
  // Files of groups that emptied out must not stay behind to be committed.
  for (const group of groups)
    if (group.members.length === 0) await removeFile(input.repoRoot, group.path)
  const fates = new Map<string, CandidateFate>()
  for (const { id } of input.accepted) {
    const group = live.find((g) => g.members.some((m) => m.id === id))
    const member = group?.members.find((m) => m.id === id)
    const why = rejectedWhy.get(id)
    const note = notes.get(id)
    fates.set(id, {
      ...(group ? { file: group.path } : {}),
      tests: member ? countTestBlocks(member.code, group?.path ?? input.finalPath) : 0,
      dropped: dropped.get(id) ?? [],
      ...(note ? { note } : {}),
      ...(why ? { rejected: why } : {})
    })
  }
  return { files, fates, lostTests }
}

async function mergeOneByOne(input: DeliveryInput, notes: Map<string, string>): Promise<Group[]> {
  const groups: Group[] = []
  const scratch = candidatePath(input.finalPath, 'merging')
  try {
    for (const candidate of input.accepted) {
      const clashes: string[] = []
      let joined: Group | undefined
      if (candidate.path !== undefined) {
        const pinned = groups.find((group) => group.path === candidate.path)
        if (pinned) pinned.members.push({ id: candidate.id, code: candidate.code })
        else
          groups.push({
            path: candidate.path,
            members: [{ id: candidate.id, code: candidate.code }]
          })
        continue
      }
      for (const group of groups) {
        const others = group.members.map((m) => m.code)
        const clash = mergeClash(others, candidate.code, input.finalPath)
        if (clash) {
          clashes.push(`${describeGroup(group)}: ${clash}`)
          continue
        }
        const code = mergeTestFiles([...others, candidate.code], input.finalPath)
        await writeTestFile(input.repoRoot, scratch, code)
        const result = await input.runner.run({
          testFiles: [scratch],
          timeoutMs: input.timeoutMs,
          signal: input.signal
        })
        const verdict = fileVerdict(result, scratch, input.repoRoot)
        if (verdict.kind === 'passed') {
          joined = group
          break
        }
        const why =
          verdict.kind === 'some-failed'
            ? `merged, ${verdict.failed.map((t) => `'${t.name}'`).join(', ')} fail: ${verdict.failed[0]?.error ?? ''}`
            : `merged, the file fails: ${verdict.reason}`
        clashes.push(`${describeGroup(group)}: ${why}`)
      }
      if (joined) {
        joined.members.push({ id: candidate.id, code: candidate.code })
        continue
      }
      const group: Group = {
        path: freePath(input.finalPath, groups),
        members: [{ id: candidate.id, code: candidate.code }]
      }
      groups.push(group)
      if (clashes.length > 0)
        notes.set(
          candidate.id,
          `kept in its own file ${basename(group.path)}: ${clashes.join('; ')}`
        )
    }
  } finally {
    await removeFile(input.repoRoot, scratch)
  }
  return groups
}

function describeGroup(group: Group): string {
  return `with ${group.members.map((m) => m.id).join(', ')}`
}

/**
 * Runs the groups' files through the repository's own command until they pass, cutting failing
 * tests and splitting merged files that fail as a whole.
 */
async function finalCheck(
  input: DeliveryInput,
  check: NonNullable<DeliveryInput['finalCheck']>,
  groups: Group[],
  dropped: Map<string, DroppedTest[]>,
  rejectedWhy: Map<string, string>,
  notes: Map<string, string>,
  render: (group: Group) => Promise<string>
): Promise<void> {
  let pending = groups.filter((g) => g.members.length > 0)
  for (let round = 0; round < FINAL_CHECK_ROUNDS && pending.length > 0; round++) {
    if (input.signal.aborted) break
    for (const group of pending)
      await writeTestFile(input.repoRoot, group.path, await render(group))
    const result = await check.runner.run({
      testFiles: pending.map((g) => g.path),
      timeoutMs: input.timeoutMs,
      signal: input.signal
    })
    const next: Group[] = []
    for (const group of pending) {
      const verdict = fileVerdict(result, group.path, input.repoRoot)
      if (verdict.kind === 'passed') continue
      if (verdict.kind === 'some-failed') {
        const cut = cutFailing(group, verdict.failed, dropped, rejectedWhy, check.description)
        if (cut === 'uncuttable') {
          const split = splitOrReject(group, groups, input.finalPath, rejectedWhy, notes, check, {
            reason: verdict.failed.map((t) => `'${t.name}': ${t.error}`).join('; ')
          })
          next.push(...split)
        } else if (group.members.length > 0) {
          next.push(group)
        }
        continue
      }
      next.push(
        ...splitOrReject(group, groups, input.finalPath, rejectedWhy, notes, check, verdict)
      )
    }
    pending = next
  }
  // Whatever still fails after the last round is not delivered.
  for (const group of pending) {
    for (const member of group.members)
      rejectedWhy.set(
        member.id,
        rejectedWhy.get(member.id) ??
          `still failing under ${check.description} after ${FINAL_CHECK_ROUNDS} rounds of cutting failing tests`
      )
    group.members = []
  }
}

/** Cuts each failing test out of the candidate that holds it; 'uncuttable' when one is not found. */
function cutFailing(
  group: Group,
  failed: readonly FailedTest[],
  dropped: Map<string, DroppedTest[]>,
  rejectedWhy: Map<string, string>,
  description: string
): 'cut' | 'uncuttable' {
  const plan = group.members.map((member) => ({
    member,
    result: removeTests(
      member.code,
      group.path,
      failed.map((t) => t.name)
    )
  }))
  const found = new Set(plan.flatMap((p) => p.result.removed))
  if (failed.some((t) => !found.has(t.name))) return 'uncuttable'
  for (const { member, result } of plan) {
    if (result.removed.length === 0) continue
    const errors = failed.filter((t) => result.removed.includes(t.name))
    dropped.set(member.id, [
      ...(dropped.get(member.id) ?? []),
      ...errors.map((t) => ({ name: t.name, error: t.error }))
    ])
    member.code = result.code
    if (result.remaining === 0) {
      rejectedWhy.set(
        member.id,
        `every test fails under ${description}: '${errors[0]?.name ?? ''}': ${errors[0]?.error ?? ''}`
      )
    }
  }
  group.members = group.members.filter((m) => !rejectedWhy.has(m.id))
  return 'cut'
}

/** A merged file that fails as a whole goes back to one file per candidate; a single one is dropped. */
function splitOrReject(
  group: Group,
  groups: Group[],
  finalPath: string,
  rejectedWhy: Map<string, string>,
  notes: Map<string, string>,
  check: NonNullable<DeliveryInput['finalCheck']>,
  failure: { readonly reason: string }
): Group[] {
  const [first, ...rest] = group.members
  if (!first) return []
  if (rest.length === 0) {
    rejectedWhy.set(first.id, `fails under ${check.description}: ${failure.reason}`)
    group.members = []
    return []
  }
  group.members = [first]
  const split: Group[] = [group]
  for (const member of rest) {
    const own: Group = { path: freePath(finalPath, groups), members: [member] }
    groups.push(own)
    split.push(own)
    notes.set(
      member.id,
      `kept in its own file ${basename(own.path)}: merged with ${first.id} it fails under ${check.description}: ${failure.reason}`
    )
  }
  return split
}
