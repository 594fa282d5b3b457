import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { encode } from 'gpt-tokenizer/encoding/o200k_base'

/**
 * A scripted OpenAI-compatible server on 127.0.0.1 (DESIGN "How we test"): real HTTP, the
 * chat-completions wire format with `usage`, a script of which answer goes to which request, fault
 * injection, and a log of what it served. Tests sum the spend from this log, independently of the
 * client's own accounting.
 */

export interface ScriptedAnswer {
  /** The assistant message. */
  readonly content?: string
  /** `stop` by default; `length` for an answer cut at the output cap. */
  readonly finishReason?: 'stop' | 'length'
  /** Error status instead of an answer (429, 500, 503, 401, 400...). */
  readonly status?: number
  /** Extra response headers (`retry-after`). */
  readonly headers?: Readonly<Record<string, string>>
  /** Wait before answering. */
  readonly delayMs?: number
  /** Never answer; the connection stays open until the client gives up. */
  readonly hang?: boolean
  /** Close the socket without an answer. */
  readonly drop?: boolean
  /** Leave `usage` out of the answer (the log still bills what was generated). */
  readonly omitUsage?: boolean
  /** Report (and bill) this many completion tokens, whatever the cap (a server ignoring it). */
  readonly completionTokens?: number
  /** Prompt tokens reported as cached. */
  readonly cachedTokens?: number
  /** Cut the answer to the request's output cap and finish with `length`. */
  readonly truncateToCap?: boolean
  /** Fields merged over the `usage` object as sent (a server reporting garbage: `"lots"`, -5). */
  readonly usageFields?: Readonly<Record<string, unknown>>
}

export interface ChatRequestBody {
  readonly model?: string
  readonly messages?: readonly { role: string; content: string }[]
  readonly max_tokens?: number
  readonly max_completion_tokens?: number
  readonly reasoning_effort?: string
  readonly [key: string]: unknown
}

export interface ServedRequest {
  /** 1-based order of arrival. */
  readonly n: number
  readonly method: string
  readonly path: string
  readonly authorization: string | undefined
  readonly body: ChatRequestBody
  /** The output cap the request asked for, whichever parameter carried it. */
  readonly outputCap: number | undefined
  /** The last user message, for scripts that answer by content. */
  readonly userText: string
}

export interface LogEntry {
  readonly request: ServedRequest
  readonly status: number
  readonly outcome: 'answered' | 'error' | 'hung' | 'dropped' | 'client-gone'
  /** What was generated and billable: the true usage, reported or not. */
  readonly billed: {
    readonly promptTokens: number
    readonly completionTokens: number
    readonly cachedTokens: number
  }
  readonly content?: string
  readonly startedAt: number
  readonly endedAt: number
}

export type Script = readonly ScriptedAnswer[] | ((request: ServedRequest) => ScriptedAnswer)

export interface FakeOpenAiServerOptions {
  /** Answers in order (the last repeats), or a function of the request. */
  readonly script: Script
  /** Added to every answer's delay. */
  readonly delayMs?: number
  /** What `GET /models/{id}` answers, per model id (404 for others). */
  readonly models?: Readonly<Record<string, Readonly<Record<string, unknown>>>>
}

/** Prompt tokens the way the server counts them: content plus chat framing. */
export function serverPromptTokens(messages: readonly { role: string; content: string }[]): number {
  let total = 3
  for (const m of messages)
    total +=
      4 +
      encode(m.role, { disallowedSpecial: new Set() }).length +
      encode(m.content, { disallowedSpecial: new Set() }).length
  return total
}

function completionTokensOf(text: string): number {
  return encode(text, { disallowedSpecial: new Set() }).length
}

/** Cuts `text` to at most `cap` tokens. */
function cutToTokens(text: string, cap: number): string {
  const tokens = encode(text, { disallowedSpecial: new Set() })
  if (tokens.length <= cap) return text
  // Characters are a close enough proxy for a fixture: cut proportionally, then trim to fit.
  let cut = text.slice(0, Math.floor((text.length * cap) / tokens.length))
  while (completionTokensOf(cut) > cap) cut = cut.slice(0, -8)
  return cut
}

export class FakeOpenAiServer {
  readonly log: LogEntry[] = []
  private readonly server: Server
  private served = 0
  private scriptIndex = 0
  private readonly pending = new Set<ServerResponse>()

  private constructor(private readonly options: FakeOpenAiServerOptions) {
    this.server = createServer((req, res) => {
      void this.handle(req, res)
    })
  }

  /** Starts a server on 127.0.0.1 on a free port. */
  static async start(options: FakeOpenAiServerOptions): Promise<FakeOpenAiServer> {
    const fake = new FakeOpenAiServer(options)
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
    return fake
  }

