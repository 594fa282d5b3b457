import { cp, mkdtemp, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { simpleGit } from 'simple-git'
import { ConfigError } from '../errors.js'

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
  const git = simpleGit(root).env({
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z'
  })
  await git.init(['--initial-branch=main'])
  await git
    .addConfig('user.name', 'Demo Author')
    .addConfig('user.email', 'demo@example.com')
    .addConfig('commit.gpgSign', 'false')
  await cp(join(project, 'examples', 'demo', 'base'), root, { recursive: true })
  await git.add('.').commit('Shop library: cart totals')
  const base = (await git.revparse(['HEAD'])).trim()
  await git.checkoutLocalBranch('feature/pricing')
  await cp(join(project, 'examples', 'demo', 'pr'), root, { recursive: true })
  await git.add('.').commit('Add coupons, item removal and a pricing module')
  const head = (await git.revparse(['HEAD'])).trim()
  // Linked after the commits so node_modules is never part of the demo's history.
  await symlink(join(project, 'node_modules'), join(root, 'node_modules'), 'dir')
  await cp(
    join(project, 'examples', 'demo', 'gitignore'),
    join(root, '.git', 'info', 'exclude')
  ).catch(() => undefined)
  return { root, base, head, remove: () => rm(root, { recursive: true, force: true }) }
}
