import type { SecretGuard } from '../report/secret-guard.js'
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError
} from 'openai'
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming
} from 'openai/resources/chat/completions'
import type { Budget, Reservation } from '../budget/budget.js'
import type { ModelPrice, Settings } from '../config/schema.js'
import { LlmError, messageOf } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import type { LimitName } from '../report/report-schema.js'
import type { ChatMessage } from './prompts/prompt-parts.js'
import { priceFor, unknownPriceHint, type TokenUsage } from './pricing.js'
import { RateLimiter, sleep } from './rate-limiter.js'
import {
  type CallOutcome,
  type ConversationEntry,
  requestHash,
  SessionRecorder
} from './session-record.js'
import { countPromptTokens } from './token-count.js'

/**
 * The LLM client: chat completions over the `openai` SDK against OpenAI or any compatible endpoint.
 * The SDK's own retries are off (its retry sleep ignores the abort signal and its attempts would
 * escape the budget); we retry 429s (honouring `retry-after`), 5xx, timeouts and dropped
 * connections here, and every attempt is reserved before it is sent and settled after. The base
 * URL is always passed explicitly: left undefined, the SDK would read `OPENAI_BASE_URL`, which an
 * earlier step of a job could point anywhere (SECURITY 21).
 */

export type Purpose = 'generate' | 'heal'

export interface CompletionRequest {
  readonly module: string
  readonly purpose: Purpose
  readonly messages: readonly ChatMessage[]
  readonly signal?: AbortSignal
  /** Defaults to `llm.maxOutputTokens`. */
  readonly maxOutputTokens?: number
}

interface ResultBase {
  /** The logical call, for `markOutcome` and the session record. */
  readonly callId: number
  /** Attempts made, including the last. */
  readonly attempts: number
}

export type CompletionResult =
  | (ResultBase & {
      readonly status: 'completed'
      readonly text: string
      /** `stop`, or `length` when the answer hit the output cap (truncated). */
      readonly finishReason: string
      readonly usage: TokenUsage | undefined
      readonly costUsd: number
    })
  /** A budget limit refused the call; nothing was sent. */
  | (ResultBase & {
      readonly status: 'refused'
      readonly limit: LimitName
      readonly reason: string
    })
  /** The endpoint failed for good (non-retryable error, or retries used up). */
  | (ResultBase & { readonly status: 'failed'; readonly error: LlmError })
  /** The deadline or the caller's signal ended the call. */
  | (ResultBase & {
      readonly status: 'aborted'
      readonly reason: string
      readonly limit?: LimitName
    })

/** What a strategy needs from a client: the OpenAI one, or the replay of a recorded session. */
export interface ChatClient {
  readonly model: string
  complete(request: CompletionRequest): Promise<CompletionResult>
  /** Records what the caller made of an answer (`no-code` after parsing it). */
  markOutcome(callId: number, outcome: CallOutcome): void
}

export interface LlmClientOptions {
  readonly llm: Settings['llm']
  readonly apiKey: string
  readonly budget: Budget
  readonly recorder?: SessionRecorder
  readonly events?: EventBus
  /** Shared by every module; built from `llm.requestsPerMinute`/`tokensPerMinute` when absent. */
  readonly limiter?: RateLimiter
  /** Sent to models that take it (depth decides). */
  readonly reasoningEffort?: 'low' | 'medium' | 'high'
  /** Backoff for 5xx and dropped connections (429s use `retry-after`). */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number }
  /**
   * Secrets redacted from every request before it is sent or recorded: a heal prompt quotes test
   * output, which PR code controls (SECURITY 37).
   */
  readonly secretGuard?: SecretGuard
}

/** Models that accept `reasoning_effort` (reasoning models); others reject the parameter. */
const REASONING_MODELS = /^(o1|o3|o4|gpt-5|gpt-oss)(?!.*-chat)/

export function takesReasoningEffort(model: string): boolean {
  return REASONING_MODELS.test(model)
}

