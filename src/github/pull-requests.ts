import { apiError, type GitHubClient } from './client.js'
import { toPullRequestInfo, type PullRequestInfo, type RepoRef } from './trigger-event.js'

/** Reads a pull request as it is now (`pulls.get`): the head SHA to pin, fork status, labels. */
export async function getPullRequest(
  client: GitHubClient,
  repo: RepoRef,
  number: number
): Promise<PullRequestInfo> {
  try {
    const { data } = await client.rest.pulls.get({ ...repo, pull_number: number })
    return toPullRequestInfo(data)
  } catch (error) {
    throw apiError(`reading pull request #${number}`, error)
  }
}

/** Posts a plain reply on the PR conversation (help text, refusals). Returns its URL. */
export async function replyOnPullRequest(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  body: string
): Promise<string> {
  try {
    const { data } = await client.rest.issues.createComment({ ...repo, issue_number: number, body })
    return data.html_url
  } catch (error) {
    throw apiError(`replying on pull request #${number}`, error)
  }
}

/** Adds or removes a label (the skip switch of `/testmaster skip` and `resume`). */
export async function setLabel(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  label: string,
  present: boolean
): Promise<void> {
  try {
    if (present) {
      await client.rest.issues.addLabels({ ...repo, issue_number: number, labels: [label] })
    } else {
      await client.rest.issues.removeLabel({ ...repo, issue_number: number, name: label })
    }
  } catch (error) {
    // Removing a label that is not there is already the state we want.
    if (!present && (error as { status?: number }).status === 404) return
    throw apiError(`${present ? 'adding' : 'removing'} the label ${label} on #${number}`, error)
  }
}
