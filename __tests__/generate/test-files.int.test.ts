import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { candidatePath, resolveTestPath } from '../../src/generate/test-files.js'

let root: string
let outside: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tm-paths-'))
  outside = await mkdtemp(join(tmpdir(), 'tm-outside-'))
  await mkdir(join(root, 'src'), { recursive: true })
  await symlink(outside, join(root, 'linked-tests'), 'dir')
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(outside, { recursive: true, force: true })
})

describe('resolveTestPath (SECURITY 23)', () => {
  it('accepts a test file inside the repository', async () => {
    await expect(resolveTestPath(root, 'src/a.testmaster.test.ts')).resolves.toMatch(
      /\/src\/a\.testmaster\.test\.ts$/
    )
  })

  it.each([
    ['../../.github/workflows/pwn.yml'],
    ['/etc/passwd.test.ts'],
    ['.github/workflows/x.test.ts'],
    ['src/a.ts'],
    ['node_modules/x/a.test.ts']
  ])('SECURITY 23: refuses %s', async (path) => {
    await expect(resolveTestPath(root, path)).rejects.toThrow(/refusing to write test file/)
  })

  it('SECURITY 23: refuses a symlinked test dir that leads outside the repository', async () => {
    await expect(resolveTestPath(root, 'linked-tests/a.test.ts')).rejects.toThrow(
      /symlink that leads outside/
    )
  })

  it('keeps files under test-dir when it is set', async () => {
    await expect(resolveTestPath(root, 'src/a.test.ts', 'tests')).rejects.toThrow(
      /outside test-dir/
    )
    await expect(resolveTestPath(root, 'tests/a.test.ts', 'tests')).resolves.toMatch(
      /\/tests\/a\.test\.ts$/
    )
  })
})

describe('candidatePath', () => {
  it('names candidates as siblings so relative imports still resolve', () => {
    expect(candidatePath('/r/src/a.testmaster.test.ts', 'llm-2')).toBe(
      '/r/src/a.testmaster-llm-2.test.ts'
    )
    expect(candidatePath('/r/src/a.spec.mjs', 'c1')).toBe('/r/src/a-c1.spec.mjs')
  })
})
