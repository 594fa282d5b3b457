import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { isGeneratedTestPath } from '../../src/analysis/test-location.js'
import { isBotOnlyCommit } from '../../src/git/bot-commits.js'
import {
  createGitSandbox,
  createWorkRepo,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

/** SECURITY 28 on real commits: only our kind of commit (trailer, one parent, generated tests added or changed) turns the bot off. */
describe('isBotOnlyCommit', () => {
  let sandbox: GitSandbox
  let work: WorkRepo
  const trailer = (subject: string) => `${subject}\n\nTestMaster-Run: gh-1-1`
  const ours = (sha: string) => isBotOnlyCommit(work.dir, sha, isGeneratedTestPath)

  beforeAll(async () => {
    sandbox = await createGitSandbox()
    work = await createWorkRepo(sandbox)
  })
  afterAll(async () => {
    await sandbox.cleanup()
  })

  it('is false for a root commit, even with the trailer and only test files', async () => {
    const root = await work.commit(trailer('root'), { 'src/a.testmaster.test.ts': 'x\n' })
    expect(await ours(root)).toBe(false)
  })

  it('is true for our commit: trailer, one parent, generated tests added or modified', async () => {
    await work.commit('source', { 'src/a.ts': 'export const a = 1\n' })
    const added = await work.commit(trailer('tests'), { 'src/b.testmaster.test.ts': 'y\n' })
    expect(await ours(added)).toBe(true)
    const modified = await work.commit(trailer('tests'), { 'src/b.testmaster.test.ts': 'z\n' })
    expect(await ours(modified)).toBe(true)
  })

  it('is false without the trailer, with a source file, or deleting a generated test', async () => {
    expect(await ours(await work.commit('tests', { 'src/c.testmaster.test.ts': 'c\n' }))).toBe(
      false
    )
    expect(
      await ours(
        await work.commit(trailer('mixed'), {
          'src/d.testmaster.test.ts': 'd\n',
          'src/a.ts': 'export const a = 2\n'
        })
      )
    ).toBe(false)
    await rm(join(work.dir, 'src/b.testmaster.test.ts'))
    expect(await ours(await work.commit(trailer('delete')))).toBe(false)
  })

  it('is false for a merge commit', async () => {
    await work.checkout('side', { create: true })
    await work.commit('side', { 'src/e.testmaster.test.ts': 'e\n' })
    await work.checkout('main')
    await work.commit('main side', { 'src/f.ts': 'export const f = 1\n' })
    await work.git('merge', '-q', '--no-ff', '-m', trailer('merge'), 'side')
    expect(await ours(await work.git('rev-parse', 'HEAD'))).toBe(false)
  })
})
