import { GitError } from '../errors.js'
import { withBotTrailer } from './bot-trailer.js'
import { isSafeBranchName, isSafeRepoPath, tryGit, type GitCommandResult } from './git-command.js'

/**
 * Commits the accepted tests to the PR head branch as the bot and pushes. A push that loses a race
 * (non-fast-forward) fetches, rebases our one commit and tries again, a bounded number of times; if
 * someone else changed one of our test files meanwhile, it stops and says so. Never force-pushes.
 */

/** The identity of the bot commits (the Actions bot; GitHub shows its avatar). */
export const BOT_IDENTITY = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
} as const

export interface CommitAndPushOptions {
  /** Work tree holding the written test files, checked out at the PR head (detached is fine). */
  readonly repoDir: string
  readonly remote?: string
  /** The PR head branch name (PR-controlled: validated, and only used inside a refspec). */
  readonly branch: string
  /** Repository-relative paths of the test files to commit; nothing else is committed. */
  readonly files: readonly string[]
  /** Commit message without the trailer. */
  readonly message: string
  readonly runId: string
  /** Push attempts in all (`github.pushAttempts`). */
  readonly maxAttempts: number
  readonly identity?: { readonly name: string; readonly email: string }
  /** Called before each push attempt (tests use it to race us). */
  readonly beforePush?: (attempt: number) => Promise<void>
}

export type PushOutcome =
  | {
      readonly status: 'pushed'
      readonly commitSha: string
      readonly attempts: number
      readonly rebased: boolean
    }
  | { readonly status: 'nothing-to-commit' }
  /** Someone else changed our test files on the branch; our commit stays local. */
  | { readonly status: 'conflict'; readonly files: readonly string[]; readonly detail: string }
  /** Every attempt lost the race. */
  | { readonly status: 'rejected'; readonly attempts: number; readonly detail: string }

function fail(doing: string, result: GitCommandResult): GitError {
  return new GitError(
    'GIT_COMMAND',
    `git failed while ${doing}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`,
    'check that the checkout can push to the PR branch (token permissions `contents: write`)'
  )
}

function isRaceRejection(result: GitCommandResult): boolean {
  return /\[rejected\]|non-fast-forward|fetch first|\[remote rejected\].*(cannot lock ref|stale info)|failed to update ref/i.test(
    result.stderr + result.stdout
  )
}

export async function commitAndPush(options: CommitAndPushOptions): Promise<PushOutcome> {
  const { repoDir } = options
  const remote = options.remote ?? 'origin'
  if (!isSafeBranchName(options.branch)) {
    throw new GitError(
      'GIT_BRANCH_INVALID',
      `refusing to push to the branch name ${JSON.stringify(options.branch)}`,
      'rename the PR branch to a plain name'
    )
  }
  const bad = options.files.find((f) => !isSafeRepoPath(f))
  if (bad !== undefined) {
    throw new GitError(
      'GIT_PATH_INVALID',
      `refusing to commit the path ${JSON.stringify(bad)}`,
      'generated tests are written under the test directory only'
    )
  }
  if (options.files.length === 0) return { status: 'nothing-to-commit' }
  const identity = options.identity ?? BOT_IDENTITY
  const botEnv = {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email
  }
  const git = (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<GitCommandResult> =>
    tryGit(repoDir, args, env)

  const add = await git(['add', '--', ...options.files])
  if (add.exitCode !== 0) throw fail('staging the test files', add)
  const staged = await git(['diff', '--cached', '--quiet', '--', ...options.files])
  if (staged.exitCode === 0) return { status: 'nothing-to-commit' }
  // `--only` with paths: exactly our files go into the commit, whatever else is staged.
  const commit = await git(
    [
      '-c',
      'commit.gpgSign=false',
      'commit',
      '--no-verify',
      '-q',
      '--only',
      '-m',
      withBotTrailer(options.message, options.runId),
      '--',
      ...options.files
    ],
    botEnv
  )
  if (commit.exitCode !== 0) throw fail('committing the test files', commit)

  const refspec = `HEAD:refs/heads/${options.branch}`
  const tracking = `refs/testmaster/remote-head`
  let rebased = false
  let last: GitCommandResult | undefined
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    await options.beforePush?.(attempt)
    const push = await git(['push', '--no-verify', '--porcelain', '--', remote, refspec])
    if (push.exitCode === 0) {
      const sha = (await git(['rev-parse', 'HEAD'])).stdout.trim()
      return { status: 'pushed', commitSha: sha, attempts: attempt, rebased }
    }
    if (!isRaceRejection(push)) throw fail(`pushing to ${options.branch}`, push)
    last = push
    if (attempt === options.maxAttempts) break
    const fetch = await git([
      'fetch',
      '--no-tags',
      '-q',
      '--',
      remote,
      `+refs/heads/${options.branch}:${tracking}`
    ])
    if (fetch.exitCode !== 0) throw fail(`fetching ${options.branch} after a push race`, fetch)
    const base = (await git(['merge-base', 'HEAD', tracking])).stdout.trim()
    if (!base)
      throw fail('finding where the branch moved from', await git(['merge-base', 'HEAD', tracking]))
    const theirs = await git(['diff', '--name-only', '-z', base, tracking])
    const changed = theirs.stdout.split('\0').filter((f) => f.length > 0)
    const overlap = options.files.filter((f) => changed.includes(f))
    if (overlap.length > 0) {
      return {
        status: 'conflict',
        files: overlap,
        detail: `someone else changed ${overlap.join(', ')} on ${options.branch} while TestMaster ran; not overwriting it. Run \`/testmaster regenerate\` to start again on the new head`
      }
    }
    const rebase = await git(['-c', 'commit.gpgSign=false', 'rebase', '-q', tracking], botEnv)
    if (rebase.exitCode !== 0) {
      await git(['rebase', '--abort'])
      return {
        status: 'conflict',
        files: [],
        detail: `rebasing the test commit onto the new head of ${options.branch} failed: ${rebase.stderr.trim().split('\n')[0] ?? ''}`
      }
    }
    rebased = true
  }
  return {
    status: 'rejected',
    attempts: options.maxAttempts,
    detail: `the branch ${options.branch} kept moving: ${options.maxAttempts} push attempt(s) lost the race (${(last?.stderr ?? '').trim().split('\n')[0] ?? ''})`
  }
}
