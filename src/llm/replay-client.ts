import { readFile } from 'node:fs/promises'
import { LlmError } from '../errors.js'
import { LimitNameSchema } from '../report/report-schema.js'
import type { ChatClient, CompletionRequest, CompletionResult } from './client.js'
import {
  type CallOutcome,
  type ConversationEntry,
  requestHash,
  SessionFileSchema,
  type SessionFile,
  SessionRecorder
} from './session-record.js'

/**
 * The replay provider: answers each request with what a recorded session answered to the same
 * request, at zero cost and without the network, so a run can be reproduced exactly (audit,
 * debugging, demos). A request is matched by the hash of its messages; one that was never recorded
 * fails with a reason rather than calling anything.
 */

interface RecordedCall {
  readonly module: string
  readonly purpose: 'generate' | 'heal'
  readonly hash: string
  /** The attempt that ended the call. */
  readonly last: ConversationEntry
  readonly attempts: number
  used: boolean
}

export class ReplayClient implements ChatClient {
  private constructor(
    readonly model: string,
    private readonly recorded: readonly RecordedCall[],
    readonly recorder: SessionRecorder
  ) {}

  /** Loads a session file written by `SessionRecorder.write`. */
  static async open(
    path: string,
    options: { recorder?: SessionRecorder } = {}
  ): Promise<ReplayClient> {
    let raw: unknown
    try {
      raw = JSON.parse(await readFile(path, 'utf8'))
    } catch (cause) {
      throw new LlmError(
        'REPLAY_UNREADABLE',
        `cannot read the replay file '${path}'`,
        'give llm.replay-file the session-<run>.json a run wrote to its session dir',
        { cause }
      )
    }
    const parsed = SessionFileSchema.safeParse(raw)
    if (!parsed.success) {
      throw new LlmError(
        'REPLAY_INVALID',
        `'${path}' is not a TestMaster session record: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        'use a file written by a TestMaster run of the same version'
      )
    }
    return ReplayClient.fromSession(parsed.data, options)
  }

  static fromSession(
    session: SessionFile,
    options: { recorder?: SessionRecorder } = {}
  ): ReplayClient {
    const byCall = new Map<number, ConversationEntry[]>()
    for (const entry of session.conversations)
      byCall.set(entry.callId, [...(byCall.get(entry.callId) ?? []), entry])
    const recorded: RecordedCall[] = []
    for (const callId of [...byCall.keys()].sort((a, b) => a - b)) {
      const attempts = (byCall.get(callId) ?? []).sort((a, b) => a.attempt - b.attempt)
      const last = attempts[attempts.length - 1]
      if (!last) continue
      recorded.push({
        module: last.module,
        purpose: last.purpose,
        hash: last.requestHash,
        last,
        attempts: attempts.length,
        used: false
      })
    }
    const model = session.conversations[0]?.model ?? 'replay'
    return new ReplayClient(model, recorded, options.recorder ?? new SessionRecorder())
  }

  markOutcome(callId: number, outcome: CallOutcome): void {
    this.recorder.setOutcome(callId, outcome)
  }

  complete(request: CompletionRequest): Promise<CompletionResult> {
    const hash = requestHash(request.messages)
    const callId = this.recorder.newCallId()
    const match = this.recorded.find(
      (c) =>
        !c.used && c.hash === hash && c.module === request.module && c.purpose === request.purpose
    )
    const startedAt = new Date().toISOString()
    const base = {
      callId,
      attempt: 1,
      module: request.module,
      purpose: request.purpose,
      model: this.model,
      requestHash: hash,
      startedAt,
      latencyMs: 0,
      request: {
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        params: { replay: true }
      },
      reservedPromptTokens: 0,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      costUsd: 0
    }
    if (!match) {
      this.recorder.record({
        ...base,
        outcome: 'error',
        error: { code: 'REPLAY_MISSING', message: 'no recorded answer for this request' }
      })
      return Promise.resolve({
        status: 'failed',
        callId,
        attempts: 1,
        error: new LlmError(
          'REPLAY_MISSING',
          `the replay file has no answer for this ${request.purpose} request of ${request.module}`,
          'the code, config or prompts changed since the recording; record a new session'
        )
      })
    }
    match.used = true
    const last = match.last
    const tokens = {
      promptTokens: last.promptTokens,
      completionTokens: last.completionTokens,
      cachedTokens: last.cachedTokens
    }
    this.recorder.record({
      ...base,
      ...tokens,
      outcome: last.outcome,
      ...(last.response ? { response: last.response } : {}),
      ...(last.error ? { error: last.error } : {}),
      ...(last.refusal ? { refusal: last.refusal } : {})
    })
    const attempts = match.attempts
    if (
      last.response &&
      (last.outcome === 'ok' || last.outcome === 'truncated' || last.outcome === 'no-code')
    ) {
      return Promise.resolve({
        status: 'completed',
        callId,
        attempts,
        text: last.response.text,
        finishReason: last.response.finishReason,
        usage: last.response.usage,
        costUsd: 0
      })
    }
    if (last.outcome === 'refused-by-budget' && last.refusal) {
      const limit = LimitNameSchema.safeParse(last.refusal.limit)
      return Promise.resolve({
        status: 'refused',
        callId,
        attempts,
        limit: limit.success ? limit.data : 'run-usd',
        reason: last.refusal.reason
      })
    }
    if (last.outcome === 'aborted') {
      return Promise.resolve({
        status: 'aborted',
        callId,
        attempts,
        reason: last.error?.message ?? 'aborted',
        limit: 'time'
      })
    }
    return Promise.resolve({
      status: 'failed',
      callId,
      attempts,
      error: new LlmError(
        last.error?.code ?? 'REPLAYED_ERROR',
        last.error?.message ?? 'the recorded call failed',
        undefined,
        { status: last.error?.status }
      )
    })
  }
}
