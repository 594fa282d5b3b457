import { GitError } from '../errors.js'
import { withBotTrailer } from './bot-trailer.js'
import { CleanGitDir } from './clean-git.js'
import { isSafeBranchName, isSafeRepoPath, type GitCommandResult } from './git-command.js'

/**
 * Commits the accepted tests to the PR head branch as the bot and pushes. The commit is built from
 * the test contents we hold, never from the work tree PR code ran in, with git plumbing in a clean
 * directory (`clean-git.ts`): no filter, hook, fsmonitor or include PR code planted runs
 * (SECURITY 34), and the commit holds exactly our files with exactly our content. A push that
 * loses a race (non-fast-forward) fetches the branch and rebuilds our commit on its new tip, a
 * bounded number of times; if someone else changed one of our test files meanwhile, it stops and
 * says so. Never force-pushes a PR branch; a branch of our own (the side pull request's) is
 * replaced with a lease on the tip we read (`replaceTip`), so nothing pushed after that is lost.
 */

/** The identity of the bot commits (the Actions bot; GitHub shows its avatar). */
export const BOT_IDENTITY = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
} as const

/** A test file as we hold it: repository-relative path and content. */
export interface HeldFile {
  readonly path: string
  readonly content: string
}

/** The bytes committed for a held file: its content, ending in a newline. */
export function committedContent(file: HeldFile): string {
  return file.content.endsWith('\n') ? file.content : `${file.content}\n`
}

export interface CommitAndPushOptions {
  /** The workspace: its objects and remote config are used, nothing else of it. */
  readonly repoDir: string
  readonly remote?: string
  /** The PR head branch name (PR-controlled: validated, and only used inside a refspec). */
  readonly branch: string
  /** The commit the tests go on (the PR head they were generated on). */
  readonly parentSha: string
  /** The test files to commit, with their content; nothing else is committed. */
  readonly files: readonly HeldFile[]
  /** Commit message without the trailer. */
  readonly message: string
  readonly runId: string
  /** Push attempts in all (`github.pushAttempts`). */
  readonly maxAttempts: number
  readonly identity?: { readonly name: string; readonly email: string }
  /** Add `Signed-off-by:` with the commit's identity (`github.signoff`, DCO-enforced repositories). */
  readonly signoff?: boolean
  /** Called before each push attempt (tests use it to race us). */
  readonly beforePush?: (attempt: number) => Promise<void>
  /**
   * For a branch of our own only (the side pull request's): the push replaces the tip it had when
   * we read it (`expected`; undefined when it did not exist) and fails if it moved since.
   */
  readonly replaceTip?: { readonly expected: string | undefined }
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
  const remote = options.remote ?? 'origin'
  if (!isSafeBranchName(options.branch)) {
    throw new GitError(
      'GIT_BRANCH_INVALID',
      `refusing to push to the branch name ${JSON.stringify(options.branch)}`,
      'rename the PR branch to a plain name'
    )
  }
  if (!isSafeRemoteName(remote))
    throw new GitError('GIT_REMOTE_INVALID', `refusing the remote name ${JSON.stringify(remote)}`)
  const bad = options.files.find((f) => !isSafeRepoPath(f.path))
  if (bad !== undefined) {
    throw new GitError(
      'GIT_PATH_INVALID',
      `refusing to commit the path ${JSON.stringify(bad.path)}`,
      'generated tests are written under the test directory only'
    )
  }
  for (const sha of [options.parentSha, options.replaceTip?.expected]) {
    if (sha !== undefined && !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha))
      throw new GitError('GIT_SHA_INVALID', `not a commit SHA: ${JSON.stringify(sha)}`)
  }
  if (options.files.length === 0) return { status: 'nothing-to-commit' }

  const clean = await CleanGitDir.create(options.repoDir)
  try {
    return await commitAndPushIn(clean, remote, options)
  } finally {
    await clean.dispose()
  }
}