  /** The base URL to configure (`http://127.0.0.1:<port>/v1`). */
  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo
    return `http://127.0.0.1:${port}/v1`
  }

  /** Requests that reached the server (every attempt). */
  get requestCount(): number {
    return this.served
  }

  /** Highest number of requests open at the same time. */
  peakConcurrency = 0
  private open = 0

  /** USD the endpoint would bill for everything it served, at `price` (USD per million tokens). */
  billedUsd(price: {
    inputPerMtok: number
    cachedInputPerMtok?: number
    outputPerMtok: number
  }): number {
    let pico = 0
    for (const entry of this.log) {
      const { promptTokens, completionTokens, cachedTokens } = entry.billed
      pico +=
        (promptTokens - cachedTokens) * price.inputPerMtok * 1e6 +
        cachedTokens * (price.cachedInputPerMtok ?? price.inputPerMtok) * 1e6 +
        completionTokens * price.outputPerMtok * 1e6
    }
    return pico / 1e12
  }

  async close(): Promise<void> {
    for (const res of this.pending) res.destroy()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private next(request: ServedRequest): ScriptedAnswer {
    const { script } = this.options
    if (typeof script === 'function') return script(request)
    const answer = script[Math.min(this.scriptIndex, script.length - 1)]
    this.scriptIndex++
    if (!answer) throw new Error('fake OpenAI server: empty script')
    return answer
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = Date.now()
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let body: ChatRequestBody = {}
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequestBody
    } catch {
      body = {}
    }
    const messages = body.messages ?? []
    const request: ServedRequest = {
      n: ++this.served,
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      body,
      outputCap: body.max_completion_tokens ?? body.max_tokens,
      userText: [...messages].reverse().find((m) => m.role === 'user')?.content ?? ''
    }
    this.open++
    this.peakConcurrency = Math.max(this.peakConcurrency, this.open)
    let clientGone = false
    res.on('close', () => {
      clientGone = !res.writableFinished
      this.pending.delete(res)
    })
    this.pending.add(res)
    const none = { promptTokens: 0, completionTokens: 0, cachedTokens: 0 }
    const finish = (entry: Omit<LogEntry, 'request' | 'startedAt' | 'endedAt'>): void => {
      this.open--
      this.log.push({ request, startedAt, endedAt: Date.now(), ...entry })
    }

    const modelId =
      req.method === 'GET' ? /\/models\/([^/?]+)$/.exec(req.url ?? '')?.[1] : undefined
    const known =
      modelId === undefined ? undefined : this.options.models?.[decodeURIComponent(modelId)]
    if (modelId !== undefined && known) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: decodeURIComponent(modelId),
          object: 'model',
          created: 0,
          owned_by: 'openai',
          ...known
        })
      )
      finish({ status: 200, outcome: 'answered', billed: none })
      return
    }
    if (req.method !== 'POST' || !(req.url ?? '').endsWith('/chat/completions')) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }))
      finish({ status: 404, outcome: 'error', billed: none })
      return
    }

    const answer = this.next(request)
    const delay = (this.options.delayMs ?? 0) + (answer.delayMs ?? 0)
    if (delay > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay)
        res.on('close', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    if (clientGone || res.destroyed) {
      finish({ status: 0, outcome: 'client-gone', billed: none })
      return
    }
    if (answer.hang) {
      res.on('close', () => finish({ status: 0, outcome: 'hung', billed: none }))
      return
    }
    if (answer.drop) {
      req.socket.destroy()
      finish({ status: 0, outcome: 'dropped', billed: none })
      return
    }
    if (answer.status !== undefined && answer.status >= 400) {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(
        JSON.stringify({
          error: {
            message: `scripted ${answer.status}`,
            type: answer.status === 429 ? 'rate_limit_exceeded' : 'server_error',
            code: null
          }
        })
      )
      finish({ status: answer.status, outcome: 'error', billed: none })
      return
    }

    let content = answer.content ?? ''
    let finishReason = answer.finishReason ?? 'stop'
    const cap = request.outputCap
    if (answer.truncateToCap && cap !== undefined) {
      content = cutToTokens(content, cap)
      finishReason = 'length'
    }
    const promptTokens = serverPromptTokens(messages)
    const completionTokens = answer.completionTokens ?? completionTokensOf(content)
    const cachedTokens = Math.min(answer.cachedTokens ?? 0, promptTokens)
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens }
    }
    const payload = {
      id: `chatcmpl-fake-${request.n}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'unknown',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          finish_reason: finishReason,
          logprobs: null
        }
      ],
      ...(answer.omitUsage ? {} : { usage: { ...usage, ...answer.usageFields } })
    }
    res
      .writeHead(200, { 'content-type': 'application/json', ...answer.headers })
      .end(JSON.stringify(payload))
    finish({
      status: 200,
      outcome: 'answered',
      billed: { promptTokens, completionTokens, cachedTokens },
      content
    })
  }
}

/** A fenced TypeScript answer, the way models usually write one. */
export function fencedAnswer(code: string, prose = 'Here is the test file:'): string {
  return `${prose}\n\n\`\`\`ts\n${code}\n\`\`\`\n`
}
