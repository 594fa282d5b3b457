/**
 * A fake GitHub REST API on 127.0.0.1 holding state (pull requests, comments, reactions, check
 * runs, labels, permissions) whose every request and response is validated against GitHub's
 * OpenAPI description (`@octokit/openapi`, `generated/api.github.com.json` only). Git refs live in
 * a real bare repository: a PR's head SHA is read from it, and a post-receive hook keeps
 * `refs/pull/<n>/head` in step with pushes to the PR branch, as GitHub does.
 *
 * Objects are built from the spec's own examples with our fields overridden, so they carry every
 * required property. A validation failure is recorded (and answered with a 500) and
 * `assertValid()` throws it, so a test cannot pass on a call the real API would not accept.
 *
 *   const gh = await FakeGitHub.start({ owner: 'acme', repo: 'widgets', bareRepo })
 *   gh.addPullRequest({ number: 1, headRef: 'feature', baseRef: 'main' })
 *   gh.setPermission('maintainer', 'write', 'maintain')
 *   ... GITHUB_API_URL=gh.url ...
 *   gh.assertValid(); await gh.close()
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

const require = createRequire(import.meta.url)

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies checked by the OpenAPI schemas
type Json = any

interface OpenApiOperation {
  readonly template: string
  readonly regex: RegExp
  readonly params: readonly string[]
  readonly method: string
  readonly operation: Json
}

let specCache: Json
function loadSpec(): Json {
  specCache ??= JSON.parse(
    readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')
  )
  return specCache
}

let ajvCache: Ajv | undefined
function sharedAjv(): Ajv {
  if (!ajvCache) {
    // OpenAPI 3.0 schemas: `nullable` is understood by ajv; other extension keywords are ignored.
    ajvCache = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
      discriminator: false
    })
    const addFormats =
      (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
      addFormatsModule
    ;(addFormats as unknown as (ajv: Ajv) => void)(ajvCache)
    // GitHub's own formats, which ajv-formats does not know (it warns on each compile otherwise).
    ajvCache.addFormat('repo.nwo', /^[^/\s]+\/[^/\s]+$/)
    ajvCache.addFormat('binary', true)
    ajvCache.addFormat('timestamp', true)
    ajvCache.addSchema(loadSpec(), 'gh')
  }
  return ajvCache
}

const validatorCache = new Map<string, ValidateFunction>()
function validatorFor(pointer: string): ValidateFunction {
  let validate = validatorCache.get(pointer)
  if (!validate) {
    validate = sharedAjv().compile({ $ref: `gh#${pointer}` })
    validatorCache.set(pointer, validate)
  }
  return validate
}

function escapePointer(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1')
}

let operationsCache: OpenApiOperation[] | undefined
function operations(): OpenApiOperation[] {
  if (operationsCache) return operationsCache
  const list: OpenApiOperation[] = []
  for (const [template, item] of Object.entries<Json>(loadSpec().paths)) {
    const params: string[] = []
    const pattern = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{([^}]+)\}/g, (_m, name: string) => {
        params.push(name)
        return '([^/]+)'
      })
    for (const method of ['get', 'post', 'patch', 'put', 'delete']) {
      if (item[method])
        list.push({
          template,
          regex: new RegExp(`^${pattern}$`),
          params,
          method,
          operation: item[method]
        })
    }
  }
  // Literal segments beat parameters: `/pulls/comments` before `/pulls/{pull_number}`.
  list.sort((a, b) => a.params.length - b.params.length)
  operationsCache = list
  return list
}

function findOperation(method: string, path: string): OpenApiOperation | undefined {
  return operations().find((op) => op.method === method.toLowerCase() && op.regex.test(path))
}

function example(name: string): Json {
  return structuredClone(loadSpec().components.examples[name].value)
}

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly body: Json
  /** The status answered; 0 when the connection was closed without an answer. */
  readonly status: number
  readonly operation?: string
  readonly authorization?: string
}

