import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { commitAndPush } from '../../src/git/commit-and-push.js'
import { checkoutDetached, fetchPullRequest } from '../../src/git/pull-request-checkout.js'
import {
  createBareOrigin,
  createGitSandbox,
  createWorkRepo,
  fullClone,
  shallowClone,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'

describe('commitAndPush against a bare origin', () => {
  let sandbox: GitSandbox
  let dev: WorkRepo
  let origin: string
  let bot: WorkRepo
  const testFile = '__tests__/a.testmaster.test.ts'

  beforeEach(async () => {
    sandbox = await createGitSandbox('tm-push-')
    dev = await createWorkRepo(sandbox, { 'src/a.ts': 'export const a = 1\n' }, 'dev')
    await dev.checkout('feature', { create: true })
    await dev.commit('change a', { 'src/a.ts': 'export const a = 2\n' })
    origin = await createBareOrigin(sandbox, dev)
    await dev.git('update-ref', 'refs/pull/3/head', 'feature')
    await dev.git('push', '-q', 'origin', 'refs/pull/3/head:refs/pull/3/head')
    bot = await shallowClone(sandbox, origin, { depth: 1, branch: 'main', name: 'bot' })
    const head = await dev.sha('feature')
    const fetched = await fetchPullRequest(bot.dir, {
      number: 3,
      baseRef: 'main',
      baseSha: await dev.sha('main'),
      headSha: head
    })
    expect(fetched).toEqual({ status: 'ok', fetchedHeadSha: head })
    await checkoutDetached(bot.dir, head)
    await bot.write({
      [testFile]: 'test("a", () => expect(1).toBe(1))\n',
      'untracked-noise.txt': 'not ours\n'
    })
  })

  afterEach(() => sandbox.cleanup())

  const held = [{ path: testFile, content: 'test("a", () => expect(1).toBe(1))\n' }]
  const push = async (extra: Partial<Parameters<typeof commitAndPush>[0]> = {}) =>
    commitAndPush({
      repoDir: bot.dir,
      branch: 'feature',
      parentSha: await dev.sha('feature'),
      files: held,
      message: 'test: add generated tests',
      runId: 'gh-5-1',
      maxAttempts: 3,
      ...extra
    })

  it('commits only the test files, as the bot, with the trailer, and pushes', async () => {
    const outcome = await push()
    expect(outcome).toMatchObject({ status: 'pushed', attempts: 1, rebased: false })
    const remoteHead = await dev.git('ls-remote', 'origin', 'refs/heads/feature')
    expect(remoteHead.split('\t')[0]).toBe(outcome.status === 'pushed' ? outcome.commitSha : '')
    await dev.git('fetch', '-q', 'origin')
    expect(await dev.git('show', '--name-only', '--format=%an <%ae>%n%B', 'origin/feature')).toBe(
      `github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\ntest: add generated tests\n\nTestMaster-Run: gh-5-1\n\n\n${testFile}`
    )
  })

  it('signs off as the commit identity when asked (github.signoff), the run trailer still read', async () => {
    const outcome = await push({ signoff: true })
    expect(outcome).toMatchObject({ status: 'pushed' })
    await dev.git('fetch', '-q', 'origin')
    expect(await dev.git('log', '-1', '--format=%an <%ae>%n%B', 'origin/feature')).toBe(
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\ntest: add generated tests\n\nTestMaster-Run: gh-5-1\nSigned-off-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>'
    )
    // git reads both as trailers of the message.
    expect(
      await dev.git(
        'log',
        '-1',
        '--format=%(trailers:key=Signed-off-by,valueonly)',
        'origin/feature'
      )
    ).toBe('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>')
    expect(
      await dev.git(
        'log',
        '-1',
        '--format=%(trailers:key=TestMaster-Run,valueonly)',
        'origin/feature'
      )
    ).toBe('gh-5-1')
  })

  it('SECURITY 34: filters, hooks, fsmonitor and includes PR code planted run nothing; the commit holds exactly the content we hold', async () => {
    const marker = join(sandbox.root, 'pr-code-ran')
    const script = join(sandbox.root, 'pwn.sh')
    // Git config reads `;` as a comment: the planted commands call a script.
    await writeFile(script, `echo "$1" >> ${marker}\ncat\n`)
    const run = `sh ${script}`
    const planted = join(sandbox.root, 'planted.gitconfig')
    const plantedConfig = [
      '[filter "pwn"]',
      `\tclean = ${run} clean`,
      `\tsmudge = ${run} smudge`,
      '\trequired = true',
      '[core]',
      `\tfsmonitor = ${run} fsmonitor`,
      `\thooksPath = ${join(bot.dir, '.git', 'hooks')}`,
      '[remote "origin"]',
      `\treceivepack = ${run} receivepack && git-receive-pack`,
      `\tuploadpack = ${run} uploadpack && git-upload-pack`,
      ''
    ].join('\n')
    const home = join(sandbox.root, 'pr-home')
    await mkdir(home, { recursive: true })
    await writeFile(join(home, '.gitconfig'), plantedConfig)
    await writeFile(planted, plantedConfig)
    await bot.git('config', '--local', 'include.path', planted)
    await writeFile(join(bot.dir, '.git', 'info', 'attributes'), '* filter=pwn\n')
    await bot.write({ '.gitattributes': '*.ts filter=pwn\n', [testFile]: 'tampered on disk\n' })
    for (const hook of ['pre-commit', 'post-commit', 'pre-push', 'reference-transaction']) {
      await writeFile(
        join(bot.dir, '.git', 'hooks', hook),
        `#!/bin/sh\necho ${hook} >> ${marker}\n`
      )
      await chmod(join(bot.dir, '.git', 'hooks', hook), 0o755)
    }
    const saved = { HOME: process.env.HOME, GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL }
    process.env.HOME = home
    process.env.GIT_CONFIG_GLOBAL = join(home, '.gitconfig')
    let outcome: Awaited<ReturnType<typeof commitAndPush>>
    try {
      outcome = await push()
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
    expect(outcome.status).toBe('pushed')
    expect(existsSync(marker) ? await readFile(marker, 'utf8') : 'nothing ran').toBe('nothing ran')
    await dev.git('fetch', '-q', 'origin')
    expect(await dev.git('show', `origin/feature:${testFile}`)).toBe(held[0]!.content.trimEnd())
    expect(await dev.git('diff', '--name-only', 'feature', 'origin/feature')).toBe(testFile)
  })

  it('a push race: fetches, rebases and retries, never force-pushes', async () => {
    const human = await fullClone(sandbox, origin, 'human')
    await human.checkout('feature')
    const outcome = await push({
      beforePush: async (attempt) => {
        if (attempt === 1) {
          await human.commit('human change', { 'src/b.ts': 'export const b = 1\n' })
          await human.git('push', '-q', 'origin', 'feature')
        }
      }
    })
    expect(outcome).toMatchObject({ status: 'pushed', attempts: 2, rebased: true })
    await dev.git('fetch', '-q', 'origin')
    const log = await dev.git('log', '--format=%s', 'origin/feature')
    expect(log.split('\n').slice(0, 3)).toEqual([
      'test: add generated tests',
      'human change',
      'change a'
    ])
  })

  it('stops and says so when a human changed the same test file', async () => {
    const human = await fullClone(sandbox, origin, 'human')
    await human.checkout('feature')
    const humanSha = await human.commit('my own version', {
      [testFile]: 'test("mine", () => {})\n'
    })
    await human.git('push', '-q', 'origin', 'feature')
    const outcome = await push()
    expect(outcome.status).toBe('conflict')
    if (outcome.status === 'conflict') {
      expect(outcome.files).toEqual([testFile])
      expect(outcome.detail).toContain(`someone else changed ${testFile} on feature`)
    }
    expect((await dev.git('ls-remote', 'origin', 'refs/heads/feature')).split('\t')[0]).toBe(
      humanSha
    )
  })

  it('gives up after the configured attempts when the branch keeps moving', async () => {
    const human = await fullClone(sandbox, origin, 'human')
    await human.checkout('feature')
    let n = 0
    const outcome = await push({
      maxAttempts: 2,
      beforePush: async () => {
        await human.commit(`human ${n++}`, { [`src/h${n}.ts`]: `export const h = ${n}\n` })
        await human.git('push', '-q', 'origin', 'feature')
      }
    })
    expect(outcome).toMatchObject({ status: 'rejected', attempts: 2 })
  })

  it('replaceTip (a branch of our own): replaces the tip it read, and nothing pushed after that', async () => {
    const branch = 'testmaster/pr-3'
    const tipOf = async () =>
      (await dev.git('ls-remote', 'origin', `refs/heads/${branch}`)).split('\t')[0] || undefined
    const first = await push({ branch, maxAttempts: 1, replaceTip: { expected: undefined } })
    expect(first).toMatchObject({ status: 'pushed' })
    const firstTip = await tipOf()
    // A second create-only push loses: the branch exists now.
    expect(
      await push({ branch, maxAttempts: 1, runId: 'gh-5-2', replaceTip: { expected: undefined } })
    ).toMatchObject({ status: 'rejected' })
    const human = await fullClone(sandbox, origin, 'human')
    await human.checkout(branch)
    const outcome = await push({
      branch,
      maxAttempts: 1,
      files: [{ path: testFile, content: 'test("b", () => {})\n' }],
      replaceTip: { expected: firstTip },
      beforePush: async () => {
        await human.commit('human', { 'src/h.ts': 'export const h = 1\n' })
        await human.git('push', '-q', 'origin', branch)
      }
    })
    expect(outcome).toMatchObject({ status: 'rejected', attempts: 1 })
    const humanTip = await tipOf()
    expect(humanTip).not.toBe(firstTip)
    const replaced = await push({
      branch,
      maxAttempts: 1,
      files: [{ path: testFile, content: 'test("b", () => {})\n' }],
      replaceTip: { expected: humanTip }
    })
    expect(replaced).toMatchObject({ status: 'pushed' })
    expect(await tipOf()).toBe(replaced.status === 'pushed' ? replaced.commitSha : '')
    expect(await dev.git('--git-dir', origin, 'rev-parse', `refs/heads/${branch}^`)).toBe(
      await dev.sha('feature')
    )
  })

  it('nothing to commit when the tests are already there', async () => {
    await push()
    expect(await push({ runId: 'gh-5-2' })).toEqual({ status: 'nothing-to-commit' })
  })

  it('SECURITY 30: a branch named like an option is refused and runs nothing', async () => {
    const marker = join(sandbox.root, 'pwned')
    await expect(push({ branch: `--upload-pack=touch ${marker}` })).rejects.toThrow(
      'refusing to push to the branch name'
    )
    await expect(
      fetchPullRequest(bot.dir, {
        number: 3,
        baseRef: `--upload-pack=touch ${marker}`,
        baseSha: 'a'.repeat(40),
        headSha: 'b'.repeat(40)
      })
    ).rejects.toThrow('refusing the base branch name')
    expect(existsSync(marker)).toBe(false)
  })

  it('SECURITY 23: refuses paths outside the work tree or into .git', async () => {
    for (const path of ['../outside.ts', '.git/hooks/pre-commit', '--all'])
      await expect(push({ files: [{ path, content: 'x' }] })).rejects.toThrow(
        'refusing to commit the path'
      )
  })

  it('fetchPullRequest notices a head that moved since it was pinned', async () => {
    const pinned = await dev.sha('feature')
    await dev.commit('newer', { 'src/c.ts': 'x\n' })
    await dev.git('update-ref', 'refs/pull/3/head', 'feature')
    await dev.git('push', '-q', 'origin', 'feature', '+refs/pull/3/head:refs/pull/3/head')
    const outcome = await fetchPullRequest(bot.dir, {
      number: 3,
      baseRef: 'main',
      baseSha: await dev.sha('main'),
      headSha: pinned
    })
    expect(outcome).toEqual({ status: 'head-moved', fetchedHeadSha: await dev.sha('feature') })
  })
})

describe('testFilesCommittedByBot', () => {
  it('lists the test files of our commits still present at the head', async () => {
    const { testFilesCommittedByBot } = await import('../../src/git/bot-commits.js')
    const sandbox = await createGitSandbox('tm-botfiles-')
    try {
      const repo = await createWorkRepo(sandbox, { 'src/a.ts': 'export const a = 1\n' })
      const base = await repo.sha()
      await repo.commit('human', {
        'src/a.ts': 'export const a = 2\n',
        'tests/human.test.ts': 'x\n'
      })
      await repo.commit('test: add generated tests\n\nTestMaster-Run: gh-1-1', {
        'tests/a.testmaster.test.ts': 'a\n',
        'tests/gone.testmaster.test.ts': 'g\n'
      })
      await repo.commit('human removes one', { 'tests/gone.testmaster.test.ts': null })
      await repo.commit('test: more\n\nTestMaster-Run: gh-2-1', {
        'tests/b.testmaster.test.ts': 'b\n'
      })
      expect(await testFilesCommittedByBot(repo.dir, base, await repo.sha())).toEqual([
        'tests/a.testmaster.test.ts',
        'tests/b.testmaster.test.ts'
      ])
    } finally {
      await sandbox.cleanup()
    }
  })
})