/** Fallback wait after a 429 without `retry-after`. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 2_000

type AttemptFailure = {
  readonly error: LlmError
  readonly retryAfterMs?: number
  readonly charged: 'nothing' | 'reservation'
}

export class LlmClient implements ChatClient {
  private constructor(
    private readonly options: LlmClientOptions,
    private readonly sdk: OpenAI,
    private readonly price: ModelPrice,
    readonly recorder: SessionRecorder,
    private readonly limiter: RateLimiter
  ) {}

  /**
   * Builds the client. Refuses a model with no known price unless the user allowed unpriced models
   * and a token limit bounds the run; refuses a base URL that is not http(s).
   */
  static create(options: LlmClientOptions): LlmClient {
    const { llm } = options
    let url: URL
    try {
      url = new URL(llm.baseUrl)
    } catch (cause) {
      throw new LlmError(
        'BASE_URL_INVALID',
        `llm.base-url is not a URL: '${llm.baseUrl}'`,
        'give the full URL of the endpoint, e.g. https://api.openai.com/v1',
        { cause }
      )
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new LlmError(
        'BASE_URL_INVALID',
        `llm.base-url must be http or https, got '${llm.baseUrl}'`,
        'use the https URL of the endpoint'
      )
    }
    let price = priceFor(llm.model, llm.prices)
    if (!price) {
      if (!llm.allowUnpricedModel || !options.budget.hasTokenLimit) {
        throw new LlmError(
          'MODEL_UNPRICED',
          `no price is known for model '${llm.model}', so the budget cannot bound its cost`,
          unknownPriceHint(llm.model)
        )
      }
      // Token limits alone bound the run: reserve and settle at zero cost.
      price = { inputPerMtok: 0, outputPerMtok: 0 }
    }
    const sdk = new OpenAI({
      apiKey: options.apiKey,
      // Explicit, always: undefined would fall back to OPENAI_BASE_URL from the environment.
      baseURL: llm.baseUrl,
      maxRetries: 0,
      timeout: Math.round(llm.timeoutSeconds * 1000),
      // Nothing else from the environment either (org/project headers, admin key, SDK logging).
      organization: null,
      project: null,
      adminAPIKey: null,
      webhookSecret: null,
      logLevel: 'off'
    })
    const limiter =
      options.limiter ??
      new RateLimiter({
        requestsPerMinute: llm.requestsPerMinute,
        tokensPerMinute: llm.tokensPerMinute
      })
    return new LlmClient(options, sdk, price, options.recorder ?? new SessionRecorder(), limiter)
  }

  get model(): string {
    return this.options.llm.model
  }

  /** The base URL every request goes to. */
  get baseUrl(): string {
    return this.sdk.baseURL
  }

  /**
   * Asks the endpoint about the model (`GET /models/{model}`) and warns when OpenAI has announced
   * its shutdown (`shutdown_date`). Never throws and costs nothing: an endpoint without the route,
   * or an error, just means no warning.
   */
  async checkModel(signal?: AbortSignal): Promise<{ readonly shutdownDate?: string }> {
    try {
      const model = (await this.sdk.models.retrieve(this.model, {
        signal,
        maxRetries: 0,
        timeout: 10_000
      })) as unknown as Record<string, unknown>
      const raw = model.shutdown_date
      if (raw === undefined || raw === null) return {}
      const date =
        typeof raw === 'number'
          ? new Date(raw * 1000)
          : typeof raw === 'string'
            ? new Date(raw)
            : new Date(Number.NaN)
      if (Number.isNaN(date.getTime())) return {}
      const day = date.toISOString().slice(0, 10)
      const past = date.getTime() <= Date.now()
      this.options.events?.log(
        'warning',
        past
          ? `model '${this.model}' was shut down on ${day}; calls will fail. Choose another model (llm.model).`
          : `model '${this.model}' shuts down on ${day}; choose its successor in llm.model before then.`
      )
      return { shutdownDate: day }
    } catch {
      return {}
    }
  }

  markOutcome(callId: number, outcome: CallOutcome): void {
    this.recorder.setOutcome(callId, outcome)
  }

  /**
   * One chat completion, with our retries. Never throws for endpoint, budget or cancellation
   * outcomes: they are results. Each attempt is reserved (waiting while only calls in flight stand
   * in the way), sent, and settled; a refused reservation ends the call without sending it.
   */
  async complete(asked: CompletionRequest): Promise<CompletionResult> {
    const { llm, budget, secretGuard } = this.options
    const request: CompletionRequest = secretGuard
      ? {
          ...asked,
          messages: asked.messages.map((m) => ({
            ...m,
            content: secretGuard.redact(m.content, 'LLM request')
          }))
        }
      : asked
    const callId = this.recorder.newCallId()
    const maxOutputTokens = request.maxOutputTokens ?? llm.maxOutputTokens
    const promptTokens = countPromptTokens(request.messages, llm.model)
    const outer = request.signal ? AbortSignal.any([request.signal, budget.signal]) : budget.signal
    const hash = requestHash(request.messages)
    const timeoutMs = Math.round(llm.timeoutSeconds * 1000)

    for (let attempt = 1; ; attempt++) {
      const base = { callId, attempts: attempt }
      const startedAt = new Date()
      const entry = (
        fields: Partial<ConversationEntry> & Pick<ConversationEntry, 'outcome'>
      ): void => {
        this.recorder.record({
          callId,
          attempt,
          module: request.module,
          purpose: request.purpose,
          model: llm.model,
          requestHash: hash,
          startedAt: startedAt.toISOString(),
          latencyMs: Math.max(0, Date.now() - startedAt.getTime()),
          request: {
            messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
            params: this.params(maxOutputTokens)
          },
          reservedPromptTokens: promptTokens,
          promptTokens: 0,
          completionTokens: 0,
          cachedTokens: 0,
          costUsd: 0,
          ...fields
        })
        this.options.events?.emit('llm:call', {
          module: request.module,
          purpose: request.purpose,
          tokensIn: fields.promptTokens ?? 0,
          tokensOut: fields.completionTokens ?? 0,
          costUsd: fields.costUsd ?? 0,
          latencyMs: Math.max(0, Date.now() - startedAt.getTime()),
          outcome: fields.outcome
        })
      }

      if (outer.aborted) {
        const reason = this.abortReason(request.signal)
        entry({ outcome: 'aborted', error: { code: 'ABORTED', message: reason.reason } })
        return { ...base, status: 'aborted', ...reason }
      }
      try {
        await this.limiter.acquire(promptTokens + maxOutputTokens, outer)
      } catch {
        const reason = this.abortReason(request.signal)
        entry({ outcome: 'aborted', error: { code: 'ABORTED', message: reason.reason } })
        return { ...base, status: 'aborted', ...reason }
      }
      const reserved = await budget.reserveWhenAvailable(
        { module: request.module, promptTokens, maxOutputTokens, price: this.price },
        request.signal
      )
      if (reserved.status === 'refused') {
        entry({
          outcome: 'refused-by-budget',
          refusal: { limit: reserved.limit, reason: reserved.reason }
        })
        return { ...base, status: 'refused', limit: reserved.limit, reason: reserved.reason }
      }

      const attemptSignal = AbortSignal.any([outer, AbortSignal.timeout(timeoutMs)])
      let response: ChatCompletion
      try {
        response = await this.sdk.chat.completions.create(
          this.body(request.messages, maxOutputTokens),
          {
            signal: attemptSignal,
            maxRetries: 0,
            timeout: timeoutMs
          }
        )
      } catch (error) {
        const failure = this.classify(error, outer, timeoutMs)
        const settled = this.settleFailure(reserved, failure)
        if (outer.aborted) {
          const reason = this.abortReason(request.signal)
          entry({
            outcome: 'aborted',
            costUsd: settled,
            error: { code: 'ABORTED', message: reason.reason }
          })
          return { ...base, status: 'aborted', ...reason }
        }
        entry({
          outcome: 'error',
          costUsd: settled,
          error: {
            code: failure.error.code,
            message: failure.error.message,
            ...(failure.error.status === undefined ? {} : { status: failure.error.status })
          }
        })
        if (!failure.error.retryable || attempt > llm.maxRetries) {
          const error =
            failure.error.retryable && attempt > llm.maxRetries
              ? new LlmError(
                  'RETRIES_EXHAUSTED',
                  `${request.module}: the LLM endpoint still failed after ${attempt} attempt(s): ${failure.error.message}`,
                  'check the endpoint status, or raise llm.max-retries / llm.timeout-seconds',
                  { cause: failure.error, status: failure.error.status }
                )
              : failure.error
          return { ...base, status: 'failed', error }
        }
        const wait = failure.retryAfterMs ?? this.backoffMs(attempt)
        if (wait > budget.remainingMs()) {
          budget.stopBy(
            'time',
            `${request.module}: the endpoint asked to wait ${Math.ceil(wait / 1000)} s, past the time budget`
          )
          return {
            ...base,
            status: 'aborted',
            reason: 'the retry wait would pass the time budget',
            limit: 'time'
          }
        }
        try {
          await sleep(wait, outer)
        } catch {
          const reason = this.abortReason(request.signal)
          return { ...base, status: 'aborted', ...reason }
        }
        continue
      }

      const { usage, problem } = usageOf(response)
      const settlement = budget.settle(reserved, usage, problem)
      const choice = response.choices?.[0]
      const text = choice?.message?.content ?? ''
      const finishReason = choice?.finish_reason ?? 'unknown'
      if (settlement.overrun)
        this.options.events?.log('warning', `budget overrun: ${settlement.overrun}`)
      entry({
        outcome: finishReason === 'length' ? 'truncated' : 'ok',
        response: { text, finishReason, ...(usage ? { usage } : {}) },
        promptTokens: usage?.promptTokens ?? promptTokens,
        completionTokens: usage?.completionTokens ?? maxOutputTokens,
        cachedTokens: usage?.cachedTokens ?? 0,
        costUsd: settlement.chargedUsd
      })
      return {
        ...base,
        status: 'completed',
        text,
        finishReason,
        usage,
        costUsd: settlement.chargedUsd
      }
    }
  }

  private params(maxOutputTokens: number): Record<string, unknown> {
    const { llm } = this.options
    return {
      model: llm.model,
      [llm.outputLimitParam]: maxOutputTokens,
      ...(this.options.reasoningEffort && takesReasoningEffort(llm.model)
        ? { reasoning_effort: this.options.reasoningEffort }
        : {})
    }
  }

  private body(
    messages: readonly ChatMessage[],
    maxOutputTokens: number
  ): ChatCompletionCreateParamsNonStreaming {
    return {
      ...this.params(maxOutputTokens),
      model: this.options.llm.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content }))
    }
  }

  /** Which limit ended the call: the time budget, or the caller's own cancellation. */
  private abortReason(callerSignal: AbortSignal | undefined): {
    reason: string
    limit?: LimitName
  } {
    if (this.options.budget.signal.aborted) {
      this.options.budget.stopBy('time', 'the wall-time budget of the run is spent')
      return { reason: 'the wall-time budget of the run is spent', limit: 'time' }
    }
    return { reason: callerSignal?.aborted ? 'the call was cancelled' : 'aborted' }
  }

  private classify(error: unknown, outer: AbortSignal, timeoutMs: number): AttemptFailure {
    if (outer.aborted) {
      // Sent and abandoned: the endpoint may still bill it.
      return {
        error: new LlmError('ABORTED', 'the call was aborted', undefined, { cause: error }),
        charged: 'reservation'
      }
    }
    if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
      // Our per-attempt timeout fired (the SDK reports it as a timeout or as an abort).
      return {
        error: new LlmError(
          'TIMEOUT',
          `no answer within ${Math.round(timeoutMs / 1000)} s`,
          'raise llm.timeout-seconds for slow endpoints',
          { cause: error, retryable: true }
        ),
        charged: 'reservation'
      }
    }
    if (error instanceof APIConnectionError) {
      return {
        error: new LlmError(
          'CONNECTION',
          `connection to the LLM endpoint failed: ${error.message}`,
          'check llm.base-url and the network',
          { cause: error, retryable: true }
        ),
        charged: 'reservation'
      }
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status
      const retryable = status === 429 || status === 408 || status === 409 || status >= 500
      const hint =
        status === 401 || status === 403
          ? 'check the api-key secret for this endpoint'
          : status === 404
            ? `check llm.model and llm.base-url (the endpoint does not know this model or path)`
            : status === 400
              ? 'the endpoint rejected the request; if it wants max_tokens, set llm.output-limit-param: max_tokens'
              : undefined
      const message = `the LLM endpoint answered ${status}: ${firstLine(error.message)}`
      return {
        error: new LlmError(status === 429 ? 'RATE_LIMITED' : `HTTP_${status}`, message, hint, {
          cause: error,
          status,
          retryable
        }),
        ...(status === 429 || status === 503
          ? {
              retryAfterMs:
                retryAfterMs(error.headers as Headers | undefined) ??
                (status === 429 ? DEFAULT_RATE_LIMIT_WAIT_MS : undefined)
            }
          : {}),
        // An error answer generated nothing and is not billed.
        charged: 'nothing'
      }
    }
    // A malformed or cut body: it may have been generated and billed.
    return {
      error: new LlmError(
        'BAD_RESPONSE',
        `unreadable answer from the LLM endpoint: ${firstLine(messageOf(error))}`,
        undefined,
        { cause: error, retryable: true }
      ),
      charged: 'reservation'
    }
  }

  private settleFailure(reservation: Reservation, failure: AttemptFailure): number {
    if (failure.charged === 'nothing') {
      return this.options.budget.settle(reservation, {
        promptTokens: 0,
        cachedTokens: 0,
        completionTokens: 0
      }).chargedUsd
    }
    return this.options.budget.settle(reservation, undefined, failure.error.code.toLowerCase())
      .chargedUsd
  }

  private backoffMs(attempt: number): number {
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 8_000 }
    const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1))
    // Jitter so modules that failed together do not retry together.
    return Math.round(exp * (0.8 + Math.random() * 0.4))
  }
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300)
}