export interface PullRequestSetup {
  readonly number: number
  readonly headRef: string
  readonly baseRef: string
  readonly draft?: boolean
  readonly labels?: readonly string[]
  /** Head in another repository: GitHub keeps its commits under refs/pull/<n>/head. */
  readonly fork?: { readonly owner: string; readonly maintainerCanModify?: boolean }
}

interface PullState extends PullRequestSetup {
  labels: string[]
}

export interface Fault {
  readonly method: string
  readonly path: RegExp
  /** The status answered, or `drop`: the connection is closed with no answer. */
  readonly status: number | 'drop'
  /** How many matching requests fail before the real answer. */
  times: number
  readonly body?: Json
  /** The request takes effect first (GitHub made the comment), and only then fails. */
  readonly afterEffect?: boolean
}

export interface CreatedPull {
  readonly number: number
  readonly head: string
  readonly base: string
  title: string
  body: string
  state: 'open' | 'closed'
}

interface CommentState {
  id: number
  issue: number
  body: string
  user: { login: string; type: 'User' | 'Bot' }
  created_at: string
  updated_at: string
}

export interface FakeGitHubOptions {
  readonly owner: string
  readonly repo: string
  /** The bare repository that plays the role of GitHub's git storage. */
  readonly bareRepo: string
  /** Login of the token's user (a personal token). Unset: an installation token, `/user` is 403. */
  readonly tokenUser?: string
  /** The token's bot account, author of what it posts. */
  readonly botLogin?: string
  /** Answer 403 to writes (comments, check runs, reactions, labels), like a fork PR's read-only token. */
  readonly readOnly?: boolean
  /** Environment for git child processes. */
  readonly gitEnv?: NodeJS.ProcessEnv
}

