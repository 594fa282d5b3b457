import { messageOf } from '../errors.js'
import { readBotTrailer, withBotTrailer } from '../git/bot-trailer.js'
import { BOT_IDENTITY } from '../git/commit-and-push.js'
import { isSafeRepoPath } from '../git/git-command.js'
import { apiError, type GitHubClient } from './client.js'
import { createOnce, NO_AUTOMATIC_RETRY } from './create-once.js'
import type { RepoRef } from './trigger-event.js'

/**
 * Verified (signed by GitHub) commits through the GraphQL `createCommitOnBranch` mutation. The
 * `expectedHeadOid` makes the commit conditional: if the branch moved since we planned, GitHub
 * refuses it and we report "head moved" instead of overwriting anything (SECURITY 27). A mutation
 * that got no answer is not simply sent again (its retry would meet our own commit and read as
 * "head moved"): the branch tip is read first (create-once.ts).
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
  const additions: { path: string; contents: string }[] = []
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
  const headMoved: VerifiedCommitOutcome = {
    status: 'head-moved',
    detail: `the branch ${options.branch} moved after ${options.expectedHeadOid.slice(0, 12)}; the tests were not committed`
  }
  try {
    const outcome = await createOnce(client, {
      create: async (): Promise<VerifiedCommitOutcome> => {
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
            },
            request: NO_AUTOMATIC_RETRY
          })
          const commit = result.createCommitOnBranch.commit
          return {
            status: 'committed',
            commitSha: commit.oid,
            ...(commit.url ? { url: commit.url } : {})
          }
        } catch (error) {
          if (
            /expected branch to point to|expectedHeadOid|is at .* but expected/i.test(
              messageOf(error)
            )
          )
            return headMoved
          throw error
        }
      },
      findCreated: () => ourCommitAtTip(client, options)
    })
    return outcome.status === 'created' ? outcome.created : outcome.found
  } catch (error) {
    throw apiError('creating a verified commit', error)
  }
}

/**
 * After a mutation that got no answer: the branch's tip, when it is the commit that mutation made
 * (our run's trailer, on the expected head), so a retry does not end in a false "head moved".
 */
async function ourCommitAtTip(
  client: GitHubClient,
  options: { repo: RepoRef; branch: string; expectedHeadOid: string; runId: string }
): Promise<VerifiedCommitOutcome | undefined> {
  const { data: ref } = await client.rest.git.getRef({
    ...options.repo,
    ref: `heads/${options.branch}`
  })
  const { data } = await client.rest.git.getCommit({
    ...options.repo,
    commit_sha: ref.object.sha
  })
  const ours =
    data.parents.length === 1 &&
    data.parents[0]?.sha === options.expectedHeadOid &&
    readBotTrailer(data.message) === options.runId
  return ours ? { status: 'committed', commitSha: data.sha } : undefined
}
