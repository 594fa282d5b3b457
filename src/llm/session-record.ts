import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { LlmCallOutcomeSchema, type LlmCallRecord, type LlmUsage } from '../report/report-schema.js'
import { writeFileInside } from '../write-inside.js'

/**
 * The session record: every attempt of every LLM call, with the full conversation, kept for the
 * report (`calls()`), for audit (`write(dir)`), and for the replay provider, which answers a
 * recorded request with its recorded answer at zero cost.
 */

export const SESSION_VERSION = 1

const MessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string()
})

export const OutcomeSchema = LlmCallOutcomeSchema
export type CallOutcome = z.infer<typeof OutcomeSchema>

export const ConversationEntrySchema = z.object({
  /** One logical call (a `complete()`); its retries share it. */
  callId: z.number().int().min(1),
  attempt: z.number().int().min(1),
  module: z.string(),
  purpose: z.enum(['generate', 'heal']),
  model: z.string(),
  /** sha256 of the messages: how the replay finds the answer to a request. */
  requestHash: z.string(),
  startedAt: z.iso.datetime(),
  latencyMs: z.number().int().min(0),
  request: z.object({
    messages: z.array(MessageSchema),
    params: z.record(z.string(), z.unknown())
  }),
  response: z
    .object({
      text: z.string(),
      finishReason: z.string(),
      usage: z
        .object({
          promptTokens: z.number(),
          completionTokens: z.number(),
          cachedTokens: z.number()
        })
        .optional()
    })
    .optional(),
  error: z
    .object({ code: z.string(), message: z.string(), status: z.number().optional() })
    .optional(),
  /** Budget refusal of this attempt, when the budget stopped it. */
  refusal: z.object({ limit: z.string(), reason: z.string() }).optional(),
  /** Prompt tokens as reserved (ours) and as billed (the server's), completion and cached as billed. */
  reservedPromptTokens: z.number().int().min(0),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  cachedTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
  outcome: OutcomeSchema
})
export type ConversationEntry = z.infer<typeof ConversationEntrySchema>

export const SessionFileSchema = z.object({
  version: z.literal(SESSION_VERSION),
  runId: z.string().optional(),
  writtenAt: z.iso.datetime(),
  conversations: z.array(ConversationEntrySchema)
})
export type SessionFile = z.infer<typeof SessionFileSchema>

/** The hash a request is found by on replay: its messages, exactly. */
export function requestHash(messages: readonly { role: string; content: string }[]): string {
  return createHash('sha256')
    .update(JSON.stringify(messages.map((m) => [m.role, m.content])))
    .digest('hex')
}

export class SessionRecorder {
  private readonly entries: ConversationEntry[] = []
  private nextCallId = 1

  /** A new logical call id; attempts of one call share it. */
  newCallId(): number {
    return this.nextCallId++
  }

  record(entry: ConversationEntry): void {
    this.entries.push(entry)
  }

  /**
   * Changes the outcome of the last attempt of `callId` (the strategy learns `no-code` only after
   * parsing the answer).
   */
  setOutcome(callId: number, outcome: CallOutcome): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]
      if (entry?.callId === callId) {
        this.entries[i] = { ...entry, outcome }
        return
      }
    }
  }

  /** Every attempt, for the report. */
  calls(): LlmCallRecord[] {
    return this.entries.map((e) => ({
      module: e.module,
      purpose: e.purpose,
      model: e.model,
      promptTokens: e.promptTokens,
      completionTokens: e.completionTokens,
      cachedTokens: e.cachedTokens,
      costUsd: e.costUsd,
      latencyMs: e.latencyMs,
      outcome: e.outcome,
      attempt: e.attempt
    }))
  }

  /** The full conversations. */
  conversations(): readonly ConversationEntry[] {
    return this.entries
  }

  /** LLM usage of one module (or of the run, without `module`), for the module report. */
  usageFor(module?: string): LlmUsage {
    let calls = 0
    let tokensIn = 0
    let tokensOut = 0
    let cost = 0
    for (const e of this.entries) {
      if (module !== undefined && e.module !== module) continue
      // Attempts the budget refused were never sent and are not calls.
      if (e.outcome === 'refused-by-budget') continue
      calls++
      tokensIn += e.promptTokens
      tokensOut += e.completionTokens
      cost += e.costUsd
    }
    return { calls, tokensIn, tokensOut, costUsd: cost }
  }

  /** The session as a JSON document (what `write` stores). */
  toJSON(runId?: string): SessionFile {
    return {
      version: SESSION_VERSION,
      ...(runId === undefined ? {} : { runId }),
      writtenAt: new Date().toISOString(),
      conversations: [...this.entries]
    }
  }

  /**
   * Writes the full conversation record as `<dir>/session-<runId>.json` (`session.json` without a
   * run id) and returns its path. The record holds prompts and answers, never the API key.
   * `within`: the directory the record must stay in, checked at write time, with no symlink on
   * the way (a PR can track `.testmaster` as a symlink to anywhere: SECURITY 39); `dir` by default.
   * `redact` takes the secrets out of the text first (SECURITY 37).
   */
  async write(
    dir: string,
    runId?: string,
    within: string = dir,
    redact: (text: string) => string = (text) => text
  ): Promise<string> {
    if (within === dir) await mkdir(dir, { recursive: true })
    const safeId = runId?.replace(/[^A-Za-z0-9._-]/g, '_')
    const path = join(dir, safeId ? `session-${safeId}.json` : 'session.json')
    await writeFileInside(
      within,
      path,
      redact(`${JSON.stringify(this.toJSON(runId), null, 2)}\n`),
      {
        noSymlinks: true
      }
    )
    return path
  }
}
