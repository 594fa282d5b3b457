import { z } from 'zod'

/**
 * The events we act on, parsed from the webhook payload with zod (only the fields we read).
 * `read-event.ts` in action/ reads the payload file; this module is pure.
 */

const Repo = z.object({
  full_name: z.string(),
  name: z.string(),
  owner: z.object({ login: z.string() }),
  default_branch: z.string().optional()
})

const User = z.object({ login: z.string(), type: z.string().optional() })

const PullRequest = z.object({
  number: z.number().int().positive(),
  draft: z.boolean().optional(),
  state: z.string().optional(),
  html_url: z.string().optional(),
  maintainer_can_modify: z.boolean().optional(),
  labels: z.array(z.object({ name: z.string() })).default([]),
  head: z.object({ sha: z.string(), ref: z.string(), repo: Repo.nullable().optional() }),
  base: z.object({ sha: z.string(), ref: z.string(), repo: Repo })
})
export type PullRequestPayload = z.infer<typeof PullRequest>

const PullRequestEvent = z.object({
  action: z.string(),
  number: z.number().int().positive().optional(),
  pull_request: PullRequest,
  repository: Repo,
  sender: User.optional()
})

const IssueCommentEvent = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number().int().positive(),
    pull_request: z.object({ url: z.string().optional() }).nullable().optional(),
    labels: z.array(z.object({ name: z.string() })).default([])
  }),
  comment: z.object({ id: z.number().int(), body: z.string().nullable().default(''), user: User }),
  repository: Repo,
  sender: User.optional()
})

const WorkflowDispatchEvent = z.object({
  inputs: z.record(z.string(), z.unknown()).nullable().optional(),
  repository: Repo,
  sender: User.optional()
})

export interface RepoRef {
  readonly owner: string
  readonly repo: string
}

/** The parts of a pull request a run needs, from a payload or from `pulls.get`. */
export interface PullRequestInfo {
  readonly number: number
  readonly draft: boolean
  readonly headSha: string
  readonly headRef: string
  readonly baseSha: string
  readonly baseRef: string
  /** Head repository is not the base repository (or was deleted): no push, no secrets. */
  readonly isFork: boolean
  readonly headRepoFullName?: string
  readonly maintainerCanModify: boolean
  readonly labels: readonly string[]
  readonly htmlUrl?: string
  readonly state?: string
}

export type TriggerEvent =
  | {
      readonly kind: 'pull_request' | 'pull_request_target'
      readonly action: string
      readonly repo: RepoRef
      readonly pullRequest: PullRequestInfo
      readonly sender?: string
    }
  | {
      readonly kind: 'issue_comment'
      readonly action: string
      readonly repo: RepoRef
      readonly issueNumber: number
      readonly isPullRequest: boolean
      readonly commentId: number
      readonly body: string
      readonly author: { readonly login: string; readonly type?: string }
    }
  | {
      readonly kind: 'workflow_dispatch'
      readonly repo: RepoRef
      /** The `pr-number` input (also accepted: `pull-request`, `pr`). */
      readonly prNumber?: number
      /** The `sha` input: pin the head the run must test. */
      readonly sha?: string
      readonly sender?: string
    }
  | { readonly kind: 'unsupported'; readonly name: string }

/** The pull-request fields of a REST `pulls.get` answer or a webhook payload. */
export function toPullRequestInfo(raw: unknown): PullRequestInfo {
  const pr = PullRequest.parse(raw)
  const baseRepo = pr.base.repo.full_name
  const headRepo = pr.head.repo?.full_name
  return {
    number: pr.number,
    draft: pr.draft ?? false,
    headSha: pr.head.sha,
    headRef: pr.head.ref,
    baseSha: pr.base.sha,
    baseRef: pr.base.ref,
    isFork: headRepo === undefined || headRepo.toLowerCase() !== baseRepo.toLowerCase(),
    ...(headRepo ? { headRepoFullName: headRepo } : {}),
    maintainerCanModify: pr.maintainer_can_modify ?? false,
    labels: pr.labels.map((l) => l.name),
    ...(pr.html_url ? { htmlUrl: pr.html_url } : {}),
    ...(pr.state ? { state: pr.state } : {})
  }
}

function repoRef(repo: z.infer<typeof Repo>): RepoRef {
  return { owner: repo.owner.login, repo: repo.name }
}

function dispatchNumber(inputs: Record<string, unknown> | null | undefined): number | undefined {
  const raw = inputs?.['pr-number'] ?? inputs?.['pull-request'] ?? inputs?.pr
  if (raw === undefined || raw === null || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0)
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['inputs', 'pr-number'],
        message: `must be a pull request number, got ${JSON.stringify(raw)}`,
        input: raw
      }
    ])
  return n
}

/**
 * Parses the event by name. Unknown events are `unsupported` (a notice and a clean exit); a known
 * event with a payload that does not fit throws the ZodError for the caller to report.
 */
export function parseTriggerEvent(name: string, payload: unknown): TriggerEvent {
  switch (name) {
    case 'pull_request':
    case 'pull_request_target': {
      const event = PullRequestEvent.parse(payload)
      return {
        kind: name,
        action: event.action,
        repo: repoRef(event.repository),
        pullRequest: toPullRequestInfo(event.pull_request),
        ...(event.sender ? { sender: event.sender.login } : {})
      }
    }
    case 'issue_comment': {
      const event = IssueCommentEvent.parse(payload)
      return {
        kind: 'issue_comment',
        action: event.action,
        repo: repoRef(event.repository),
        issueNumber: event.issue.number,
        isPullRequest: Boolean(event.issue.pull_request),
        commentId: event.comment.id,
        body: event.comment.body ?? '',
        author: {
          login: event.comment.user.login,
          ...(event.comment.user.type ? { type: event.comment.user.type } : {})
        }
      }
    }
    case 'workflow_dispatch': {
      const event = WorkflowDispatchEvent.parse(payload)
      const prNumber = dispatchNumber(event.inputs)
      const sha = event.inputs?.sha
      return {
        kind: 'workflow_dispatch',
        repo: repoRef(event.repository),
        ...(prNumber !== undefined ? { prNumber } : {}),
        ...(typeof sha === 'string' && sha.trim() ? { sha: sha.trim() } : {}),
        ...(event.sender ? { sender: event.sender.login } : {})
      }
    }
    default:
      return { kind: 'unsupported', name }
  }
}
