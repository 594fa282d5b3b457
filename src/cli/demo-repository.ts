import { cp, mkdtemp, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, GitError } from '../errors.js'
import { tryGit } from '../git/git-command.js'

/**
 * The demo: a small shop library with a base commit and a PR commit, built in a temp dir from
 * examples/demo. It links this project's node_modules so its vitest runs with no install and no
 * network.
 */

export interface DemoRepository {
  readonly root: string
  readonly base: string
  readonly head: string
  remove(): Promise<void>
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** The project root: the nearest ancestor of this file holding examples/demo. */
async function projectRoot(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (await exists(join(dir, 'examples', 'demo', 'base'))) return dir
    const parent = dirname(dir)
    if (parent === dir) {
      throw new ConfigError(
        'DEMO_MISSING',
        'the demo needs examples/demo from the TestMaster repository',
        'run `npm run demo` from a clone of the repository'
      )
    }
    dir = parent
  }
}

export async function createDemoRepository(): Promise<DemoRepository> {
  const project = await projectRoot()
  const root = await mkdtemp(join(tmpdir(), 'testmaster-demo-'))
  const dates = {
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z'
  }
  const git = async (...args: string[]): Promise<string> => {
    const result = await tryGit(root, args, dates)
    if (result.exitCode !== 0) {
      throw new GitError(
        'DEMO_GIT',
        `git ${args[0] ?? ''} failed while building the demo: ${result.stderr.trim()}`,
        'check that git is installed'
      )
    }
    return result.stdout.trim()
  }
  await git('init', '--initial-branch=main')
  await git('config', 'user.name', 'Demo Author')
  await git('config', 'user.email', 'demo@example.com')
  await git('config', 'commit.gpgSign', 'false')
  await cp(join(project, 'examples', 'demo', 'base'), root, { recursive: true })
  await git('add', '--all')
  await git('commit', '--quiet', '--message', 'Shop library: cart totals')
  const base = await git('rev-parse', 'HEAD')
  await git('checkout', '--quiet', '-b', 'feature/pricing')
  await cp(join(project, 'examples', 'demo', 'pr'), root, { recursive: true })
  await git('add', '--all')
  await git('commit', '--quiet', '--message', 'Add coupons, item removal and a pricing module')
  const head = await git('rev-parse', 'HEAD')
  // Linked after the commits so node_modules is never part of the demo's history.
  await symlink(join(project, 'node_modules'), join(root, 'node_modules'), 'dir')
  await cp(
    join(project, 'examples', 'demo', 'gitignore'),
    join(root, '.git', 'info', 'exclude')
  ).catch(() => undefined)
  return { root, base, head, remove: () => rm(root, { recursive: true, force: true }) }
}
