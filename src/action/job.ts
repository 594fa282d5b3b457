import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { messageOf } from '../errors.js'
import { postCheckRun, type checkRunContent } from '../github/check-run.js'
import type { GitHubClient } from '../github/client.js'
import { replyOnPullRequest } from '../github/pull-requests.js'
import { react } from '../github/reactions.js'
import type { PullRequestInfo, RepoRef, TriggerEvent } from '../github/trigger-event.js'
import type { SecretGuard } from '../report/secret-guard.js'
import type { ActionInputs } from './read-inputs.js'
import type { Trigger } from './trigger.js'

/** What every phase of one action job shares: who asked, how to answer, and the secrets to keep. */
export interface Job {
  readonly env: NodeJS.ProcessEnv
  readonly inputs: ActionInputs
  /** Every secret the job holds, searched for in everything that leaves (SECURITY 37). */
  readonly guard: SecretGuard
  readonly event: TriggerEvent
  readonly trigger: Trigger
  readonly client: GitHubClient
  /** The token's own login, when GitHub tells it (an app token does not). */
  readonly selfLogin: string | undefined
  readonly workspace: string
  readonly runId: string
}

/** A job's pull request once pinned: its head is fixed for the whole run (SECURITY 11). */
export interface PinnedJob extends Job {
  readonly pr: PullRequestInfo
  readonly pinnedSha: string
}

export function runIdFrom(env: NodeJS.ProcessEnv): string {
  const id = env.GITHUB_RUN_ID
  if (id && /^\d+$/.test(id))
    return `gh-${id}-${/^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1'}`
  return `local-${randomUUID()}`
}

/** A log group around one phase. */
export async function group<T>(name: string, work: () => Promise<T>): Promise<T> {
  core.startGroup(name)
  try {
    return await work()
  } finally {
    core.endGroup()
  }
}

/** A reply that never fails the run (a fork's read-only token answers 403). */
export async function tryReply(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  body: string
): Promise<void> {
  try {
    await replyOnPullRequest(client, repo, number, body)
  } catch (error) {
    core.warning(`could not reply on #${number}: ${messageOf(error)}`)
  }
}

/** The command comment's final reaction: rocket when it did what was asked, confused when not. */
export async function finishReaction(
  client: GitHubClient,
  trigger: Trigger,
  ok: boolean
): Promise<void> {
  if (trigger.commentId !== undefined)
    await react(client, trigger.repo, trigger.commentId, ok ? 'rocket' : 'confused')
}

/** A check run that never fails the run: the job status carries the gate when it cannot be posted. */
export async function tryCheckRun(
  job: Pick<Job, 'client' | 'trigger' | 'runId'>,
  sha: string,
  content: ReturnType<typeof checkRunContent>
): Promise<void> {
  try {
    await postCheckRun(job.client, job.trigger.repo, sha, content, job.runId)
  } catch (error) {
    core.warning(`${messageOf(error)} (the job status carries the gate instead)`)
  }
}