/** A token count as the API should send it: a whole number, not negative. */
function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/**
 * The usage of an answer, or what is wrong with it (SECURITY 38). A count that is missing,
 * non-numeric or negative would make the charge NaN or less than was spent: such a call is charged
 * its reservation instead, with the reason in the report.
 */
function usageOf(response: ChatCompletion): { usage?: TokenUsage; problem?: string } {
  const usage: unknown = response.usage
  if (usage === undefined || usage === null) return {}
  if (typeof usage !== 'object') return { problem: `usage is ${JSON.stringify(usage)}` }
  const fields = usage as Record<string, unknown>
  const details = fields.prompt_tokens_details
  const cached =
    details !== undefined && details !== null && typeof details === 'object'
      ? (details as Record<string, unknown>).cached_tokens
      : undefined
  const counts: [string, unknown][] = [
    ['usage.prompt_tokens', fields.prompt_tokens],
    ['usage.completion_tokens', fields.completion_tokens],
    ...(cached === undefined || cached === null
      ? []
      : [['usage.prompt_tokens_details.cached_tokens', cached] as [string, unknown]])
  ]
  for (const [name, value] of counts) {
    if (!isTokenCount(value))
      return {
        problem: `${name} is ${value === undefined ? 'missing' : JSON.stringify(value)}, not a token count`
      }
  }
  return {
    usage: {
      promptTokens: fields.prompt_tokens as number,
      completionTokens: fields.completion_tokens as number,
      cachedTokens: isTokenCount(cached) ? cached : 0
    }
  }
}

/** `retry-after-ms`, then `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(
  headers: Headers | undefined,
  now: number = Date.now()
): number | undefined {
  if (!headers) return undefined
  const ms = Number(headers.get('retry-after-ms'))
  if (headers.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms
  const value = headers.get('retry-after')
  if (value === null) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
