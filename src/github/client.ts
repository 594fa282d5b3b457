import { Octokit, RequestError } from 'octokit'
import { GitHubError, messageOf } from '../errors.js'

/** The Octokit we use everywhere: retry and throttling plugins (from `octokit`), our base URL. */
export type GitHubClient = InstanceType<typeof Octokit>

export interface GitHubClientOptions {
  readonly token: string
  /** `GITHUB_API_URL` (GitHub Enterprise, or a test server on 127.0.0.1). */
  readonly baseUrl: string
  /**
   * Throttling spaces write requests about a second apart and waits out rate limits. Default: on,
   * except for a loopback base URL (a local test server has no rate limits).
   */
  readonly throttle?: boolean
  /** Milliseconds per retry-after unit of the retry plugin (tests shorten it). */
  readonly retryBaseMs?: number
  readonly log?: (message: string) => void
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]'
  } catch {
    return false
  }
}

/** A throttling handler: retry a limited request twice, logging each decision. */
function retryTwice(kind: string, log: (message: string) => void) {
  return (
    retryAfter: number,
    request: { method: string; url: string },
    _octokit: unknown,
    retryCount: number
  ): boolean => {
    const retry = retryCount < 2
    log(
      `GitHub ${kind} on ${request.method} ${request.url}; ${retry ? `retrying in ${retryAfter}s` : `giving up after ${retryCount} retries`}`
    )
    return retry
  }
}

/** The retry plugin's unit per client, so our own retries (create-once.ts) space attempts alike. */
const retryUnitMs = new WeakMap<GitHubClient, number>()

/** How long to wait before retry number `attempt` (1, 2, …): the retry plugin's 1, 4, 9 units. */
export function retryDelayMs(client: GitHubClient, attempt: number): number {
  return (retryUnitMs.get(client) ?? 1000) * attempt ** 2
}

/** Builds the client once per run. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log ?? (() => undefined)
  const throttle = options.throttle ?? !isLoopbackUrl(options.baseUrl)
  const client = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'testmaster',
    log: { debug: () => undefined, info: () => undefined, warn: log, error: log },
    retry: options.retryBaseMs !== undefined ? { retryAfterBaseValue: options.retryBaseMs } : {},
    throttle: throttle
      ? {
          onRateLimit: retryTwice('rate limit', log),
          onSecondaryRateLimit: retryTwice('secondary rate limit', log)
        }
      : { enabled: false }
  })
  if (options.retryBaseMs !== undefined) retryUnitMs.set(client, options.retryBaseMs)
  return client
}

/** The HTTP status of a failed API call, if it was one. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof RequestError) return error.status
  if (error && typeof error === 'object' && 'status' in error && typeof error.status === 'number')
    return error.status
  return undefined
}

/** Wraps an API failure into a GitHubError that says what we were doing and what to check. */
export function apiError(doing: string, error: unknown): GitHubError {
  const status = statusOf(error)
  const message = messageOf(error)
  const hint =
    status === 403
      ? 'the token lacks a permission (see the workflow `permissions:` block), or this is a fork PR whose token is read-only'
      : status === 404
        ? 'check the repository, pull request number and that the token can see them'
        : status === 401
          ? 'the token is invalid or expired'
          : 'GitHub may be unavailable; re-run the job'
  return new GitHubError(
    'GITHUB_API',
    `GitHub API failed while ${doing}: ${status ?? 'no status'} ${message}`,
    hint,
    {
      cause: error,
      status
    }
  )
}
