import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { guardRunnerFiles } from '../../src/action/runner-command-files.js'

/**
 * SECURITY 19 and the files our own git reads: whatever PR code did to them while its tests ran
 * (append, replace by a directory or a symlink, add a hook), `restore()` puts them back without
 * following links and without throwing.
 */
describe('guardRunnerFiles', () => {
  let root: string
  let env: NodeJS.ProcessEnv
  let workspace: string
  let outside: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tm-guard-'))
    const commands = join(root, '_runner_file_commands')
    await mkdir(commands)
    env = {
      GITHUB_ENV: join(commands, 'set_env_1'),
      GITHUB_OUTPUT: join(commands, 'set_output_1'),
      GITHUB_PATH: join(commands, 'add_path_1')
    }
    await writeFile(env.GITHUB_ENV ?? '', 'KEEP=1\n')
    await writeFile(env.GITHUB_OUTPUT ?? '', '')
    workspace = join(root, 'workspace')
    await mkdir(join(workspace, '.git', 'hooks'), { recursive: true })
    await writeFile(join(workspace, '.git', 'config'), '[core]\n\tbare = false\n')
    await writeFile(join(workspace, '.git', 'hooks', 'pre-commit.sample'), '#!/bin/sh\n')
    outside = join(root, 'outside')
    await mkdir(outside)
    await writeFile(join(outside, 'precious.txt'), 'do not touch\n')
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('undoes appends, new files, a directory and a symlink in place of a file, and says what changed', async () => {
    const guard = await guardRunnerFiles(env, workspace)
    await appendFile(env.GITHUB_ENV ?? '', 'NODE_OPTIONS=--require /tmp/pwn.js\n')
    await writeFile(env.GITHUB_PATH ?? '', '/tmp/evil-bin\n')
    await rm(env.GITHUB_OUTPUT ?? '')
    await mkdir(env.GITHUB_OUTPUT ?? '')
    await rm(join(workspace, '.git', 'config'))
    await symlink(join(outside, 'precious.txt'), join(workspace, '.git', 'config'))
    const { changed, failed } = await guard.restore()
    expect(failed).toEqual([])
    expect(changed.sort()).toEqual(['$GITHUB_ENV', '$GITHUB_OUTPUT', '$GITHUB_PATH', '.git/config'])
    expect(await readFile(env.GITHUB_ENV ?? '', 'utf8')).toBe('KEEP=1\n')
    expect(await readFile(env.GITHUB_OUTPUT ?? '', 'utf8')).toBe('')
    await expect(readFile(env.GITHUB_PATH ?? '')).rejects.toThrow(/ENOENT/)
    expect(await readFile(join(workspace, '.git', 'config'), 'utf8')).toBe(
      '[core]\n\tbare = false\n'
    )
    expect(await readFile(join(outside, 'precious.txt'), 'utf8')).toBe('do not touch\n')
  })

  it('removes hooks the tests added, and a hooks directory swapped for a link without following it', async () => {
    const guard = await guardRunnerFiles(env, workspace)
    await writeFile(join(workspace, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\ntouch /tmp/x\n')
    expect((await guard.restore()).changed).toEqual(['.git/hooks/post-checkout'])
    expect(await readdir(join(workspace, '.git', 'hooks'))).toEqual(['pre-commit.sample'])

    const again = await guardRunnerFiles(env, workspace)
    await rm(join(workspace, '.git', 'hooks'), { recursive: true })
    await symlink(outside, join(workspace, '.git', 'hooks'))
    const { failed } = await again.restore()
    expect(failed).toEqual([])
    expect(await readdir(join(workspace, '.git', 'hooks'))).toEqual(['pre-commit.sample'])
    expect(await readdir(outside)).toEqual(['precious.txt'])
  })

  it('changes nothing and reports nothing when nothing was touched', async () => {
    const guard = await guardRunnerFiles(env, workspace)
    expect(await guard.restore()).toEqual({ changed: [], failed: [] })
  })
})
