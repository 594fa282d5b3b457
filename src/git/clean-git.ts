import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { GitError } from '../errors.js'
import type { GitCommandResult } from './git-command.js'

/**
 * A git directory of our own, in a fresh temporary directory, for building and pushing the bot
 * commit (SECURITY 34). PR code ran in the workspace and could have planted anything our git would
 * run there: a clean filter in `$HOME/.gitconfig`, `.git/info/attributes` or `.gitattributes`, an
 * include or fsmonitor in `.git/config`, hooks. So the commit is made with plumbing only
 * (`hash-object --no-filters`, a temporary index, `write-tree`, `commit-tree`) in a bare directory
 * PR code never saw, which borrows the workspace's objects read-only through `alternates`. Its
 * config holds only the remote and HTTP settings read from the workspace's local config (put back
 * to its pre-run content by the runner-files guard) and no hooks directory; global and system
 * config, attributes, hooks and fsmonitor are off for every command.
 */

/** Config every command of ours runs with: nothing PR code can name is looked at. */
const OFF = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.attributesFile=/dev/null',
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'commit.gpgSign=false',
  '-c',
  'core.quotePath=false'
] as const

/**
 * The environment of our git: the ambient one without any `GIT_*` variable, global and system
 * config and system attributes off, no prompts.
 */
export function cleanGitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.toUpperCase().startsWith('GIT_')) env[key] = value
  }
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    ...extra
  }
}

/** Runs git with the clean environment and the config above; never throws for a non-zero exit. */
export function cleanGit(
  cwd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}
): Promise<GitCommandResult> {
  return new Promise((done) => {
    const child = execFile(
      'git',
      [...OFF, ...args],
      {
        cwd,
        env: cleanGitEnv(options.env),
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8'
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ stdout, stderr, exitCode: code })
      }
    )
    child.stdin?.on('error', () => undefined)
    child.stdin?.end(options.input)
  })
}

/** Config keys of the workspace that pushing needs: the remotes and HTTP settings (auth header). */
const KEPT_KEY = /^(remote\.|http\.)/i
/** Keys taken through includes too: the checkout's credentials may sit in an included file. */
const CREDENTIAL_KEY = /^http\..*\.extraheader$/i

function gitFailure(doing: string, result: GitCommandResult): GitError {
  return new GitError(
    'GIT_COMMAND',
    `git failed while ${doing}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`,
    'check that the checkout can push to the PR branch (token permissions `contents: write`)'
  )
}

/** `key\nvalue\0` records of `git config -z` as pairs. */
function configPairs(output: string): [string, string][] {
  return output
    .split('\0')
    .filter((record) => record.length > 0)
    .map((record) => {
      const newline = record.indexOf('\n')
      return newline < 0 ? [record, 'true'] : [record.slice(0, newline), record.slice(newline + 1)]
    })
}

export class CleanGitDir {
  private constructor(
    /** The bare git directory. */
    readonly dir: string,
    /** Temporary index file of the commit being built. */
    private readonly indexFile: string
  ) {}

  /**
   * A fresh bare directory borrowing the objects of the workspace at `repoDir`, with the
   * workspace's remote and HTTP config. Call `dispose` when done.
   */
  static async create(repoDir: string): Promise<CleanGitDir> {
    const ask = async (args: readonly string[], doing: string): Promise<string> => {
      const result = await cleanGit(repoDir, args)
      if (result.exitCode !== 0) throw gitFailure(doing, result)
      return result.stdout
    }
    const commonDir = await realpath(
      resolve(repoDir, (await ask(['rev-parse', '--git-common-dir'], 'finding .git')).trim())
    )
    const objectFormat = (
      await ask(['rev-parse', '--show-object-format'], 'reading the object format')
    ).trim()
    const local = configPairs(
      await ask(['config', '--local', '--no-includes', '--list', '-z'], 'reading the remote')
    ).filter(([key]) => KEPT_KEY.test(key) && !CREDENTIAL_KEY.test(key))
    const credentials = configPairs(
      (
        await cleanGit(repoDir, [
          'config',
          '--includes',
          '--get-regexp',
          '-z',
          CREDENTIAL_KEY.source
        ])
      ).stdout
    )

    const dir = await mkdtemp(join(tmpdir(), 'testmaster-commit-'))
    const clean = new CleanGitDir(dir, join(dir, 'testmaster-index'))
    try {
      const init = await cleanGit(dir, [
        'init',
        '-q',
        '--bare',
        '--template=',
        `--object-format=${objectFormat === 'sha256' ? 'sha256' : 'sha1'}`,
        dir
      ])
      if (init.exitCode !== 0) throw gitFailure('creating a clean git directory', init)
      await writeFile(join(dir, 'objects', 'info', 'alternates'), `${join(commonDir, 'objects')}\n`)
      // A shallow workspace's history ends where its shallow file says; ours must know that too.
      await copyFile(join(commonDir, 'shallow'), join(dir, 'shallow')).catch(() => undefined)
      for (const [key, value] of [...local, ...credentials]) {
        const pathValue =
          /^remote\..*\.(url|pushurl)$/i.test(key) && isLocalRelativePath(value)
            ? resolve(repoDir, value)
            : value
        const set = await clean.run(['config', '--add', key, pathValue])
        if (set.exitCode !== 0) throw gitFailure(`copying the config key ${key}`, set)
      }
      return clean
    } catch (error) {
      await clean.dispose()
      throw error
    }
  }

  /** Runs git in the clean directory; `index` uses the temporary index of the commit. */
  run(
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; index?: boolean } = {}
  ): Promise<GitCommandResult> {
    return cleanGit(this.dir, args, {
      env: { ...options.env, ...(options.index ? { GIT_INDEX_FILE: this.indexFile } : {}) },
      ...(options.input !== undefined ? { input: options.input } : {})
    })
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** A remote given as a path relative to the work tree (`../origin.git`), which our dir would misread. */
function isLocalRelativePath(url: string): boolean {
  return !isAbsolute(url) && !/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[^/]+@[^/]+:/.test(url)
}
