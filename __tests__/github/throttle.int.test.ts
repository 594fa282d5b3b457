import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { statusOf, createGitHubClient, type GitHubClient } from '../../src/github/client.js'
import { getPullRequest, replyOnPullRequest } from '../../src/github/pull-requests.js'
import type { FakeGitHub } from '../helpers/fake-github-server.js'
import {
  FIXTURE_REPO as repo,
  startPullRequestFixture,
  type PullRequestFixture
} from '../helpers/pull-request-fixture.js'

/**
 * Secondary rate limits (issue 7, "API client"): GitHub answers 403 with `retry-after` and a
 * message naming the secondary rate limit; the throttling plugin waits that long and retries.
 * The client turns throttling off for loopback URLs, so these tests force it on (`throttle: true`).
 * A small proxy in front of the OpenAPI-validated fake server answers the rate-limited requests
 * (the fake server's faults carry no headers) and passes everything else through.
 */

/** The body GitHub sends with a secondary rate limit (REST docs, "About secondary rate limits"). */
const SECONDARY_LIMIT = {
  message:
    'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.',
  documentation_url:
    'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
}

interface Arrival {
  readonly method: string
  readonly path: string
  readonly at: number
  readonly status: number
}

/** Forwards to `target`, answering the next `limited` matching requests with a secondary limit. */
class RateLimitingProxy {
  readonly arrivals: Arrival[] = []
  private rule:
    { method: string; path: RegExp; times: number; retryAfterSeconds: number } | undefined

  private constructor(
    private readonly server: Server,
    readonly url: string
  ) {}

  /** Answers the next `times` requests matching method and path with a secondary rate limit. */
  limit(method: string, path: RegExp, times: number, retryAfterSeconds = 1): void {
    this.rule = { method, path, times, retryAfterSeconds }
  }

  static async start(target: string): Promise<RateLimitingProxy> {
    const holder: { proxy?: RateLimitingProxy } = {}
    const server = createServer((req, res) => {
      const proxy = holder.proxy
      if (!proxy) return
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://proxy').pathname
        const at = Date.now()
        const rule = proxy.rule
        if (rule && rule.times > 0 && req.method === rule.method && rule.path.test(path)) {
          rule.times--
          proxy.arrivals.push({ method: req.method, path, at, status: 403 })
          res.writeHead(403, {
            'content-type': 'application/json; charset=utf-8',
            'retry-after': String(rule.retryAfterSeconds),
            'x-ratelimit-limit': '5000',
            'x-ratelimit-remaining': '4990',
            'x-ratelimit-resource': 'core'
          })
          res.end(JSON.stringify(SECONDARY_LIMIT))
          return
        }
        const upstream = request(
          `${target}${req.url ?? '/'}`,
          { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
          (answer) => {
            proxy.arrivals.push({
              method: req.method ?? '',
              path,
              at,
              status: answer.statusCode ?? 0
            })
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
          }
        )
        upstream.end(Buffer.concat(chunks))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    holder.proxy = new RateLimitingProxy(server, `http://127.0.0.1:${port}`)
    return holder.proxy
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

describe('GitHub client: secondary rate limits (throttling forced on for the loopback server)', () => {
  let fixture: PullRequestFixture
  let gh: FakeGitHub
  let proxy: RateLimitingProxy
  let logs: string[]

  const commentPath = /^\/repos\/acme\/widgets\/issues\/7\/comments$/
  const pullPath = /^\/repos\/acme\/widgets\/pulls\/7$/
  const client = (throttle?: boolean): GitHubClient =>
    createGitHubClient({
      token: 'ghs_test',
      baseUrl: proxy.url,
      log: (message) => logs.push(message),
      ...(throttle !== undefined ? { throttle } : {})
    })

  beforeEach(async () => {
    fixture = await startPullRequestFixture('tm-throttle-')
    gh = fixture.gh
    proxy = await RateLimitingProxy.start(gh.url)
    logs = []
  })

  afterEach(async () => {
    try {
      gh.assertValid()
    } finally {
      await proxy.close()
      await fixture.close()
    }
  })

  it('a 403 secondary rate limit with retry-after: 1 on a comment is retried after the delay and succeeds', async () => {
    proxy.limit('POST', commentPath, 1)
    await replyOnPullRequest(client(true), repo, 7, 'hello after the limit')
    expect(proxy.arrivals.map((a) => [a.method, a.status])).toEqual([
      ['POST', 403],
      ['POST', 201]
    ])
    const [limited, retried] = proxy.arrivals
    // At least the retry-after second (a comment also waits for the plugin's 3 s spacing of
    // requests that notify people, so the upper bound is checked on a read below).
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950)
    expect(gh.commentsOn(7).map((c) => c.body)).toEqual(['hello after the limit'])
    expect(logs).toEqual([
      'GitHub secondary rate limit on POST /repos/{owner}/{repo}/issues/{issue_number}/comments; retrying in 1s'
    ])
  })

  it('the wait is the retry-after of the answer (a read, which no write spacing delays)', async () => {
    proxy.limit('GET', pullPath, 1)
    const pr = await getPullRequest(client(true), repo, 7)
    expect(pr.number).toBe(7)
    expect(proxy.arrivals.map((a) => a.status)).toEqual([403, 200])
    const [limited, retried] = proxy.arrivals
    const gap = (retried?.at ?? 0) - (limited?.at ?? 0)
    expect(gap).toBeGreaterThanOrEqual(950)
    expect(gap).toBeLessThan(2500)
  })

  it('gives up after two retries and surfaces the 403', async () => {
    proxy.limit('GET', pullPath, 3)
    const error = await getPullRequest(client(true), repo, 7).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(statusOf(error)).toBe(403)
    expect(String(error)).toMatch(/secondary rate limit/)
    expect(proxy.arrivals.map((a) => a.status)).toEqual([403, 403, 403])
    const limit = 'GitHub secondary rate limit on GET /repos/{owner}/{repo}/pulls/{pull_number}'
    expect(logs).toEqual([
      `${limit}; retrying in 1s`,
      `${limit}; retrying in 1s`,
      `${limit}; giving up after 2 retries`
    ])
  })

  it('without throttle: true a loopback client does not wait out the limit (why these tests force it)', async () => {
    // A long retry-after, so that "did not wait" holds with room to spare on a loaded machine.
    proxy.limit('POST', commentPath, 1, 30)
    const started = Date.now()
    const error = await replyOnPullRequest(client(), repo, 7, 'not retried').then(
      () => undefined,
      (e: unknown) => e
    )
    expect(statusOf(error)).toBe(403)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(proxy.arrivals.map((a) => a.status)).toEqual([403])
    expect(gh.commentsOn(7)).toEqual([])
  })
})