function git(cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, env: env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout.trim())
    )
  })
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = []
  readonly validationErrors: string[] = []
  readonly faults: Fault[] = []
  readonly comments: CommentState[] = []
  readonly reactions: { commentId: number; content: string }[] = []
  readonly checkRuns: {
    name: string
    head_sha: string
    external_id?: string
    conclusion?: string
    output?: {
      title?: string
      summary?: string
      annotations?: {
        path: string
        start_line: number
        end_line: number
        annotation_level: string
        title?: string
        message: string
      }[]
    }
  }[] = []
  /** Pull requests the client opened (POST /pulls), as they are now. */
  readonly createdPulls: CreatedPull[] = []
  readonly graphqlCalls: Json[] = []
  /** Runs before each GraphQL request is served (a test can move a branch at that moment). */
  beforeGraphql: (() => void) | undefined
  private readonly pulls = new Map<number, PullState>()
  private readonly permissions = new Map<string, { permission: string; role_name: string }>()
  private nextId = 1000
  private clock = Date.UTC(2026, 0, 2, 0, 0, 0)
  readOnly: boolean

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly options: FakeGitHubOptions
  ) {
    this.readOnly = options.readOnly ?? false
  }

  /** Starts the server on an ephemeral port of 127.0.0.1. */
  static async start(options: FakeGitHubOptions): Promise<FakeGitHub> {
    operations()
    const holder: { instance?: FakeGitHub } = {}
    const server = createServer((req, res) => {
      void holder.instance?.handle(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('no address')
    const instance = new FakeGitHub(server, `http://127.0.0.1:${address.port}`, options)
    holder.instance = instance
    return instance
  }

  get botLogin(): string {
    return this.options.botLogin ?? 'github-actions[bot]'
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  /** Throws when any request or response did not match GitHub's OpenAPI description. */
  assertValid(): void {
    if (this.validationErrors.length > 0)
      throw new Error(`OpenAPI validation failed:\n${this.validationErrors.join('\n')}`)
  }

  private now(): string {
    this.clock += 1000
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }

  /** Registers a PR; its head is read from the bare repo, and kept in refs/pull/<n>/head. */
  async addPullRequest(setup: PullRequestSetup): Promise<void> {
    this.pulls.set(setup.number, { ...setup, labels: [...(setup.labels ?? [])] })
    if (!setup.fork) {
      const sha = await git(
        this.options.bareRepo,
        ['rev-parse', `refs/heads/${setup.headRef}`],
        this.options.gitEnv
      )
      await git(
        this.options.bareRepo,
        ['update-ref', `refs/pull/${setup.number}/head`, sha],
        this.options.gitEnv
      )
      await this.writeHook()
    }
  }

  private async writeHook(): Promise<void> {
    const cases = [...this.pulls.values()]
      .filter((p) => !p.fork)
      .map(
        (p) => `    refs/heads/${p.headRef}) git update-ref refs/pull/${p.number}/head "$new" ;;`
      )
      .join('\n')
    const hooks = join(this.options.bareRepo, 'hooks')
    await mkdir(hooks, { recursive: true })
    const path = join(hooks, 'post-receive')
    await writeFile(
      path,
      `#!/bin/sh\nwhile read old new ref; do\n  case "$ref" in\n${cases}\n  esac\ndone\n`
    )
    await chmod(path, 0o755)
  }

  setPermission(
    login: string,
    permission: 'admin' | 'write' | 'read' | 'none',
    roleName?: string
  ): void {
    this.permissions.set(login, { permission, role_name: roleName ?? permission })
  }

  /** Fails the next `times` requests matching method and path with `status`. */
  addFault(method: string, path: RegExp, status: number, times = 1, body?: Json): void {
    this.faults.push({ method, path, status, times, ...(body ? { body } : {}) })
  }

  /**
   * Lets the next `times` matching requests take effect, then answers `status` (a 502 from
   * GitHub's front end) or, with `drop`, closes the connection without an answer.
   */
  addFaultAfterEffect(method: string, path: RegExp, status: number | 'drop', times = 1): void {
    this.faults.push({ method, path, status, times, afterEffect: true })
  }

  /** Adds a comment as if someone had posted it. */
  seedComment(
    issue: number,
    body: string,
    user: { login: string; type?: 'User' | 'Bot' } = { login: 'someone' }
  ): number {
    const id = this.nextId++
    const at = this.now()
    this.comments.push({
      id,
      issue,
      body,
      user: { login: user.login, type: user.type ?? 'User' },
      created_at: at,
      updated_at: at
    })
    return id
  }

  commentsOn(issue: number): CommentState[] {
    return this.comments.filter((c) => c.issue === issue)
  }

  labelsOf(number: number): string[] {
    return [...(this.pulls.get(number)?.labels ?? [])]
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET')
  }

  // ---------------------------------------------------------------- objects

  private userObject(login: string, type: 'User' | 'Bot'): Json {
    const user = example('issue-comment').user
    const path = encodeURIComponent(login)
    return {
      ...user,
      login,
      id: type === 'Bot' ? 41898282 : 1,
      type,
      html_url: `https://github.com/${path}`,
      url: `https://api.github.com/users/${path}`
    }
  }

  private repoSlug(): string {
    return `${this.options.owner}/${this.options.repo}`
  }

  private commentObject(c: CommentState): Json {
    const base = example('issue-comment')
    return {
      ...base,
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `https://api.github.com/repos/${this.repoSlug()}/issues/comments/${c.id}`,
      html_url: `https://github.com/${this.repoSlug()}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `https://api.github.com/repos/${this.repoSlug()}/issues/${c.issue}`,
      body: c.body,
      user: this.userObject(c.user.login, c.user.type),
      created_at: c.created_at,
      updated_at: c.updated_at
    }
  }

  private labelObjects(names: readonly string[]): Json[] {
    const template = example('label-items')[0]
    return names.map((name, i) => ({
      ...template,
      id: 500 + i,
      node_id: `LA_${i}`,
      name,
      url: `https://api.github.com/repos/${this.repoSlug()}/labels/${encodeURIComponent(name)}`
    }))
  }

  private async pullObject(pull: PullState): Promise<Json> {
    const pr = example('pull-request')
    const headSha = await git(
      this.options.bareRepo,
      ['rev-parse', `refs/pull/${pull.number}/head`],
      this.options.gitEnv
    )
    const baseSha = await git(
      this.options.bareRepo,
      ['rev-parse', `refs/heads/${pull.baseRef}`],
      this.options.gitEnv
    )
    const baseRepo = {
      ...pr.base.repo,
      name: this.options.repo,
      full_name: this.repoSlug(),
      owner: { ...pr.base.repo.owner, login: this.options.owner }
    }
    const headOwner = pull.fork?.owner ?? this.options.owner
    const headRepo = {
      ...pr.head.repo,
      name: this.options.repo,
      full_name: `${headOwner}/${this.options.repo}`,
      fork: Boolean(pull.fork),
      owner: { ...pr.head.repo.owner, login: headOwner }
    }
    return {
      ...pr,
      number: pull.number,
      id: pull.number,
      html_url: `https://github.com/${this.repoSlug()}/pull/${pull.number}`,
      state: 'open',
      draft: pull.draft ?? false,
      labels: this.labelObjects(pull.labels),
      requested_teams: [],
      requested_reviewers: [],
      maintainer_can_modify: pull.fork?.maintainerCanModify ?? false,
      head: {
        ...pr.head,
        ref: pull.headRef,
        sha: headSha,
        label: `${headOwner}:${pull.headRef}`,
        repo: headRepo
      },
      base: {
        ...pr.base,
        ref: pull.baseRef,
        sha: baseSha,
        label: `${this.options.owner}:${pull.baseRef}`,
        repo: baseRepo
      }
    }
  }

  /** The next fault for this request, counted as used. */
  private takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.times > 0 && f.method === method && f.path.test(path))
    if (fault) fault.times--
    return fault
  }

  /** A commit of the bare repository as `GET /repos/{owner}/{repo}/git/commits/{sha}` gives it; undefined when there is none. */
  private async gitCommitObject(sha: string): Promise<Json> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return undefined
    const shown = await git(
      this.options.bareRepo,
      ['show', '-s', '--format=%H%x00%P%x00%T%x00%B', sha],
      this.options.gitEnv
    ).catch(() => undefined)
    if (shown === undefined) return undefined
    const [oid = '', parents = '', tree = '', message = ''] = shown.split('\0')
    const link = (oid: string) =>
      `https://api.github.com/repos/${this.repoSlug()}/git/commits/${oid}`
    const base = example('git-commit')
    return {
      ...base,
      sha: oid,
      node_id: `C_${oid}`,
      url: link(oid),
      html_url: `https://github.com/${this.repoSlug()}/commit/${oid}`,
      message: message.trim(),
      tree: { ...base.tree, sha: tree },
      parents: parents
        .split(' ')
        .filter(Boolean)
        .map((p) => ({
          sha: p,
          url: link(p),
          html_url: `https://github.com/${this.repoSlug()}/commit/${p}`
        }))
    }
  }

  private async branchSha(ref: string): Promise<string | undefined> {
    return git(
      this.options.bareRepo,
      ['rev-parse', '--verify', '-q', `refs/heads/${ref}`],
      this.options.gitEnv
    ).catch(() => undefined)
  }

  /** A pull request the client opened, between two branches of this repository. */
  private async createdPullObject(pull: CreatedPull): Promise<Json> {
    const pr = example('pull-request')
    const repo = {
      ...pr.base.repo,
      name: this.options.repo,
      full_name: this.repoSlug(),
      owner: { ...pr.base.repo.owner, login: this.options.owner }
    }
    const end = async (ref: string) => ({
      ...pr.head,
      ref,
      sha: (await this.branchSha(ref)) ?? '0'.repeat(40),
      label: `${this.options.owner}:${ref}`,
      repo
    })
    return {
      ...pr,
      number: pull.number,
      id: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      draft: false,
      labels: [],
      requested_teams: [],
      requested_reviewers: [],
      html_url: `https://github.com/${this.repoSlug()}/pull/${pull.number}`,
      head: await end(pull.head),
      base: await end(pull.base)
    }
  }

  private validationFailed(error: Json): [number, Json] {
    return [
      422,
      {
        message: 'Validation Failed',
        documentation_url: 'https://docs.github.com/rest',
        errors: [error]
      }
    ]
  }

  // ---------------------------------------------------------------- http

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', this.url)
    const method = (req.method ?? 'GET').toUpperCase()
    let body: Json
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      body = text
    }
    const record = (status: number, operation?: string): void => {
      this.requests.push({
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
        status,
        ...(operation ? { operation } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {})
      })
    }
    const send = (status: number, payload: Json, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      res.end(payload === undefined ? '' : JSON.stringify(payload))
    }

    if (url.pathname === '/graphql' && method === 'POST') {
      // GraphQL is not in the REST description; the mutation's input shape is checked by hand.
      const fault = this.takeFault(method, url.pathname)
      if (fault && !fault.afterEffect && fault.status !== 'drop') {
        record(fault.status, 'graphql')
        send(fault.status, { message: `injected ${fault.status}` })
        return
      }
      if (!fault || fault.afterEffect) await this.graphql(body, fault ? () => undefined : send)
      if (fault?.status === 'drop') {
        record(0, 'graphql')
        res.destroy()
      } else if (fault) {
        record(fault.status, 'graphql')
        send(fault.status, { message: `injected ${fault.status}` })
      } else record(200, 'graphql')
      return
    }
    const op = findOperation(method, url.pathname)
    if (!op) {
      this.validationErrors.push(
        `${method} ${url.pathname}: no such operation in GitHub's OpenAPI description`
      )
      record(404)
      send(404, { message: 'Not Found' })
      return
    }
    const opName = `${op.method.toUpperCase()} ${op.template}`
    const requestSchema = op.operation.requestBody?.content?.['application/json']?.schema
    if (requestSchema) {
      const pointer = `/paths/${escapePointer(op.template)}/${op.method}/requestBody/content/application~1json/schema`
      const validate = validatorFor(pointer)
      if (!validate(body))
        this.validationErrors.push(`request ${opName}: ${sharedAjv().errorsText(validate.errors)}`)
    }
    const params: Record<string, string> = {}
    const match = op.regex.exec(url.pathname)
    op.params.forEach((name, i) => (params[name] = decodeURIComponent(match?.[i + 1] ?? '')))

    const fault = this.takeFault(method, url.pathname)
    let status = 500
    let payload: Json
    let headers: Record<string, string> = {}
    if (!fault || fault.afterEffect) {
      try {
        ;[status, payload, headers = {}] = await this.route(opName, params, url.searchParams, body)
      } catch (error) {
        this.validationErrors.push(`handler ${opName} failed: ${String(error)}`)
        status = 500
        payload = { message: String(error) }
      }
    }
    if (fault?.status === 'drop') {
      record(0, opName)
      res.destroy()
      return
    }
    if (fault) {
      status = fault.status
      headers = {}
      payload = fault.body ?? {
        message: `injected ${fault.status}`,
        documentation_url: 'https://docs.github.com/rest'
      }
    }
    try {
      this.validateResponse(op, opName, status, payload)
    } catch (error) {
      this.validationErrors.push(
        `response ${opName}: its schema does not compile: ${String(error)}`
      )
    }
    record(status, opName)
    send(status, payload, headers)
  }

  private validateResponse(
    op: OpenApiOperation,
    opName: string,
    status: number,
    payload: Json
  ): void {
    let response = op.operation.responses?.[String(status)]
    let pointer = `/paths/${escapePointer(op.template)}/${op.method}/responses/${status}`
    if (response?.$ref) {
      pointer = String(response.$ref).slice(1)
      response = loadSpec().components.responses[String(response.$ref).split('/').pop() ?? '']
    }
    if (!response) {
      if (status >= 400) {
        // Undocumented error statuses (an injected 500) still carry GitHub's error shape.
        const validate = validatorFor('/components/schemas/basic-error')
        if (!validate(payload))
          this.validationErrors.push(
            `response ${status} ${opName}: ${sharedAjv().errorsText(validate.errors)}`
          )
        return
      }
      this.validationErrors.push(`response ${opName}: status ${status} is not documented`)
      return
    }
    if (!response.content?.['application/json']?.schema) return
    const validate = validatorFor(`${pointer}/content/application~1json/schema`)
    if (!validate(payload))
      this.validationErrors.push(
        `response ${status} ${opName}: ${sharedAjv().errorsText(validate.errors)}`
      )
  }

  private forbidden(): [number, Json] {
    return [
      403,
      {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
        status: '403'
      }
    ]
  }

  private async route(
    op: string,
    p: Record<string, string>,
    query: URLSearchParams,
    body: Json
  ): Promise<[number, Json, Record<string, string>?]> {
    if (
      (p.owner !== undefined && p.owner !== this.options.owner) ||
      (p.repo !== undefined && p.repo !== this.options.repo)
    ) {
      return [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }]
    }
    const notFound: [number, Json] = [
      404,
      { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }
    ]
    switch (op) {
      case 'GET /user': {
        if (!this.options.tokenUser) return this.forbidden()
        const user = example('private-user')
        return [200, { ...user, login: this.options.tokenUser, type: 'User' }]
      }
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}': {
        const pull = this.pulls.get(Number(p.pull_number))
        return pull ? [200, await this.pullObject(pull)] : notFound
      }
      case 'POST /repos/{owner}/{repo}/pulls': {
        if (this.readOnly) return this.forbidden()
        // As GitHub: both branches must exist, and one open PR per head and base.
        for (const [field, ref] of [
          ['head', body.head],
          ['base', body.base]
        ] as const) {
          if (!(await this.branchSha(String(ref))))
            return this.validationFailed({ resource: 'PullRequest', field, code: 'invalid' })
        }
        if (
          this.createdPulls.some(
            (pull) => pull.state === 'open' && pull.head === body.head && pull.base === body.base
          )
        ) {
          return this.validationFailed({
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${this.options.owner}:${body.head}.`
          })
        }
        const created: CreatedPull = {
          number: 101 + this.createdPulls.length,
          head: body.head,
          base: body.base,
          title: body.title,
          body: body.body ?? '',
          state: 'open'
        }
        this.createdPulls.push(created)
        return [201, await this.createdPullObject(created)]
      }
      case 'GET /repos/{owner}/{repo}/pulls': {
        const state = query.get('state') ?? 'open'
        const head = query.get('head')
        const base = query.get('base')
        const matching = this.createdPulls.filter(
          (pull) =>
            (state === 'all' || pull.state === state) &&
            (!head || head === `${this.options.owner}:${pull.head}`) &&
            (!base || base === pull.base)
        )
        return [200, await Promise.all(matching.map((pull) => this.createdPullObject(pull)))]
      }
      case 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}': {
        if (this.readOnly) return this.forbidden()
        const pull = this.createdPulls.find((c) => c.number === Number(p.pull_number))
        if (!pull) return notFound
        if (typeof body.title === 'string') pull.title = body.title
        if (typeof body.body === 'string') pull.body = body.body
        if (body.state === 'open' || body.state === 'closed') pull.state = body.state
        return [200, await this.createdPullObject(pull)]
      }
      case 'GET /repos/{owner}/{repo}/git/ref/{ref}': {
        const ref = p.ref ?? ''
        const sha = ref.startsWith('heads/') ? await this.branchSha(ref.slice(6)) : undefined
        if (!sha) return notFound
        return [
          200,
          {
            ref: `refs/${ref}`,
            node_id: `REF_${sha}`,
            url: `https://api.github.com/repos/${this.repoSlug()}/git/refs/${ref}`,
            object: {
              type: 'commit',
              sha,
              url: `https://api.github.com/repos/${this.repoSlug()}/git/commits/${sha}`
            }
          }
        ]
      }
      case 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}': {
        const commit = await this.gitCommitObject(p.commit_sha ?? '')
        return commit ? [200, commit] : notFound
      }
      case 'GET /repos/{owner}/{repo}/collaborators/{username}/permission': {
        const entry = this.permissions.get(p.username ?? '')
        if (!entry) return notFound
        const user = {
          ...this.userObject(p.username ?? '', 'User'),
          permissions: {
            admin: entry.permission === 'admin',
            maintain: entry.role_name === 'maintain',
            push: ['write', 'admin'].includes(entry.permission),
            triage: entry.permission !== 'none',
            pull: entry.permission !== 'none'
          },
          role_name: entry.role_name
        }
        return [200, { permission: entry.permission, role_name: entry.role_name, user }]
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const all = this.commentsOn(Number(p.issue_number))
        const perPage = Math.min(100, Number(query.get('per_page') ?? 30))
        const page = Math.max(1, Number(query.get('page') ?? 1))
        const slice = all.slice((page - 1) * perPage, page * perPage)
        const last = Math.max(1, Math.ceil(all.length / perPage))
        const link = (n: number, rel: string): string =>
          `<${this.url}/repos/${this.repoSlug()}/issues/${p.issue_number}/comments?per_page=${perPage}&page=${n}>; rel="${rel}"`
        const links = []
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
        if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'))
        return [
          200,
          slice.map((c) => this.commentObject(c)),
          links.length > 0 ? { link: links.join(', ') } : {}
        ]
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        if (this.readOnly) return this.forbidden()
        if (typeof body?.body === 'string' && body.body.length > 65536) {
          return [
            422,
            {
              message: 'Validation Failed',
              documentation_url: 'https://docs.github.com/rest',
              errors: [
                {
                  resource: 'IssueComment',
                  code: 'custom',
                  field: 'body',
                  message: 'body is too long (maximum is 65536 characters)'
                }
              ]
            }
          ]
        }
        const id = this.seedComment(Number(p.issue_number), body.body, {
          login: this.options.tokenUser ?? this.botLogin,
          type: this.options.tokenUser ? 'User' : 'Bot'
        })
        const created = this.comments.find((c) => c.id === id)
        return [
          201,
          created ? this.commentObject(created) : undefined,
          { location: `${this.url}/repos/${this.repoSlug()}/issues/comments/${id}` }
        ]
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        if (this.readOnly) return this.forbidden()
        const comment = this.comments.find((c) => c.id === Number(p.comment_id))
        if (!comment) return notFound
        if (typeof body?.body === 'string' && body.body.length > 65536) {
          return [
            422,
            {
              message: 'Validation Failed',
              documentation_url: 'https://docs.github.com/rest',
              errors: [
                {
                  resource: 'IssueComment',
                  code: 'custom',
                  field: 'body',
                  message: 'body is too long (maximum is 65536 characters)'
                }
              ]
            }
          ]
        }
        comment.body = body.body
        comment.updated_at = this.now()
        return [200, this.commentObject(comment)]
      }
      case 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions': {
        if (this.readOnly) return this.forbidden()
        this.reactions.push({ commentId: Number(p.comment_id), content: body.content })
        const reaction = example('reaction')
        return [
          201,
          {
            ...reaction,
            id: this.nextId++,
            content: body.content,
            user: this.userObject(this.botLogin, 'Bot')
          }
        ]
      }
      case 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': {
        const name = query.get('check_name')
        const runs = this.checkRuns.filter(
          (c) => c.head_sha === p.ref && (name === null || c.name === name)
        )
        const check = example('check-run')
        return [
          200,
          {
            total_count: runs.length,
            check_runs: runs.map((c, i) => ({
              ...check,
              id: i + 1,
              name: c.name,
              head_sha: c.head_sha,
              external_id: c.external_id ?? null,
              html_url: `https://github.com/${this.repoSlug()}/runs/check-${i + 1}`,
              status: 'completed',
              conclusion: c.conclusion ?? null,
              output: {
                ...check.output,
                title: c.output?.title ?? null,
                summary: c.output?.summary ?? null
              }
            }))
          }
        ]
      }
      case 'POST /repos/{owner}/{repo}/check-runs': {
        if (this.readOnly) return this.forbidden()
        this.checkRuns.push({
          name: body.name,
          head_sha: body.head_sha,
          conclusion: body.conclusion,
          output: body.output,
          ...(body.external_id ? { external_id: body.external_id } : {})
        })
        const check = example('check-run')
        return [
          201,
          {
            ...check,
            id: this.nextId++,
            name: body.name,
            head_sha: body.head_sha,
            external_id: body.external_id ?? null,
            status: body.status ?? 'queued',
            conclusion: body.conclusion ?? null,
            html_url: `https://github.com/${this.repoSlug()}/runs/${this.nextId}`,
            output: {
              ...check.output,
              title: body.output?.title ?? null,
              summary: body.output?.summary ?? null
            }
          }
        ]
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': {
        if (this.readOnly) return this.forbidden()
        const pull = this.pulls.get(Number(p.issue_number))
        if (!pull) return notFound
        for (const label of body.labels ?? [])
          if (!pull.labels.includes(label)) pull.labels.push(label)
        return [200, this.labelObjects(pull.labels)]
      }
      case 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': {
        if (this.readOnly) return this.forbidden()
        const pull = this.pulls.get(Number(p.issue_number))
        if (!pull || !pull.labels.includes(p.name ?? '')) return notFound
        pull.labels = pull.labels.filter((l) => l !== p.name)
        return [200, this.labelObjects(pull.labels)]
      }
      default:
        this.validationErrors.push(`the fake server does not implement ${op}`)
        return notFound
    }
  }

  /** `createCommitOnBranch` on the bare repo: refused when the branch is not at expectedHeadOid. */
  private async graphql(body: Json, send: (status: number, payload: Json) => void): Promise<void> {
    this.graphqlCalls.push(body)
    this.beforeGraphql?.()
    const input = body?.variables?.input
    if (
      !/createCommitOnBranch/.test(String(body?.query)) ||
      !input?.branch?.branchName ||
      !input?.expectedHeadOid ||
      !input?.message?.headline
    ) {
      send(200, { data: null, errors: [{ message: 'unsupported query or missing input' }] })
      return
    }
    const bare = this.options.bareRepo
    const env = this.options.gitEnv
    const ref = `refs/heads/${input.branch.branchName}`
    const head = await git(bare, ['rev-parse', ref], env).catch(() => '')
    if (head !== input.expectedHeadOid) {
      send(200, {
        data: { createCommitOnBranch: null },
        errors: [
          {
            type: 'STALE_DATA',
            message: `Expected branch to point to "${input.expectedHeadOid}" but it did not. Pull and try again.`
          }
        ]
      })
      return
    }
    const indexFile = join(bare, `tm-index-${this.nextId++}`)
    const ienv = { ...(env ?? process.env), GIT_INDEX_FILE: indexFile }
    await git(bare, ['read-tree', head], ienv)
    for (const addition of input.fileChanges?.additions ?? []) {
      const blob = await new Promise<string>((resolve, reject) => {
        const child = execFile(
          'git',
          ['hash-object', '-w', '--stdin'],
          { cwd: bare, env: ienv, encoding: 'utf8' },
          (error, stdout) => (error ? reject(new Error(error.message)) : resolve(stdout.trim()))
        )
        child.stdin?.end(Buffer.from(addition.contents, 'base64'))
      })
      await git(
        bare,
        ['update-index', '--add', '--cacheinfo', `100644,${blob},${addition.path}`],
        ienv
      )
    }
    const tree = await git(bare, ['write-tree'], ienv)
    const message = `${input.message.headline}${input.message.body ? `\n\n${input.message.body}` : ''}`
    const commit = await git(
      bare,
      [
        '-c',
        'user.name=GitHub',
        '-c',
        'user.email=noreply@github.com',
        'commit-tree',
        tree,
        '-p',
        head,
        '-m',
        message
      ],
      ienv
    )
    await git(bare, ['update-ref', ref, commit, head], env)
    for (const pull of this.pulls.values()) {
      if (!pull.fork && pull.headRef === input.branch.branchName)
        await git(bare, ['update-ref', `refs/pull/${pull.number}/head`, commit], env)
    }
    send(200, {
      data: {
        createCommitOnBranch: {
          commit: { oid: commit, url: `https://github.com/${this.repoSlug()}/commit/${commit}` }
        }
      }
    })
  }
}
