import { messageOf } from '../errors.js'
import { withBotTrailer } from '../git/bot-trailer.js'
import { BOT_IDENTITY } from '../git/commit-and-push.js'
import { isSafeRepoPath } from '../git/git-command.js'
import { apiError, type GitHubClient } from './client.js'
import type { RepoRef } from './trigger-event.js'

/**
 * Verified (signed by GitHub) commits through the GraphQL `createCommitOnBranch` mutation. The
 * `expectedHeadOid` makes the commit conditional: if the branch moved since we planned, GitHub
 * refuses it and we report "head moved" instead of overwriting anything (SECURITY 27).
 */

export type VerifiedCommitOutcome =
  | { readonly status: 'committed'; readonly commitSha: string; readonly url?: string }
  | { readonly status: 'head-moved'; readonly detail: string }

const MUTATION = `mutation ($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) { commit { oid url } }
}`

export async function createVerifiedCommit(
  client: GitHubClient,
  options: {
    readonly repo: RepoRef
    readonly branch: string
    readonly expectedHeadOid: string
    /** The test files as we hold them (never read back from the work tree PR code ran in). */
    readonly files: readonly { readonly path: string; readonly content: string }[]
    readonly headline: string
    readonly body: string
    readonly runId: string
    /**
     * Add `Signed-off-by:` (`github.signoff`). It names the Actions bot, which GitHub makes the
     * author when the default token commits; an App or personal token commits as its own account.
     */
    readonly signoff?: boolean
  }
): Promise<VerifiedCommitOutcome> {
  const additions = []
  for (const { path, content } of options.files) {
    if (!isSafeRepoPath(path))
      throw new Error(`refusing to commit the path ${JSON.stringify(path)}`)
    const text = content.endsWith('\n') ? content : `${content}\n`
    additions.push({ path, contents: Buffer.from(text, 'utf8').toString('base64') })
  }
  const message = withBotTrailer(
    `${options.headline}\n\n${options.body}`,
    options.runId,
    options.signoff ? BOT_IDENTITY : undefined
  )
  const [headline, ...rest] = message.split('\n')
  try {
    const result = await client.graphql<{
      createCommitOnBranch: { commit: { oid: string; url?: string } }
    }>(MUTATION, {
      input: {
        branch: {
          repositoryNameWithOwner: `${options.repo.owner}/${options.repo.repo}`,
          branchName: options.branch
        },
        message: { headline: headline ?? options.headline, body: rest.join('\n').trim() },
        expectedHeadOid: options.expectedHeadOid,
        fileChanges: { additions }
      }
    })
    const commit = result.createCommitOnBranch.commit
    return {
      status: 'committed',
      commitSha: commit.oid,
      ...(commit.url ? { url: commit.url } : {})
    }
  } catch (error) {
    const text = messageOf(error)
    if (/expected branch to point to|expectedHeadOid|is at .* but expected/i.test(text)) {
      return {
        status: 'head-moved',
        detail: `the branch ${options.branch} moved after ${options.expectedHeadOid.slice(0, 12)}; the tests were not committed`
      }
    }
    throw apiError('creating a verified commit', error)
  }
}
