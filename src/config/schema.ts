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
  inputPerMtok: usd.describe('USD per million prompt tokens.'),
  cachedInputPerMtok: usd
    .optional()
    .describe('USD per million cached prompt tokens; defaults to the input price.'),
  outputPerMtok: usd.describe('USD per million completion tokens (reasoning tokens included).')
})
export type ModelPrice = z.infer<typeof ModelPriceSchema>

export const BudgetSchema = z.strictObject({
  runUsd: usd.default(1).describe('Hard cap on LLM spend for one run, in USD.'),
  prUsd: usd
    .optional()
    .describe("Cap across all runs on one pull request, in USD (kept in the comment's ledger)."),
  maxPrUsd: usd
    .optional()
    .describe('Ceiling that `/testmaster budget USD` may raise the PR budget to.'),
  moduleUsd: usd.optional().describe('Cap per module, in USD.'),
  maxCalls: positiveInt.optional().describe('Maximum number of LLM calls in one run.'),
  maxTokens: positiveInt.optional().describe('Maximum prompt + completion tokens in one run.'),
  timeMinutes: z
    .number()
    .positive()
    .default(20)
    .describe('Wall-time budget for the whole run, in minutes.')
})

export const LlmSchema = z.strictObject({
  provider: ProviderSchema.default('auto').describe(
    '`auto`: `openai` when an API key is present, else the offline `explorer`; `replay` replays `llm.replay-file`.'
  ),
  model: z.string().min(1).default('gpt-5-mini').describe('Model name sent to the endpoint.'),
  baseUrl: z.url().default('https://api.openai.com/v1').describe('OpenAI-compatible endpoint.'),
  outputLimitParam: z
    .enum(['max_completion_tokens', 'max_tokens'])
    .default('max_completion_tokens')
    .describe('Name of the output-limit parameter the endpoint understands.'),
  maxOutputTokens: positiveInt
    .default(4096)
    .describe('Output cap per call; the budget reserves this many completion tokens.'),
  requestsPerMinute: positiveInt
    .optional()
    .describe('Requests per minute, shared by every module.'),
  tokensPerMinute: positiveInt.optional().describe('Tokens per minute, shared by every module.'),
  timeoutSeconds: z
    .number()
    .positive()
    .default(120)
    .describe('Timeout of one request attempt, in seconds.'),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .default(3)
    .describe('Retries after a 429, 5xx or dropped connection (each attempt is budgeted).'),
  prices: z
    .record(z.string(), ModelPriceSchema)
    .default({})
    .describe('Prices per model name, for models not in the built-in table.'),
  allowUnpricedModel: z
    .boolean()
    .default(false)
    .describe('Allow a model with no known price when token limits alone bound the run.'),
  replayFile: z.string().optional().describe('Recorded session the `replay` provider answers from.')
})

export const GitHubSettingsSchema = z.strictObject({
  commandPermissions: z
    .array(PermissionSchema)
    .min(1)
    .default(['write', 'maintain', 'admin'])
    .describe('Repository permissions allowed to drive the bot by comment.'),
  allowForks: z
    .boolean()
    .default(false)
    .describe(
      'Let the LLM and comment commands run on fork PRs (off: fork code never runs beside the key; the explorer alone writes their tests).'
    ),
  allowPullRequestTarget: z
    .boolean()
    .default(false)
    .describe('Execute fork code under `pull_request_target` (see the security notes).'),
  skipDrafts: z.boolean().default(true).describe('Skip draft pull requests.'),
  skipLabel: z
    .string()
    .min(1)
    .default('testmaster:skip')
    .describe('Label that makes TestMaster skip a pull request.'),
  commentMode: z
    .enum(['update', 'on-change'])
    .default('update')
    .describe(
      '`update`: keep one comment updated in place; `on-change`: touch it only when the report changed.'
    ),
  verifiedCommits: z
    .boolean()
    .default(false)
    .describe('Commit through the GraphQL API (verified commits) instead of `git push`.'),
  pushAttempts: positiveInt
    .default(3)
    .describe('Push attempts when racing another push, before giving up.'),
  signoff: z
    .boolean()
    .default(false)
    .describe(
      'Add a `Signed-off-by:` line naming the bot to its commits, for repositories that enforce the DCO.'
    )
})

export const SettingsSchema = z.strictObject({
  repo: z.string().min(1).default('.').describe('Root of the repository under test.'),
  base: z
    .string()
    .min(1)
    .optional()
    .describe("Base ref; when absent the run plans against the head's first parent."),
  head: z.string().min(1).default('HEAD').describe('Head ref.'),
  config: z
    .string()
    .min(1)
    .default('.github/testmaster.yml')
    .describe('Path of the YAML config file, relative to the repository root.'),
  llm: LlmSchema.default(() => LlmSchema.parse({})).describe('The model and its endpoint.'),
  budget: BudgetSchema.default(() => BudgetSchema.parse({})).describe('Spending and time limits.'),
  explorer: z
    .boolean()
    .default(true)
    .describe(
      'Run the free offline explorer on each module before the model. With `false` and an API key only the model writes tests (and is asked about every focal unit); without a key the explorer runs anyway.'
    ),
  depth: DepthSchema.default('medium').describe(
    'Effort per module: candidates, healing rounds and the mutant gate.'
  ),
  paths: z
    .array(z.string().min(1))
    .default([])
    .describe('Globs (relative to the repository root) that restrict which changed files count.'),
  exclude: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Globs excluded on top of the built-in exclusions (tests, declarations, generated, vendored).'
    ),
  testFramework: FrameworkChoiceSchema.default('auto').describe(
    "Test framework; `auto` detects it from the repository's package.json and config files."
  ),
  testDir: z
    .string()
    .min(1)
    .optional()
    .describe("Where generated tests go; default: learned from the repository's existing tests."),
  maxHealingRounds: z
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe('Healing rounds per candidate; default from `depth`.'),
  stabilityRuns: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(3)
    .describe('Consecutive passing runs required to accept a candidate.'),
  concurrency: z.number().int().min(1).max(32).default(4).describe('Modules processed at once.'),
  testTimeoutSeconds: z
    .number()
    .positive()
    .default(120)
    .describe('Time limit of one test-framework run, in seconds.'),
  delivery: DeliverySchema.default('commit').describe(
    '`commit`: push to the PR branch; `pull-request`: a side PR onto it; `comment`: tests folded in the comment.'
  ),
  failOn: FailOnSchema.default('never').describe(
    'When the job fails: `budget-exceeded` (modules left unhandled) or `coverage-below` (patch coverage under the threshold).'
  ),
  patchCoverageThreshold: z
    .number()
    .min(0)
    .max(100)
    .default(80)
    .describe('Patch-coverage percentage below which `fail-on: coverage-below` fails.'),
  dryRun: z.boolean().default(false).describe('Plan and estimate only: no LLM calls, no writes.'),
  includeCovered: z
    .boolean()
    .default(false)
    .describe('Also generate for modules whose changed lines are already covered.'),
  github: GitHubSettingsSchema.default(() => GitHubSettingsSchema.parse({})).describe(
    'Pull-request behaviour.'
  ),
  reportPath: z
    .string()
    .optional()
    .describe('Where the JSON report is written (CLI `--json`, action artifact path).'),
  sessionDir: z
    .string()
    .default('.testmaster')
    .describe('Directory for the session record of every LLM conversation.')
})

/**
 * Keys the entry (action or CLI) sets after reading the file, so a value in the file has no
 * effect: the README's configuration table leaves them out.
 */
export const ENTRY_ONLY_KEYS: ReadonlySet<string> = new Set(['repo', 'base', 'head', 'config'])

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
