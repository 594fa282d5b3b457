import { setTimeout as sleep } from 'node:timers/promises'
import { retryDelayMs, statusOf, type GitHubClient } from './client.js'

/**
 * A POST that creates (a comment, a pull request) is not idempotent: GitHub can create the thing
 * and then fail to answer (a 502 from its front end, a dropped connection). Octokit's retry plugin
 * would send the same POST again and leave a duplicate. So creates are sent with the plugin's
 * retries off (`NO_AUTOMATIC_RETRY`), and after each failure that may hide a create we look for
 * what the failed attempt made before trying again.
 */

/** Per-request option that turns the retry plugin off for one call (`request: NO_AUTOMATIC_RETRY`). */
export const NO_AUTOMATIC_RETRY = { retries: 0 } as const

export interface CreateOnceSteps<Created, Found> {
  /** Sends the create once, with `request: NO_AUTOMATIC_RETRY`. */
  readonly create: () => Promise<Created>
  /** Looks up what an attempt that failed may have created; undefined when there is nothing. */
  readonly findCreated: () => Promise<Found | undefined>
  /** Create attempts in all (default 3, as many as the retry plugin would make). */
  readonly attempts?: number
}

/** What the create answered, or (`found`) what a failed create had made, as the lookup found it. */
export type CreateOnceOutcome<Created, Found> =
  | { readonly status: 'created'; readonly created: Created }
  | { readonly status: 'found'; readonly found: Found }

/**
 * Whether a failed create may still have created: a server error, a timeout or no answer at all
 * (Octokit reports a dropped connection as a 500) may hide one; any other answer (403, 404, 422, a
 * GraphQL error) says nothing was made.
 */
export function mayHaveCreated(error: unknown): boolean {
  const status = statusOf(error)
  return status !== undefined && (status >= 500 || status === 408)
}

/** Creates at most one thing: create; on a failure that may hide a create, look it up; else retry. */
export async function createOnce<Created, Found>(
  client: GitHubClient,
  steps: CreateOnceSteps<Created, Found>
): Promise<CreateOnceOutcome<Created, Found>> {
  const attempts = steps.attempts ?? 3
  for (let attempt = 1; ; attempt++) {
    try {
      return { status: 'created', created: await steps.create() }
    } catch (error) {
      if (!mayHaveCreated(error)) throw error
      // A lookup that fails leaves us not knowing: give up rather than risk a duplicate.
      const found = await steps.findCreated().catch(() => {
        throw error
      })
      if (found !== undefined) return { status: 'found', found }
      if (attempt >= attempts) throw error
      await sleep(retryDelayMs(client, attempt))
    }
  }
}
