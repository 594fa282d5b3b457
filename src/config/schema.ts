import { z } from 'zod'

/**
 * The one schema for everything a run needs: the single source of defaults and documentation.
 * Keys are camelCase here; the YAML file and action inputs use kebab-case (`budget.run-usd`),
 * converted by `config-keys.ts` before parsing and back again in error messages.
 */

const usd = z.number().min(0)
const positiveInt = z.number().int().min(1)

export const DepthSchema = z.enum(['low', 'medium', 'high'])
export type Depth = z.infer<typeof DepthSchema>

export const ProviderSchema = z.enum(['auto', 'openai', 'explorer', 'replay'])
export const FrameworkChoiceSchema = z.enum(['auto', 'jest', 'vitest'])
export const DeliverySchema = z.enum(['commit', 'pull-request', 'comment', 'none'])
export const FailOnSchema = z.enum(['never', 'budget-exceeded', 'coverage-below'])
export const PermissionSchema = z.enum(['write', 'maintain', 'admin'])

export const ModelPriceSchema = z.strictObject({
  /** USD per million prompt tokens. */
  inputPerMtok: usd,
  /** USD per million cached prompt tokens; defaults to the input price. */
  cachedInputPerMtok: usd.optional(),
  /** USD per million completion tokens (reasoning tokens included). */
  outputPerMtok: usd
})
export type ModelPrice = z.infer<typeof ModelPriceSchema>

export const BudgetSchema = z.strictObject({
  /** Hard cap on LLM spend for one run, in USD. Always set; the safe default is 1. */
  runUsd: usd.default(1),
  /** Cap across all runs on one pull request (the ledger kept in the sticky comment). */
  prUsd: usd.optional(),
  /** Ceiling that `/testmaster budget USD` may raise the PR budget to. */
  maxPrUsd: usd.optional(),
  /** Cap per module, in USD. */
  moduleUsd: usd.optional(),
  /** Maximum number of LLM calls in one run. */
  maxCalls: positiveInt.optional(),
  /** Maximum prompt + completion tokens in one run. */
  maxTokens: positiveInt.optional(),
  /** Wall-time budget for the whole run, in minutes. */
  timeMinutes: z.number().positive().default(20)
})

export const LlmSchema = z.strictObject({
  /** `auto`: openai when an API key is present, else the offline explorer. */
  provider: ProviderSchema.default('auto'),
  model: z.string().min(1).default('gpt-5-mini'),
  /** OpenAI-compatible endpoint. Always passed explicitly to the SDK. */
  baseUrl: z.url().default('https://api.openai.com/v1'),
  /** Name of the output-limit parameter the endpoint understands. */
  outputLimitParam: z
    .enum(['max_completion_tokens', 'max_tokens'])
    .default('max_completion_tokens'),
  /** Output cap per call; the budget reserves this many completion tokens. */
  maxOutputTokens: positiveInt.default(4096),
  /** Concurrent LLM requests and per-minute limits shared by every module. */
  requestsPerMinute: positiveInt.optional(),
  tokensPerMinute: positiveInt.optional(),
  /** Per-attempt timeout in seconds. */
  timeoutSeconds: z.number().positive().default(120),
  /** Retries after a 429, 5xx or dropped connection (each attempt is reserved and settled). */
  maxRetries: z.number().int().min(0).default(3),
  /** Price overrides per model (USD per million tokens). */
  prices: z.record(z.string(), ModelPriceSchema).default({}),
  /** Allow a model with no known price when token limits alone bound the run. */
  allowUnpricedModel: z.boolean().default(false),
  /** Replay file for the `replay` provider (a recorded session). */
  replayFile: z.string().optional()
})