async function commitAndPushIn(
  clean: CleanGitDir,
  remote: string,
  options: CommitAndPushOptions
): Promise<PushOutcome> {
  const identity = options.identity ?? BOT_IDENTITY
  const botEnv = {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email
  }
  const git = clean.run.bind(clean)
  const must = async (
    doing: string,
    args: readonly string[],
    extra: Parameters<CleanGitDir['run']>[1] = {}
  ): Promise<string> => {
    const result = await git(args, extra)
    if (result.exitCode !== 0) throw fail(doing, result)
    return result.stdout.trim()
  }

  // Our blobs, written once: the bytes we hold, no filter between them and the object store.
  const blobs = new Map<string, string>()
  for (const file of options.files) {
    blobs.set(
      file.path,
      await must(`storing ${file.path}`, ['hash-object', '-w', '--no-filters', '--stdin'], {
        input: committedContent(file)
      })
    )
  }
  /** Our commit on `parent`: its tree with our blobs in place, or undefined when nothing changes. */
  const commitOn = async (parent: string): Promise<string | undefined> => {
    await must('reading the PR head tree', ['read-tree', parent], { index: true })
    const entries = [...blobs].map(([path, blob]) => `100644 ${blob}\t${path}\n`).join('')
    await must('staging the test files', ['update-index', '--add', '--index-info'], {
      index: true,
      input: entries
    })
    const tree = await must('writing the tree', ['write-tree'], { index: true })
    if (tree === (await must('reading the parent tree', ['rev-parse', `${parent}^{tree}`])))
      return undefined
    return must(
      'committing the test files',
      ['commit-tree', '--no-gpg-sign', tree, '-p', parent, '-F', '-'],
      {
        env: botEnv,
        input: withBotTrailer(
          options.message,
          options.runId,
          options.signoff ? identity : undefined
        )
      }
    )
  }

  let commit = await commitOn(options.parentSha)
  if (commit === undefined) return { status: 'nothing-to-commit' }
  const paths = options.files.map((f) => f.path)
  const tracking = `refs/testmaster/remote-head`
  let rebased = false
  let last: GitCommandResult | undefined
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    await options.beforePush?.(attempt)
    const lease = options.replaceTip
      ? [`--force-with-lease=refs/heads/${options.branch}:${options.replaceTip.expected ?? ''}`]
      : []
    const push = await git([
      'push',
      '--no-verify',
      '--porcelain',
      ...lease,
      '--',
      remote,
      `${commit}:refs/heads/${options.branch}`
    ])
    if (push.exitCode === 0)
      return { status: 'pushed', commitSha: commit, attempts: attempt, rebased }
    if (!isRaceRejection(push)) throw fail(`pushing to ${options.branch}`, push)
    last = push
    if (attempt === options.maxAttempts) break
    await must(`fetching ${options.branch} after a push race`, [
      'fetch',
      '--no-tags',
      '-q',
      '--',
      remote,
      `+refs/heads/${options.branch}:${tracking}`
    ])
    const theirs = await must('reading the new branch head', ['rev-parse', tracking])
    const base = await must('finding where the branch moved from', [
      'merge-base',
      options.parentSha,
      theirs
    ])
    const changed = (
      await must('listing what changed on the branch', [
        'diff-tree',
        '-r',
        '--no-renames',
        '--name-only',
        '-z',
        base,
        theirs
      ])
    )
      .split('\0')
      .filter((f) => f.length > 0)
    const overlap: string[] = []
    for (const path of paths.filter((f) => changed.includes(f))) {
      // The same content there already (our own earlier push) is no conflict.
      const there = await git(['rev-parse', '--verify', '-q', `${theirs}:${path}`])
      if (there.stdout.trim() !== blobs.get(path)) overlap.push(path)
    }
    if (overlap.length > 0) {
      return {
        status: 'conflict',
        files: overlap,
        detail: `someone else changed ${overlap.join(', ')} on ${options.branch} while TestMaster ran; not overwriting it. Run \`/testmaster regenerate\` to start again on the new head`
      }
    }
    const rebuilt = await commitOn(theirs)
    if (rebuilt === undefined) return { status: 'nothing-to-commit' }
    commit = rebuilt
    rebased = true
  }
  return {
    status: 'rejected',
    attempts: options.maxAttempts,
    detail: `the branch ${options.branch} kept moving: ${options.maxAttempts} push attempt(s) lost the race (${(last?.stderr ?? '').trim().split('\n')[0] ?? ''})`
  }
}

/** A remote name, never one that could read as an option or a path. */
function isSafeRemoteName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)
}
