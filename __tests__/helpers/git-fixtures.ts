/**
 * Disposable real git repositories for tests, after changesets/action's helpers: a work repo, a
 * bare `origin`, and a shallow clone shaped like actions/checkout's PR checkout.
 *
 * Isolation: every git call here runs with HOME and GIT_CONFIG_GLOBAL pointing into the sandbox,
 * GIT_CONFIG_NOSYSTEM=1, pinned author/committer dates (one minute apart per commit, so history
 * order is deterministic), and each repo's local config sets user, `gc.auto 0` and
 * `commit.gpgSign false` too, so tools that strip GIT_* variables (simple-git 4 does) still see
 * them.
 *
 * Usage:
 *   const sandbox = await createGitSandbox()
 *   const work = await createWorkRepo(sandbox, { 'src/a.ts': 'export const a = 1\n' })
 *   const origin = await createBareOrigin(sandbox, work)
 *   const clone = await shallowClone(sandbox, origin, { depth: 1, branch: 'feature' })
 *   afterEach(() => sandbox.cleanup())
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, realpath, rm, writeFile, rename as fsRename } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Start of the pinned clock: every commit is one minute after the previous one. */
export const PINNED_EPOCH = Date.UTC(2026, 0, 1, 12, 0, 0)

export interface GitSandbox {
  /** Temp directory holding the repos and the fake HOME. */
  readonly root: string
  readonly home: string
  /** Environment for git child processes (isolated config, no prompts, pinned identity). */
  readonly env: NodeJS.ProcessEnv
  /** Next pinned date, as `@<seconds> +0000` (git's internal date format). */
  nextDate(): string
  /** Removes everything the sandbox created. */
  cleanup(): Promise<void>
}

export interface GitResult {
  readonly stdout: string
  readonly stderr: string
}

