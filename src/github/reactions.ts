import type { GitHubClient } from './client.js'
import type { RepoRef } from './trigger-event.js'

export type ReactionContent = 'eyes' | 'rocket' | 'confused'

/**
 * Reacts to the command comment: eyes when work starts, rocket or confused when it ends. A
 * reaction is a courtesy: failing to add one never fails the run, it only returns false.
 */
export async function react(
  client: GitHubClient,
  repo: RepoRef,
  commentId: number,
  content: ReactionContent
): Promise<boolean> {
  try {
    await client.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content })
    return true
  } catch {
    return false
  }
}