export const GitHubSettingsSchema = z.strictObject({
  /** Permissions allowed to drive the bot by comment. */
  commandPermissions: z.array(PermissionSchema).min(1).default(['write', 'maintain', 'admin']),
  /** Run the LLM on fork PRs when a maintainer asks (off: fork code never sees the key). */
  allowForks: z.boolean().default(false),
  /** Execute fork code under pull_request_target (off; see the security notes). */
  allowPullRequestTarget: z.boolean().default(false),
  skipDrafts: z.boolean().default(true),
  skipLabel: z.string().min(1).default('testmaster:skip'),
  /** `update`: keep one comment updated in place; `on-change`: only touch it when the report changed. */
  commentMode: z.enum(['update', 'on-change']).default('update'),
  /** Verified commits through GraphQL createCommitOnBranch instead of git push. */
  verifiedCommits: z.boolean().default(false),
  /** Push attempts on a race with another push before giving up. */
  pushAttempts: positiveInt.default(3)
})

export const SettingsSchema = z.strictObject({
  /** Root of the repository under test. */
  repo: z.string().min(1).default('.'),
  /** Base ref; when absent the run plans against the head's first parent. */
  base: z.string().min(1).optional(),
  head: z.string().min(1).default('HEAD'),
  /** Path of the YAML config file, relative to the repository root. */
  config: z.string().min(1).default('.github/testmaster.yml'),
  llm: LlmSchema.default(() => LlmSchema.parse({})),
  budget: BudgetSchema.default(() => BudgetSchema.parse({})),
  depth: DepthSchema.default('medium'),
  /** Globs (relative to the repo root) that restrict which changed files are considered. */
  paths: z.array(z.string().min(1)).default([]),
  /** Globs excluded on top of the built-in exclusions (tests, declarations, generated, vendored). */
  exclude: z.array(z.string().min(1)).default([]),
  testFramework: FrameworkChoiceSchema.default('auto'),
  /** Where generated tests go; default: learned from the repository's existing tests. */
  testDir: z.string().min(1).optional(),
  /** Healing rounds per candidate; default from `depth`. */
  maxHealingRounds: z.number().int().min(0).max(10).optional(),
  /** Consecutive passing runs required to accept a candidate. */
  stabilityRuns: z.number().int().min(1).max(20).default(3),
  /** Modules processed at once. */
  concurrency: z.number().int().min(1).max(32).default(4),
  /** Time limit of one test-framework run, in seconds. */
  testTimeoutSeconds: z.number().positive().default(120),
  delivery: DeliverySchema.default('commit'),
  failOn: FailOnSchema.default('never'),
  /** Patch-coverage percentage below which `fail-on: coverage-below` fails. */
  patchCoverageThreshold: z.number().min(0).max(100).default(80),
  /** Plan and estimate only: no LLM calls, no writes. */
  dryRun: z.boolean().default(false),
  /** Also generate for modules whose changed lines are already covered. */
  includeCovered: z.boolean().default(false),
  github: GitHubSettingsSchema.default(() => GitHubSettingsSchema.parse({})),
  /** Where the JSON report is written (CLI `--json`, action artifact path). */
  reportPath: z.string().optional(),
  /** Directory for the session record of every LLM conversation. */
  sessionDir: z.string().default('.testmaster')
})

export type Settings = z.infer<typeof SettingsSchema>
export type SettingsInput = z.input<typeof SettingsSchema>
export type ModelPrices = Settings['llm']['prices']

/** Per-depth defaults for what `depth` controls. */
export const DEPTH_PROFILES: Record<
  Depth,
  {
    candidatesPerModule: number
    healingRounds: number
    mutantGate: boolean
    reasoningEffort: 'low' | 'medium' | 'high'
  }
> = {
  low: { candidatesPerModule: 1, healingRounds: 1, mutantGate: false, reasoningEffort: 'low' },
  medium: { candidatesPerModule: 2, healingRounds: 2, mutantGate: true, reasoningEffort: 'medium' },
  high: { candidatesPerModule: 3, healingRounds: 3, mutantGate: true, reasoningEffort: 'high' }
}
