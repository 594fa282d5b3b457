import { GitError } from '../errors.js'
import { readBotTrailer } from './bot-trailer.js'
import { CleanGitDir } from './clean-git.js'
import { commitAndPush, committedContent, type HeldFile } from './commit-and-push.js'
import type { GitCommandResult } from './git-command.js'

/**
 * The side pull request's branch: one per PR (`testmaster/pr-<n>`), holding one commit of ours,
 * the accepted tests on the PR head they were generated on. A later run replaces that commit
 * (with a lease on the tip it read) rather than opening a second branch, and leaves it alone when
 * it already holds the same tests on the same head. Once a person pushed onto the branch it is
 * theirs: it is never overwritten.
 */

export function sideBranchName(pullRequestNumber: number): string {
  return `testmaster/pr-${pullRequestNumber}`
}

export interface SideBranchOptions {
  /** The workspace: its objects and remote config are used, nothing else of it. */
  readonly repoDir: string
  readonly remote?: string
  readonly branch: string
  /** The PR head the tests were generated on: the parent of our commit. */
  readonly parentSha: string
  readonly files: readonly HeldFile[]
  /** Commit message without the trailer. */
  readonly message: string
  readonly runId: string
  /** Add `Signed-off-by:` (`github.signoff`). */
  readonly signoff?: boolean
}

export type SideBranchOutcome =
  | { readonly status: 'pushed'; readonly commitSha: string; readonly replaced: boolean }
  /** The branch already holds exactly these tests on this head: nothing pushed. */
  | { readonly status: 'unchanged'; readonly commitSha: string }
  /** The PR head already holds these tests. */
  | { readonly status: 'nothing-to-commit' }
  /** Not pushed: someone else's commit is on the branch, or it moved while we pushed. */
  | { readonly status: 'refused'; readonly detail: string }

/** The side branch on the remote as we found it. */
type RemoteTip =
  | { readonly kind: 'absent' }
  | { readonly kind: 'ours'; readonly tip: string; readonly holdsOurs: boolean }
  | { readonly kind: 'theirs'; readonly tip: string; readonly author: string }

/** Pushes our commit to the side branch, or says why it did not. */
export async function pushSideBranch(options: SideBranchOptions): Promise<SideBranchOutcome> {
  const remote = options.remote ?? 'origin'
  const found = await readRemoteTip(options, remote)
  if (found.kind === 'theirs')
    return {
      status: 'refused',
      detail: `${options.branch} has a commit by ${found.author} (${found.tip.slice(0, 12)}) on top of TestMaster's; not overwriting it. Merge or close that pull request, or delete the branch, to get new tests there`
    }
  if (found.kind === 'ours' && found.holdsOurs) return { status: 'unchanged', commitSha: found.tip }
  const expected = found.kind === 'ours' ? found.tip : undefined
  const pushed = await commitAndPush({
    repoDir: options.repoDir,
    remote,
    branch: options.branch,
    parentSha: options.parentSha,
    files: options.files,
    message: options.message,
    runId: options.runId,
    maxAttempts: 1,
    replaceTip: { expected },
    ...(options.signoff !== undefined ? { signoff: options.signoff } : {})
  })
  switch (pushed.status) {
    case 'pushed':
      return { status: 'pushed', commitSha: pushed.commitSha, replaced: expected !== undefined }
    case 'nothing-to-commit':
      return pushed
    case 'conflict':
    case 'rejected':
      return {
        status: 'refused',
        detail: `${options.branch} moved while TestMaster pushed to it; not overwriting it`
      }
  }
}

/**
 * Reads the branch's tip in a clean git directory (nothing PR code planted runs): absent, a
 * commit of ours (trailer, one parent) and whether it is exactly our commit-to-be, or someone
 * else's.
 */
async function readRemoteTip(options: SideBranchOptions, remote: string): Promise<RemoteTip> {
  const clean = await CleanGitDir.create(options.repoDir)
  try {
    const must = async (doing: string, args: readonly string[], input?: string) => {
      const result = await clean.run(args, input !== undefined ? { input } : {})
      if (result.exitCode !== 0) throw failure(doing, result)
      return result.stdout.trim()
    }
    const ref = `refs/heads/${options.branch}`
    const listed = await must(`looking for ${options.branch} on ${remote}`, [
      'ls-remote',
      '--',
      remote,
      ref
    ])
    const tip = listed.split(/\s+/)[0]
    if (!tip) return { kind: 'absent' }
    await must(`fetching ${options.branch}`, [
      'fetch',
      '--no-tags',
      '-q',
      '--',
      remote,
      `+${ref}:refs/testmaster/side-branch`
    ])
    const [parents = '', author = '', message = ''] = (
      await must(`reading the tip of ${options.branch}`, [
        'log',
        '-1',
        '--format=%P%x00%an <%ae>%x00%B',
        tip
      ])
    ).split('\0')
    const parentList = parents.split(' ').filter(Boolean)
    if (!readBotTrailer(message) || parentList.length !== 1) return { kind: 'theirs', tip, author }
    if (parentList[0] !== options.parentSha) return { kind: 'ours', tip, holdsOurs: false }
    // Same head: the tip is ours-to-be when it changes exactly our files, to exactly our bytes.
    const changed = (
      await must('listing the files of the tip', [
        'diff-tree',
        '-r',
        '--no-renames',
        '--name-only',
        '-z',
        options.parentSha,
        tip
      ])
    )
      .split('\0')
      .filter(Boolean)
      .sort()
    const ours = options.files.map((f) => f.path).sort()
    let holdsOurs = changed.join('\0') === ours.join('\0')
    for (const file of holdsOurs ? options.files : []) {
      const there = await clean.run(['rev-parse', '--verify', '-q', `${tip}:${file.path}`])
      const mine = await must(
        `hashing ${file.path}`,
        ['hash-object', '--no-filters', '--stdin'],
        committedContent(file)
      )
      if (there.stdout.trim() !== mine) holdsOurs = false
    }
    return { kind: 'ours', tip, holdsOurs }
  } finally {
    await clean.dispose()
  }
}

function failure(doing: string, result: GitCommandResult): GitError {
  return new GitError(
    'GIT_COMMAND',
    `git failed while ${doing}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`,
    'check that the checkout can push to the repository (token permissions `contents: write`)'
  )
}
