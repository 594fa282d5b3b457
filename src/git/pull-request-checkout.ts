import { GitError } from '../errors.js'
import { isSafeBranchName, tryGit } from './git-command.js'

/**
 * Brings a pull request's base and head into the local checkout and checks out the pinned head.
 * The workflow of a comment command runs on the default branch, and a `pull_request` checkout is
 * GitHub's merge commit, so the action fetches `refs/pull/<n>/head` itself and tests exactly the
 * SHA it pinned (SECURITY 11, 12). Only numbers and SHAs reach git's command line; the base branch
 * name appears only inside a refspec.
 */

export interface PullRequestRefs {
  readonly number: number
  readonly baseRef: string
  readonly baseSha: string
  /** The head SHA pinned when the run was requested. */
  readonly headSha: string
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/

/** The local ref the PR head is fetched into. */
export function pullHeadRef(number: number): string {
  return `refs/testmaster/pull/${number}/head`
}

export type FetchOutcome =
  | { readonly status: 'ok'; readonly fetchedHeadSha: string }
  /** The PR head on the remote is no longer the pinned SHA. */
  | { readonly status: 'head-moved'; readonly fetchedHeadSha: string }

/** Fetches the base branch and the PR head (full history, so the merge base is found). */
export async function fetchPullRequest(
  repoDir: string,
  refs: PullRequestRefs,
  remote = 'origin'
): Promise<FetchOutcome> {
  if (!Number.isInteger(refs.number) || refs.number <= 0)
    throw new GitError('GIT_PR_NUMBER', `not a pull request number: ${refs.number}`)
  if (!isSafeBranchName(refs.baseRef))
    throw new GitError(
      'GIT_BRANCH_INVALID',
      `refusing the base branch name ${JSON.stringify(refs.baseRef)}`
    )
  if (!SHA.test(refs.headSha) || !SHA.test(refs.baseSha)) {
    throw new GitError(
      'GIT_SHA_INVALID',
      `not a commit SHA: ${JSON.stringify(SHA.test(refs.headSha) ? refs.baseSha : refs.headSha)}`
    )
  }
  const shallow =
    (await tryGit(repoDir, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true'
  const fetch = await tryGit(repoDir, [
    'fetch',
    '--no-tags',
    '-q',
    ...(shallow ? ['--unshallow'] : []),
    '--',
    remote,
    `+refs/heads/${refs.baseRef}:refs/testmaster/base`,
    `+refs/pull/${refs.number}/head:${pullHeadRef(refs.number)}`
  ])
  if (fetch.exitCode !== 0) {
    throw new GitError(
      'GIT_FETCH',
      `could not fetch pull request #${refs.number} (base ${refs.baseRef}): ${fetch.stderr.trim().split('\n').slice(-2).join(' ')}`,
      'the checkout needs read access to the repository (actions/checkout with the default token)'
    )
  }
  const fetchedHeadSha = (
    await tryGit(repoDir, ['rev-parse', '--verify', `${pullHeadRef(refs.number)}^{commit}`])
  ).stdout.trim()
  for (const sha of [refs.baseSha]) {
    const present = await tryGit(repoDir, ['cat-file', '-e', `${sha}^{commit}`])
    if (present.exitCode !== 0) {
      throw new GitError(
        'GIT_REF_NOT_FOUND',
        `the base commit ${sha.slice(0, 12)} of pull request #${refs.number} is not in the fetched history`,
        'the base branch may have been force-pushed; re-run the job'
      )
    }
  }
  return fetchedHeadSha === refs.headSha
    ? { status: 'ok', fetchedHeadSha }
    : { status: 'head-moved', fetchedHeadSha }
}

/**
 * Checks out a commit (a SHA) detached, forced: the tests an earlier run on the same workspace
 * wrote are untracked there (the bot commit is built elsewhere, `commit-and-push.ts`) and must not
 * stand in the way. In a job the checkout is fresh, so nothing of the user's is lost.
 */
export async function checkoutDetached(repoDir: string, sha: string): Promise<void> {
  if (!SHA.test(sha))
    throw new GitError('GIT_SHA_INVALID', `not a commit SHA: ${JSON.stringify(sha)}`)
  const result = await tryGit(repoDir, [
    '-c',
    'advice.detachedHead=false',
    'checkout',
    '-q',
    '--force',
    '--detach',
    sha
  ])
  if (result.exitCode !== 0) {
    throw new GitError(
      'GIT_CHECKOUT',
      `could not check out ${sha.slice(0, 12)}: ${result.stderr.trim().split('\n')[0] ?? ''}`,
      'check that the workspace is a checkout of the repository (actions/checkout first)'
    )
  }
}
