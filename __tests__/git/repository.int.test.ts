import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { access } from 'node:fs/promises'
import { GitRepository } from '../../src/git/repository.js'
import { GitError } from '../../src/errors.js'
import {
  createBareOrigin,
  createGitSandbox,
  createWorkRepo,
  shallowClone,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

let sandbox: GitSandbox
beforeEach(async () => {
  sandbox = await createGitSandbox()
})
afterEach(async () => {
  await sandbox.cleanup()
})

const lines = (n: number, tag = 'line'): string =>
  Array.from({ length: n }, (_, i) => `export const ${tag}${i} = ${i}`).join('\n') + '\n'

/** main: a, b, c; feature branches off, changes things; main moves on afterwards. */
async function prBranchRepo(): Promise<{ work: WorkRepo; forkPoint: string }> {
  const work = await createWorkRepo(sandbox, {
    'src/modify.ts': lines(10),
    'src/delete.ts': lines(5, 'gone'),
    'src/rename-me.ts': lines(20, 'moved'),
    'assets/logo.bin': new Uint8Array([0, 1, 2, 3, 0, 255])
  })
  const forkPoint = await work.sha()
  await work.checkout('feature', { create: true })
  const modified = lines(10).split('\n')
  modified[2] = 'export const line2 = 200'
  modified.splice(6, 0, 'export const inserted = 1', 'export const inserted2 = 2')
  await work.write({
    'src/modify.ts': modified.join('\n'),
    'src/delete.ts': null,
    'src/added file.ts': 'export function hi(): string {\n  return "hi"\n}\n',
    'src/ünïcødé/名前.ts': 'export const name = "名前"\n',
    'assets/logo.bin': new Uint8Array([0, 1, 2, 3, 0, 254, 7])
  })
  await work.rename('src/rename-me.ts', 'src/renamed.ts')
  await work.commit('feature work')
  // The base moves on after the PR branched: its change must not show up in the PR's diff.
  await work.checkout('main')
  await work.commit('main moves on', { 'src/main-only.ts': 'export const m = 1\n' })
  await work.checkout('feature')
  return { work, forkPoint }
}

describe('GitRepository', () => {
  it('lists added, modified, renamed, deleted and binary files against the merge base', async () => {
    const { work, forkPoint } = await prBranchRepo()
    const repo = await GitRepository.open(work.dir)
    expect(await repo.mergeBase('main', 'feature')).toBe(forkPoint)

    const files = await repo.changedFiles('main', 'feature')
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]))
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'assets/logo.bin',
        'src/added file.ts',
        'src/delete.ts',
        'src/modify.ts',
        'src/renamed.ts',
        'src/ünïcødé/名前.ts'
      ].sort()
    )
    expect(byPath['src/main-only.ts']).toBeUndefined()
    expect(byPath['src/modify.ts']).toMatchObject({
      status: 'modified',
      binary: false,
      lines: [
        { start: 3, end: 3 },
        { start: 7, end: 8 }
      ]
    })
    expect(byPath['src/added file.ts']).toMatchObject({
      status: 'added',
      lines: [{ start: 1, end: 3 }]
    })
    expect(byPath['src/delete.ts']).toMatchObject({ status: 'deleted', lines: [] })
    expect(byPath['src/renamed.ts']).toMatchObject({
      status: 'renamed',
      previousPath: 'src/rename-me.ts',
      similarity: 100,
      lines: []
    })
    expect(byPath['src/ünïcødé/名前.ts']).toMatchObject({
      status: 'added',
      lines: [{ start: 1, end: 1 }]
    })
    expect(byPath['assets/logo.bin']).toMatchObject({ status: 'modified', binary: true, lines: [] })
  })

  it('reports a renamed file with edits by similarity and its head-side changed lines', async () => {
    const work = await createWorkRepo(sandbox, { 'a.ts': lines(20) })
    const base = await work.sha()
    await work.rename('a.ts', 'b.ts')
    await work.write({ 'b.ts': lines(20).replace('line5 = 5', 'line5 = 55') })
    await work.commit('rename and edit')
    const repo = await GitRepository.open(work.dir)
    const [file] = await repo.changedFiles(base, 'HEAD')
    expect(file).toMatchObject({ path: 'b.ts', previousPath: 'a.ts', status: 'renamed' })
    expect(file?.similarity).toBeGreaterThan(80)
    expect(file?.similarity).toBeLessThan(100)
    expect(file?.lines).toEqual([{ start: 6, end: 6 }])
  })

  it('reads a file at a ref, and undefined when it does not exist there', async () => {
    const { work, forkPoint } = await prBranchRepo()
    const repo = await GitRepository.open(work.dir)
    expect(await repo.showFile('main', 'src/main-only.ts')).toBe('export const m = 1\n')
    expect(await repo.showFile('feature', 'src/main-only.ts')).toBeUndefined()
    expect(await repo.showFile(forkPoint, 'src/added file.ts')).toBeUndefined()
    expect(await repo.showFile('feature', 'src/added file.ts')).toContain('export function hi')
    expect(await repo.showFile('feature', 'src/ünïcødé/名前.ts')).toBe(
      'export const name = "名前"\n'
    )
    // A directory is not a file.
    expect(await repo.showFile('feature', 'src')).toBeUndefined()
    expect(await repo.showFile('feature', './src/modify.ts')).toContain('line2 = 200')
  })

  it('opens from a subdirectory and resolves refs to full SHAs', async () => {
    const { work } = await prBranchRepo()
    const repo = await GitRepository.open(`${work.dir}/src`)
    expect(repo.root).toBe(work.dir)
    expect(await repo.headSha()).toBe(await work.sha('feature'))
    expect(await repo.revParse('main')).toMatch(/^[0-9a-f]{40}$/)
    expect(await repo.isShallow()).toBe(false)
    await expect(repo.revParse('no-such-branch')).rejects.toMatchObject({
      code: 'GIT_REF_NOT_FOUND'
    })
    await expect(GitRepository.open(sandbox.home)).rejects.toMatchObject({
      code: 'GIT_NOT_A_REPOSITORY'
    })
  })

  it('never lets a ref become an option (SECURITY 30)', async () => {
    const { work } = await prBranchRepo()
    const repo = await GitRepository.open(work.dir)
    const marker = `${sandbox.root}/pwned`
    for (const ref of [`--upload-pack=touch ${marker}`, `--output=${marker}`, '-h']) {
      await expect(repo.changedFiles(ref, 'HEAD')).rejects.toBeInstanceOf(GitError)
      await expect(repo.showFile(ref, 'src/modify.ts')).rejects.toBeInstanceOf(GitError)
    }
    await expect(repo.mergeBase('main', `HEAD --output=${marker}`)).rejects.toBeInstanceOf(GitError)
    await expect(access(marker)).rejects.toThrow()
  })

  it('caps huge diffs with a message naming the count and the cap', async () => {
    const work = await createWorkRepo(sandbox, { 'keep.ts': 'x\n' })
    const base = await work.sha()
    const many: Record<string, string> = {}
    for (let i = 0; i < 30; i++) many[`gen/file-${i}.ts`] = `export const v${i} = ${i}\n`
    await work.commit('generated', many)
    const repo = await GitRepository.open(work.dir)
    const error = await repo.changedFiles(base, 'HEAD', { maxFiles: 25 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitError)
    expect(error).toMatchObject({ code: 'GIT_DIFF_TOO_LARGE' })
    expect((error as GitError).message).toContain('30 files')
    expect((error as GitError).message).toContain('cap of 25')
    expect(await repo.changedFiles(base, 'HEAD', { maxFiles: 30 })).toHaveLength(30)
  })

  it('lists files over the per-file caps with the reason instead of diffing them', async () => {
    const work = await createWorkRepo(sandbox, {
      'src/normal.ts': lines(10),
      'src/old-huge.ts': lines(6000, 'old'),
      'assets/blob.bin': new Uint8Array([0, 1, 2])
    })
    const base = await work.sha()
    const normal = lines(10).replace('line2 = 2', 'line2 = 22')
    await work.commit('huge things', {
      'src/normal.ts': normal,
      'src/generated-table.ts': lines(60_000, 'value'),
      'src/minified.js': `export const data = ${JSON.stringify('x'.repeat(2000))}\n`,
      'src/old-huge.ts': null,
      'assets/blob.bin': new Uint8Array(200_000).fill(7)
    })
    const repo = await GitRepository.open(work.dir)
    const files = await repo.changedFiles(base, 'HEAD', { maxFileBytes: 1000 })
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]))
    expect(byPath['src/normal.ts']).toEqual({
      path: 'src/normal.ts',
      status: 'modified',
      binary: false,
      lines: [{ start: 3, end: 3 }]
    })
    expect(byPath['src/generated-table.ts']).toMatchObject({
      status: 'added',
      lines: [],
      oversized: { cap: 'file-lines', changedLines: 60_000, limit: 5000 }
    })
    expect(byPath['src/minified.js']).toMatchObject({
      lines: [],
      oversized: { cap: 'file-bytes', bytes: 2023, limit: 1000 }
    })
    // Deletions and binaries have no head-side lines to diff: no cap applies to them.
    expect(byPath['src/old-huge.ts']).toEqual({
      path: 'src/old-huge.ts',
      status: 'deleted',
      binary: false,
      lines: []
    })
    expect(byPath['assets/blob.bin']).toEqual({
      path: 'assets/blob.bin',
      status: 'modified',
      binary: true,
      lines: []
    })
  })

  it('stops reading the patch at the total cap and marks the files it did not reach', async () => {
    const work = await createWorkRepo(sandbox, { 'keep.ts': 'x\n' })
    const base = await work.sha()
    const added: Record<string, string> = {}
    for (let i = 0; i < 10; i++) added[`src/f${i}.ts`] = lines(50, `f${i}_`)
    await work.commit('many small files', added)
    const repo = await GitRepository.open(work.dir)
    const files = await repo.changedFiles(base, 'HEAD', { maxPatchBytes: 5000 })
    expect(files.map((f) => f.path)).toEqual(Object.keys(added).sort())
    const diffed = files.filter((f) => f.lines.length > 0)
    const cut = files.filter((f) => f.oversized)
    expect(diffed.length).toBeGreaterThan(0)
    expect(cut.length).toBeGreaterThan(0)
    expect(diffed.length + cut.length).toBe(10)
    expect(files.slice(0, diffed.length)).toEqual(diffed)
    expect(diffed[0]?.lines).toEqual([{ start: 1, end: 50 }])
    expect(cut[0]?.oversized).toEqual({ cap: 'patch-bytes', limit: 5000 })
  })

  it('diffs many long and odd paths in batches of literal pathspecs, renames included', async () => {
    const long = (i: number): string => `deep/${'x'.repeat(120)}/${'y'.repeat(100)}-${i}.ts`
    const initial: Record<string, string> = { 'src/move-me.ts': lines(20, 'moved') }
    for (let i = 0; i < 150; i++) initial[long(i)] = lines(3, `l${i}_`)
    const odd = ['src/[slug].ts', 'src/-dash.ts', 'src/*star.ts', ':(exclude)magic.ts']
    odd.forEach((path, i) => (initial[path] = lines(3, `odd${i}_`)))
    const work = await createWorkRepo(sandbox, initial)
    const base = await work.sha()
    const edited: Record<string, string> = {}
    for (const path of Object.keys(initial)) {
      if (path !== 'src/move-me.ts') edited[path] = `${initial[path] ?? ''}export const more = 1\n`
    }
    await work.write(edited)
    await work.rename('src/move-me.ts', 'src/moved.ts')
    await work.write({ 'src/moved.ts': lines(20, 'moved').replace('moved5 = 5', 'moved5 = 55') })
    await work.commit('edit everything')
    const repo = await GitRepository.open(work.dir)
    const files = await repo.changedFiles(base, 'HEAD')
    expect(files).toHaveLength(155)
    for (const path of Object.keys(edited)) {
      expect(files.find((f) => f.path === path)).toMatchObject({
        status: 'modified',
        lines: [{ start: 4, end: 4 }]
      })
    }
    expect(files.find((f) => f.path === 'src/moved.ts')).toMatchObject({
      status: 'renamed',
      previousPath: 'src/move-me.ts',
      lines: [{ start: 6, end: 6 }]
    })
  })

  describe('shallow clones', () => {
    async function originWithHistory(): Promise<{
      origin: string
      forkPoint: string
      mainTip: string
    }> {
      const work = await createWorkRepo(sandbox, { 'src/a.ts': lines(3) })
      for (let i = 0; i < 4; i++)
        await work.commit(`main ${i}`, { [`src/m${i}.ts`]: lines(2, `m${i}`) })
      const forkPoint = await work.sha()
      await work.checkout('feature', { create: true })
      for (let i = 0; i < 5; i++)
        await work.commit(`feature ${i}`, { [`src/f${i}.ts`]: lines(2, `f${i}`) })
      await work.checkout('main')
      for (let i = 0; i < 3; i++)
        await work.commit(`main later ${i}`, { [`src/l${i}.ts`]: lines(2, `l${i}`) })
      const mainTip = await work.sha()
      const origin = await createBareOrigin(sandbox, work)
      return { origin, forkPoint, mainTip }
    }

    it('deepens a depth-1 clone until the merge base is reachable', async () => {
      const { origin, forkPoint, mainTip } = await originWithHistory()
      // actions/checkout of a PR: only the head branch, one commit deep.
      const clone = await shallowClone(sandbox, origin, { depth: 1, branch: 'feature' })
      const repo = await GitRepository.open(clone.dir, { deepenSteps: [2, 10] })
      expect(await repo.isShallow()).toBe(true)
      // The base is given as a SHA the clone does not have.
      expect(await repo.mergeBase(mainTip, 'HEAD')).toBe(forkPoint)
      const files = await repo.changedFiles(mainTip, 'HEAD')
      expect(files.map((f) => f.path).sort()).toEqual(
        ['src/f0.ts', 'src/f1.ts', 'src/f2.ts', 'src/f3.ts', 'src/f4.ts'].sort()
      )
    })

    it('fetches a remote branch named as origin/<branch> in a single-branch clone', async () => {
      const { origin, forkPoint } = await originWithHistory()
      const clone = await shallowClone(sandbox, origin, { depth: 1, branch: 'feature' })
      const repo = await GitRepository.open(clone.dir)
      expect(await repo.mergeBase('origin/main', 'HEAD')).toBe(forkPoint)
    })

    it('fails with the fetch-depth setting to use when deepening is not allowed', async () => {
      const { origin, mainTip } = await originWithHistory()
      const clone = await shallowClone(sandbox, origin, { depth: 1, branch: 'feature' })
      const repo = await GitRepository.open(clone.dir, { deepenSteps: [] })
      const error = await repo.mergeBase(mainTip, 'HEAD').catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'GIT_SHALLOW' })
      expect((error as GitError).hint).toContain('fetch-depth: 0')
    })

    it('fails with the fetch-depth setting when the remote is gone', async () => {
      const { origin, mainTip } = await originWithHistory()
      const clone = await shallowClone(sandbox, origin, { depth: 1, branch: 'feature' })
      await clone.git('fetch', '-q', '--depth=1', 'origin', mainTip)
      await clone.git('remote', 'set-url', 'origin', `${sandbox.root}/missing.git`)
      const repo = await GitRepository.open(clone.dir)
      const error = await repo.mergeBase(mainTip, 'HEAD').catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'GIT_SHALLOW' })
      expect((error as GitError).hint).toContain('fetch-depth: 0')
    })
  })
})
