import { join, resolve } from 'node:path'
import { Budget, type BudgetReport } from '../budget/budget.js'
import { Deadline } from '../budget/deadline.js'
import { DEPTH_PROFILES, type Settings } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import type { EventBus } from '../events/event-bus.js'
import { LlmClient, type ChatClient } from '../llm/client.js'
import { ReplayClient } from '../llm/replay-client.js'
import { SessionRecorder } from '../llm/session-record.js'
import { SecretGuard } from '../report/secret-guard.js'
import { writeFileInside } from '../write-inside.js'
import type { LlmCallRecord, LlmUsage, Report } from '../report/report-schema.js'
import { createLlmStrategy } from './strategies/llm-strategy.js'
import type { Strategy } from './strategy.js'

/**
 * Everything a run needs from the model side, built once: the budget with its deadline, the client
 * (OpenAI-compatible or a replay), the session record and the strategy. An explorer-only run gets
 * the same budget and record, with nothing spent, so every report has one shape.
 */
export interface LlmSession {
  /** Aborted at the wall-time budget or when the caller cancels. */
  readonly signal: AbortSignal
  /** The LLM strategy, or undefined for explorer-only runs. */
  strategyFor(module: string): Strategy | undefined
  usageFor(module: string): LlmUsage
  calls(): LlmCallRecord[]
  budgetReport(unfinishedWork: boolean): Report['budget']
  /**
   * Writes the session record into `dir`, checked at write time to stay inside `within` with no
   * symlink on the way (SECURITY 39).
   */
  writeSession(dir: string, runId: string, within: string): Promise<void>
  dispose(): void
}

export async function createLlmSession(input: {
  provider: Report['provider']
  settings: Settings
  apiKey: string | undefined
  events: EventBus
  prSpentBeforeUsd?: number
  signal?: AbortSignal
  secretGuard?: SecretGuard
}): Promise<LlmSession> {
  const { settings } = input
  // The caller's guard (the action's: every secret of the job), else one for the key we hold.
  const secretGuard = input.secretGuard ?? SecretGuard.fromEnvironment(process.env, [input.apiKey])
  const deadline = Deadline.fromMinutes(settings.budget.timeMinutes, { parent: input.signal })
  const budget = new Budget({
    runUsd: settings.budget.runUsd,
    prUsd: settings.budget.prUsd,
    prSpentBeforeUsd: input.prSpentBeforeUsd,
    moduleUsd: settings.budget.moduleUsd,
    maxCalls: settings.budget.maxCalls,
    maxTokens: settings.budget.maxTokens,
    deadline,
    events: input.events
  })
  const recorder = new SessionRecorder()
  let client: ChatClient | undefined
  try {
    if (input.provider === 'openai') {
      if (!input.apiKey) {
        throw new ConfigError(
          'API_KEY_MISSING',
          'provider openai needs an API key, and none was given',
          'set the api-key input, or TESTMASTER_API_KEY / OPENAI_API_KEY for the CLI; or use the explorer provider'
        )
      }
      const llmClient = LlmClient.create({
        llm: settings.llm,
        apiKey: input.apiKey,
        budget,
        recorder,
        events: input.events,
        reasoningEffort: DEPTH_PROFILES[settings.depth].reasoningEffort,
        secretGuard
      })
      // Warns of an announced shutdown date; in the background, so a slow models route costs
      // nothing. A dry run contacts no endpoint at all.
      if (!settings.dryRun) void llmClient.checkModel(deadline.signal)
      client = llmClient
    } else if (input.provider === 'replay') {
      if (!settings.llm.replayFile) {
        throw new ConfigError(
          'REPLAY_FILE_MISSING',
          'provider replay needs llm.replay-file, the session record to replay',
          'point llm.replay-file at a .testmaster/session-*.json file of an earlier run'
        )
      }
      client = await ReplayClient.open(resolve(settings.repo, settings.llm.replayFile), {
        recorder
      })
    }
  } catch (error) {
    deadline.dispose()
    throw error
  }
  const strategy = client ? createLlmStrategy({ client, settings }) : undefined
  let written = false

  return {
    signal: deadline.signal,
    strategyFor: () => strategy,
    usageFor: (module) => recorder.usageFor(module),
    calls: () => recorder.calls(),
    budgetReport: (unfinishedWork): BudgetReport => {
      const snapshot = budget.snapshot()
      // A limit that stopped work while changed modules were left unhandled is "exceeded"; the
      // deadline stops work without the budget refusing a call, so it is named here.
      const cancelled = deadline.abortReason === 'cancelled'
      const stoppedBy =
        unfinishedWork &&
        cancelled &&
        (snapshot.stoppedBy === undefined || snapshot.stoppedBy === 'time')
          ? 'cancelled'
          : (snapshot.stoppedBy ?? (unfinishedWork && deadline.expired ? 'time' : undefined))
      return {
        ...snapshot,
        ...(stoppedBy ? { stoppedBy } : {}),
        exceeded: snapshot.exceeded || (unfinishedWork && stoppedBy !== undefined)
      }
    },
    writeSession: async (dir, runId, within) => {
      if (!client || written) return
      written = true
      await recorder.write(dir, runId, within, (text) => secretGuard.redact(text, 'session record'))
      // The record is an audit trail, not part of the change: keep it out of `git add -A`.
      await writeFileInside(within, join(dir, '.gitignore'), '*\n', {
        noSymlinks: true,
        exclusive: true
      }).catch(() => undefined)
    },
    dispose: () => deadline.dispose()
  }
}
