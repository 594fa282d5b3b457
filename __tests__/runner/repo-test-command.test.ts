import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { resolveRepoTestCommand, shellWords } from '../../src/runner/repo-test-command.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/** The final check runs the repository's own command: its flags, and no others. */

let dir: string | undefined

async function packageWith(scripts: Record<string, string> | undefined): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'tm-repo-command-'))
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'p', scripts }))
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe('resolveRepoTestCommand', () => {
  it('takes NODE_OPTIONS from scripts.test and resolves the package its own jest', async () => {
    const root = await packageWith({ test: 'NODE_OPTIONS=--experimental-vm-modules jest' })
    expect(resolveRepoTestCommand(root, 'jest')).toMatchObject({
      bin: expect.stringMatching(/node_modules\/jest\/bin\/jest\.js$/),
      nodeArgs: ['--experimental-vm-modules'],
      frameworkArgs: []
    })
  })

  it('adds no Node flag the script does not use', async () => {
    const root = await packageWith({ test: 'jest --coverage' })
    expect(resolveRepoTestCommand(root, 'jest')).toMatchObject({ nodeArgs: [] })
  })

  it('takes Node flags given before the bin and the config the script names', async () => {
    const root = await packageWith({
      test: 'tsc -p . && node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js -c jest.unit.config.js'
    })
    expect(resolveRepoTestCommand(root, 'jest')).toMatchObject({
      nodeArgs: ['--experimental-vm-modules', '--no-warnings'],
      frameworkArgs: ['--config=jest.unit.config.js']
    })
  })

  it("handles cross-env and quoted NODE_OPTIONS, and vitest's run", async () => {
    const root = await packageWith({
      test: 'cross-env NODE_OPTIONS="--max-old-space-size=4096 --expose-gc" vitest run --config=vitest.ci.ts'
    })
    expect(resolveRepoTestCommand(root, 'vitest')).toMatchObject({
      bin: expect.stringMatching(/node_modules\/vitest\/vitest\.mjs$/),
      nodeArgs: ['--max-old-space-size=4096', '--expose-gc'],
      frameworkArgs: ['--config=vitest.ci.ts']
    })
  })

  it('uses the bare framework when scripts.test does not run it, and says so', async () => {
    const root = await packageWith({ test: 'mocha' })
    expect(resolveRepoTestCommand(root, 'jest')).toMatchObject({
      nodeArgs: [],
      source: expect.stringContaining('does not run jest')
    })
  })
})

describe('shellWords', () => {
  it('splits on spaces outside quotes', () => {
    expect(shellWords(`a "b c" 'd e' f=""`)).toEqual(['a', 'b c', 'd e', 'f='])
  })
})
