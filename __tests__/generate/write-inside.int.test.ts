import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeFileInside, writeFileInside } from '../../src/write-inside.js'

/**
 * SECURITY 39 on the real file system: every write checks where it lands at the moment it
 * happens, so a directory swapped for a symlink after an earlier check receives nothing.
 */
describe('writeFileInside / removeFileInside', () => {
  let base: string
  let repo: string
  let outside: string
  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'tm-write-inside-')))
    repo = join(base, 'repo')
    outside = join(base, 'outside')
    await mkdir(join(repo, 'tests'), { recursive: true })
    await mkdir(join(repo, '.github', 'workflows'), { recursive: true })
    await mkdir(outside)
  })
  afterEach(() => rm(base, { recursive: true, force: true }))

  /** What PR code does between our check and our write: the test dir becomes a symlink. */
  const swapForLink = async (dir: string, target: string) => {
    await rename(join(repo, dir), join(repo, `${dir}-moved`))
    await symlink(target, join(repo, dir))
  }

  it('writes a file below the root, creating the directories on the way', async () => {
    await writeFileInside(repo, join(repo, 'tests', 'deep', 'a.test.ts'), 'ok\n')
    expect(await readFile(join(repo, 'tests', 'deep', 'a.test.ts'), 'utf8')).toBe('ok\n')
    await removeFileInside(repo, join(repo, 'tests', 'deep', 'a.test.ts'))
    expect(existsSync(join(repo, 'tests', 'deep', 'a.test.ts'))).toBe(false)
    await removeFileInside(repo, join(repo, 'tests', 'gone', 'b.test.ts'))
  })

  it('SECURITY 39: a test dir swapped for a symlink to outside the repository receives nothing', async () => {
    await swapForLink('tests', outside)
    await expect(
      writeFileInside(repo, join(repo, 'tests', 'a.testmaster.test.ts'), 'pwn\n')
    ).rejects.toThrow(/tests leads outside/)
    await expect(
      writeFileInside(repo, join(repo, 'tests', 'sub', 'a.test.ts'), 'pwn\n')
    ).rejects.toThrow(/tests leads outside/)
    expect(await readdir(outside)).toEqual([])
  })

  it('SECURITY 39: a symlink into .github, or in the file’s own place, is refused', async () => {
    await swapForLink('tests', join(repo, '.github', 'workflows'))
    await expect(writeFileInside(repo, join(repo, 'tests', 'x.yml'), 'pwn\n')).rejects.toThrow(
      /protected directory/
    )
    expect(await readdir(join(repo, '.github', 'workflows'))).toEqual([])
    const victim = join(outside, 'victim.txt')
    await writeFile(victim, 'keep\n')
    await symlink(victim, join(repo, 'tests-moved', 'a.test.ts'))
    await expect(
      writeFileInside(repo, join(repo, 'tests-moved', 'a.test.ts'), 'pwn\n')
    ).rejects.toThrow(/the file is a symlink/)
    expect(await readFile(victim, 'utf8')).toBe('keep\n')
  })

  it('SECURITY 39: removing through a swapped directory deletes nothing outside', async () => {
    const victim = join(outside, 'a.test.ts')
    await writeFile(victim, 'keep\n')
    await swapForLink('tests', outside)
    await expect(removeFileInside(repo, join(repo, 'tests', 'a.test.ts'))).rejects.toThrow(
      /leads outside/
    )
    expect(await readFile(victim, 'utf8')).toBe('keep\n')
  })

  it('SECURITY 39: with noSymlinks (the session dir) even a symlink that stays inside is refused', async () => {
    await mkdir(join(repo, 'elsewhere'))
    await symlink(join(repo, 'elsewhere'), join(repo, '.testmaster'))
    await expect(
      writeFileInside(repo, join(repo, '.testmaster', 'session.json'), '{}', { noSymlinks: true })
    ).rejects.toThrow(/\.testmaster is a symlink/)
    expect(await readdir(join(repo, 'elsewhere'))).toEqual([])
  })
})