/** Runs git in `cwd` with the sandbox environment; rejects with stderr on a non-zero exit. */
export function runGit(
  sandbox: GitSandbox,
  cwd: string,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {}
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, env: { ...sandbox.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr || error.message}`))
        } else {
          resolve({ stdout, stderr })
        }
      }
    )
  })
}

/** Creates a sandbox: a temp root with a fake HOME and an isolated global git config. */
export async function createGitSandbox(prefix = 'tm-git-'): Promise<GitSandbox> {
  const root = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  const home = join(root, 'home')
  await mkdir(home, { recursive: true })
  const globalConfig = join(home, '.gitconfig')
  await writeFile(
    globalConfig,
    [
      '[user]',
      '\tname = TestMaster Fixture',
      '\temail = fixture@testmaster.invalid',
      '[init]',
      '\tdefaultBranch = main',
      '[gc]',
      '\tauto = 0',
      '[commit]',
      '\tgpgSign = false',
      '[tag]',
      '\tgpgSign = false',
      '[core]',
      '\tquotePath = false',
      '\tautocrlf = false',
      '[protocol "file"]',
      '\tallow = always',
      ''
    ].join('\n')
  )
  let tick = 0
  const env: NodeJS.ProcessEnv = {}
  // Keep PATH and a few basics; drop every ambient GIT_* variable (hooks, CI) for isolation.
  for (const key of ['PATH', 'LANG', 'LC_ALL', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'TestMaster Fixture',
    GIT_AUTHOR_EMAIL: 'fixture@testmaster.invalid',
    GIT_COMMITTER_NAME: 'TestMaster Fixture',
    GIT_COMMITTER_EMAIL: 'fixture@testmaster.invalid'
  })
  return {
    root,
    home,
    env,
    nextDate() {
      const seconds = Math.floor(PINNED_EPOCH / 1000) + 60 * tick++
      return `@${seconds} +0000`
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true })
    }
  }
}

/** Text or bytes per repo-relative path; `null` deletes the file. */
export type FileTree = Record<string, string | Uint8Array | null>

/** A non-bare repository in the sandbox with helpers to write files and commit. */
export class WorkRepo {
  constructor(
    readonly sandbox: GitSandbox,
    /** Absolute path of the work tree. */
    readonly dir: string
  ) {}

  /** Runs git here and returns trimmed stdout. */
  async git(...args: string[]): Promise<string> {
    return (await runGit(this.sandbox, this.dir, args)).stdout.trim()
  }

  /** Writes (or with `null` deletes) files relative to the work tree. */
  async write(files: FileTree): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const abs = join(this.dir, path)
      if (content === null) {
        await rm(abs, { force: true })
      } else {
        await mkdir(dirname(abs), { recursive: true })
        await writeFile(abs, content)
      }
    }
  }

  /** Renames a file on disk (stage with `commit`; git detects the rename by similarity). */
  async rename(from: string, to: string): Promise<void> {
    await mkdir(dirname(join(this.dir, to)), { recursive: true })
    await fsRename(join(this.dir, from), join(this.dir, to))
  }

  /** Stages everything and commits with a pinned date; returns the new commit's SHA. */
  async commit(message: string, files?: FileTree): Promise<string> {
    if (files) await this.write(files)
    await this.git('add', '-A')
    const date = this.sandbox.nextDate()
    await runGit(
      this.sandbox,
      this.dir,
      ['commit', '--allow-empty', '--no-verify', '-q', '-m', message],
      {
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date
      }
    )
    return this.git('rev-parse', 'HEAD')
  }

  /** Switches to `branch`, creating it from the current HEAD (or `from`) when `create` is set. */
  async checkout(branch: string, options: { create?: boolean; from?: string } = {}): Promise<void> {
    if (options.create) {
      await this.git('switch', '-q', '-c', branch, ...(options.from ? [options.from] : []))
    } else {
      await this.git('switch', '-q', branch)
    }
  }

  /** Full SHA of a ref. */
  async sha(ref = 'HEAD'): Promise<string> {
    return this.git('rev-parse', '--verify', `${ref}^{commit}`)
  }
}

async function configureLocal(
  repo: WorkRepo | { sandbox: GitSandbox; dir: string }
): Promise<void> {
  const settings: [string, string][] = [
    ['user.name', 'TestMaster Fixture'],
    ['user.email', 'fixture@testmaster.invalid'],
    ['gc.auto', '0'],
    ['commit.gpgSign', 'false'],
    ['tag.gpgSign', 'false'],
    ['core.autocrlf', 'false']
  ]
  for (const [key, value] of settings) {
    await runGit(repo.sandbox, repo.dir, ['config', key, value])
  }
}

/**
 * Creates a work repo on `main` in the sandbox. With `files`, makes an initial commit of them;
 * otherwise the repo has no commit yet.
 */
export async function createWorkRepo(
  sandbox: GitSandbox,
  files?: FileTree,
  name = 'work'
): Promise<WorkRepo> {
  const dir = join(sandbox.root, name)
  await mkdir(dir, { recursive: true })
  await runGit(sandbox, dir, ['init', '-q', '-b', 'main'])
  const repo = new WorkRepo(sandbox, dir)
  await configureLocal(repo)
  if (files) await repo.commit('initial commit', files)
  return repo
}

/**
 * Creates a bare repo in the sandbox, adds it to `work` as `origin` and pushes every branch.
 * Returns the bare repo's absolute path.
 */
export async function createBareOrigin(
  sandbox: GitSandbox,
  work: WorkRepo,
  name = 'origin.git'
): Promise<string> {
  const dir = join(sandbox.root, name)
  await mkdir(dir, { recursive: true })
  await runGit(sandbox, dir, ['init', '-q', '--bare', '-b', 'main'])
  await configureLocal({ sandbox, dir })
  await work.git('remote', 'add', 'origin', dir)
  await work.git('push', '-q', 'origin', '--all')
  await work.git('fetch', '-q', 'origin')
  return dir
}

/**
 * Clones `origin` like actions/checkout does for a PR: `--depth` commits of `branch` only (default
 * depth 1), no tags. Uses a file:// URL because git ignores --depth for plain local paths.
 */
export async function shallowClone(
  sandbox: GitSandbox,
  origin: string,
  options: { depth?: number; branch?: string; name?: string } = {}
): Promise<WorkRepo> {
  const dir = join(sandbox.root, options.name ?? 'shallow')
  const args = [
    'clone',
    '-q',
    '--no-tags',
    `--depth=${options.depth ?? 1}`,
    ...(options.branch ? ['--branch', options.branch, '--single-branch'] : []),
    `file://${origin}`,
    dir
  ]
  await runGit(sandbox, sandbox.root, args)
  const repo = new WorkRepo(sandbox, dir)
  await configureLocal(repo)
  return repo
}

/** Clones `origin` fully (a second developer, or a pusher for race tests). */
export async function fullClone(
  sandbox: GitSandbox,
  origin: string,
  name = 'clone'
): Promise<WorkRepo> {
  const dir = join(sandbox.root, name)
  await runGit(sandbox, sandbox.root, ['clone', '-q', origin, dir])
  const repo = new WorkRepo(sandbox, dir)
  await configureLocal(repo)
  return repo
}
