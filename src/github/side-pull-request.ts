import { apiError, type GitHubClient } from './client.js'
import { createOnce, NO_AUTOMATIC_RETRY } from './create-once.js'
import type { RepoRef } from './trigger-event.js'

/**
 * The side pull request (`delivery: pull-request`): one open PR from our side branch onto the PR
 * branch. A later run updates it; it is created only when none is open, and a create that failed
 * without an answer is looked up before it is sent again (create-once.ts).
 */

export interface SidePullRequestSpec {
  /** Our side branch (in the same repository). */
  readonly head: string
  /** The PR branch the tests are for. */
  readonly base: string
  readonly title: string
  readonly body: string
}

export interface SidePullRequest {
  readonly status: 'opened' | 'updated'
  readonly number: number
  readonly htmlUrl: string
}

/** The open pull request from `head` onto `base`, if there is one. */
export async function findSidePullRequest(
  client: GitHubClient,
  repo: RepoRef,
  spec: Pick<SidePullRequestSpec, 'head' | 'base'>
): Promise<{ number: number; htmlUrl: string } | undefined> {
  const { data } = await client.rest.pulls.list({
    ...repo,
    head: `${repo.owner}:${spec.head}`,
    base: spec.base,
    state: 'open',
    per_page: 10
  })
  const found = data.find((pr) => pr.head.ref === spec.head && pr.base.ref === spec.base)
  return found ? { number: found.number, htmlUrl: found.html_url } : undefined
}

/** Updates the open side pull request with this run's title and body, or opens it. */
export async function openOrUpdateSidePullRequest(
  client: GitHubClient,
  repo: RepoRef,
  spec: SidePullRequestSpec
): Promise<SidePullRequest> {
  let doing = `looking for the side pull request from ${spec.head}`
  try {
    const open = await findSidePullRequest(client, repo, spec)
    if (open) {
      doing = `updating the side pull request #${open.number}`
      await client.rest.pulls.update({
        ...repo,
        pull_number: open.number,
        title: spec.title,
        body: spec.body
      })
      return { status: 'updated', ...open }
    }
    doing = `opening the side pull request from ${spec.head} onto ${spec.base}`
    const outcome = await createOnce(client, {
      create: async () => {
        const { data } = await client.rest.pulls.create({
          ...repo,
          head: spec.head,
          base: spec.base,
          title: spec.title,
          body: spec.body,
          request: NO_AUTOMATIC_RETRY
        })
        return { number: data.number, htmlUrl: data.html_url }
      },
      findCreated: () => findSidePullRequest(client, repo, spec)
    })
    return {
      status: 'opened',
      ...(outcome.status === 'created' ? outcome.created : outcome.found)
    }
  } catch (error) {
    throw apiError(doing, error)
  }
}
