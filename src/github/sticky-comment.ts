import { z } from 'zod'
import { emptyLedger, parseLedger, type Ledger } from '../budget/ledger.js'
import { COMMENT_MAX_CHARS } from '../report/render-comment.js'
import type { Report } from '../report/report-schema.js'
import { truncateMarkdown } from '../report/escape-markdown.js'
import { apiError, type GitHubClient } from './client.js'
import { createOnce, NO_AUTOMATIC_RETRY } from './create-once.js'
import type { RepoRef } from './trigger-event.js'

/**
 * The one TestMaster comment per PR: found by a hidden marker over every page of comments,
 * updated in place, carrying the PR ledger (and a budget raised by `/testmaster budget`) in a
 * hidden block that is read back only from comments our bot wrote (SECURITY 15).
 */

export const STICKY_MARKER = '<!-- testmaster:sticky -->'
const STATE_OPEN = '<!-- testmaster:state '
const STATE_CLOSE = ' -->'

const StateSchema = z.object({
  v: z.literal(1),
  ledger: z.unknown(),
  prBudgetUsd: z.number().finite().min(0).optional()
})

export interface StickyState {
  readonly ledger: Ledger
  /** This PR's budget as raised by `/testmaster budget`, if it was. */
  readonly prBudgetUsd?: number
}

/** The hidden block. Base64 keeps `-->` and anything else out of the HTML comment. */
export function encodeState(state: StickyState): string {
  const json = JSON.stringify({
    v: 1,
    ledger: state.ledger,
    ...(state.prBudgetUsd !== undefined ? { prBudgetUsd: state.prBudgetUsd } : {})
  })
  return `${STATE_OPEN}${Buffer.from(json, 'utf8').toString('base64')}${STATE_CLOSE}`
}

/** Reads the hidden block of a body; a missing or damaged block gives undefined. */
export function decodeState(body: string): StickyState | undefined {
  const start = body.lastIndexOf(STATE_OPEN)
  if (start < 0) return undefined
  const end = body.indexOf(STATE_CLOSE, start + STATE_OPEN.length)
  if (end < 0) return undefined
  const encoded = body.slice(start + STATE_OPEN.length, end).trim()
  if (!/^[A-Za-z0-9+/=]*$/.test(encoded)) return undefined
  try {
    const parsed = StateSchema.safeParse(
      JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))
    )
    if (!parsed.success) return undefined
    const ledger = parseLedger(parsed.data.ledger)
    if (!ledger) return undefined
    return {
      ledger,
      ...(parsed.data.prBudgetUsd !== undefined ? { prBudgetUsd: parsed.data.prBudgetUsd } : {})
    }
  } catch {
    return undefined
  }
}

/** Builds the full comment body: marker, visible text (cut to fit), hidden state. */
export function buildStickyBody(
  visible: string,
  state: StickyState,
  maxChars = COMMENT_MAX_CHARS
): string {
  const stateBlock = encodeState(state)
  const room = maxChars - STICKY_MARKER.length - stateBlock.length - 4
  return `${STICKY_MARKER}\n${truncateMarkdown(visible, room)}\n\n${stateBlock}`
}

export interface CommentAuthor {
  readonly login: string
  readonly type?: string
}

/**
 * Whether a comment author is our bot: the token's own user when known (a personal token), else a
 * Bot account (`github-actions[bot]`, or a GitHub App's `<slug>[bot]`). A person's comment that
 * copies our marker and ledger is never trusted.
 */
export function isBotAuthor(author: CommentAuthor | null | undefined, selfLogin?: string): boolean {
  if (!author) return false
  if (selfLogin !== undefined && author.login.toLowerCase() === selfLogin.toLowerCase()) return true
  return author.type === 'Bot' && author.login.endsWith('[bot]')
}

export interface StickyComment {
  readonly id: number
  readonly body: string
  readonly htmlUrl: string
  readonly state: StickyState
  /** Our comment's hidden state block is missing or does not decode: earlier spend is unknown. */
  readonly stateUnreadable?: boolean
}

/** Searches every page of the PR's comments for our marker, oldest first. */
export async function findStickyComment(
  client: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  selfLogin?: string
): Promise<StickyComment | undefined> {
  try {
    const pages = client.paginate.iterator(client.rest.issues.listComments, {
      ...repo,
      issue_number: issueNumber,
      per_page: 100
    })
    for await (const page of pages) {
      for (const comment of page.data) {
        const body = comment.body ?? ''
        if (!body.startsWith(STICKY_MARKER) || !isBotAuthor(comment.user, selfLogin)) continue
        const state = decodeState(body)
        return {
          id: comment.id,
          body,
          htmlUrl: comment.html_url,
          state: state ?? { ledger: emptyLedger() },
          ...(state ? {} : { stateUnreadable: true })
        }
      }
    }
    return undefined
  } catch (error) {
    throw apiError(`listing the comments of #${issueNumber}`, error)
  }
}

export type UpsertOutcome = {
  readonly status: 'created' | 'updated' | 'unchanged'
  readonly id: number
  readonly htmlUrl: string
}

/**
 * Creates the sticky comment, or updates the one found, in place. A create that fails in a way that
 * may hide a created comment (502, dropped connection) looks the comment up again before retrying,
 * so the PR never gets a second one.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  body: string,
  existing: StickyComment | undefined,
  /** The token's own login when known (a personal token), for that lookup. */
  selfLogin?: string
): Promise<UpsertOutcome> {
  const doing = `${existing ? 'updating' : 'creating'} the TestMaster comment on #${issueNumber}`
  try {
    if (existing) return await updateSticky(client, repo, existing, body)
    const outcome = await createOnce(client, {
      create: async () => {
        const { data } = await client.rest.issues.createComment({
          ...repo,
          issue_number: issueNumber,
          body,
          request: NO_AUTOMATIC_RETRY
        })
        return { id: data.id, htmlUrl: data.html_url }
      },
      findCreated: async () =>
        findStickyComment(client, repo, issueNumber, selfLogin ?? (await tokenLogin(client)))
    })
    if (outcome.status === 'created') return { status: 'created', ...outcome.created }
    // The failed attempt's comment (or one another run wrote meanwhile): brought up to this body.
    return { ...(await updateSticky(client, repo, outcome.found, body)), status: 'created' }
  } catch (error) {
    throw apiError(doing, error)
  }
}

async function updateSticky(
  client: GitHubClient,
  repo: RepoRef,
  existing: StickyComment,
  body: string
): Promise<UpsertOutcome> {
  if (existing.body === body)
    return { status: 'unchanged', id: existing.id, htmlUrl: existing.htmlUrl }
  const { data } = await client.rest.issues.updateComment({
    ...repo,
    comment_id: existing.id,
    body
  })
  return { status: 'updated', id: data.id, htmlUrl: data.html_url }
}

/** The login behind the token when it is a user token; installation tokens cannot ask (403). */
export async function tokenLogin(client: GitHubClient): Promise<string | undefined> {
  try {
    const { data } = await client.rest.users.getAuthenticated()
    return data.login
  } catch {
    return undefined
  }
}

/**
 * `comment-mode`: `update` always writes the comment; `on-change` leaves an existing one alone
 * when the run changed nothing a reader cares about (no test, no spend, no failure).
 */
export function commentWanted(
  mode: 'update' | 'on-change',
  exists: boolean,
  report: Report
): boolean {
  if (mode === 'update' || !exists) return true
  return (
    report.totals.accepted > 0 ||
    report.gate.failed ||
    report.budget.spentUsd > 0 ||
    report.delivery.status === 'failed' ||
    report.delivery.status === 'head-moved'
  )
}
