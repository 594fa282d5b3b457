import { z } from 'zod'
import { GATES } from '../generate/verdict.js'

/**
 * The report: the one object every rendering reads (PR comment, job summary, terminal, check run,
 * action outputs, `--json`). Nothing shown anywhere is computed outside it.
 */

export const REPORT_SCHEMA_VERSION = 1

const Count = z.number().int().min(0)
const Usd = z.number().min(0)

export const RatioSchema = z.object({
  covered: Count,
  total: Count,
  /** Percentage 0..100; 100 when total is 0. */
  pct: z.number().min(0).max(100)
})
export type Ratio = z.infer<typeof RatioSchema>

export const CoverageFiguresSchema = z.object({
  lines: RatioSchema,
  branches: RatioSchema,
  functions: RatioSchema
})
export type CoverageFigures = z.infer<typeof CoverageFiguresSchema>

export const PatchCoverageSchema = z.object({
  lines: RatioSchema,
  branches: RatioSchema
})
export type PatchCoverage = z.infer<typeof PatchCoverageSchema>

export const LineRangeSchema = z
  .object({ start: z.number().int().min(1), end: z.number().int().min(1) })
  .refine((r) => r.end >= r.start, { message: 'a line range ends before it starts' })

export const VerdictSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('accepted') }),
  z.object({ status: z.literal('rejected'), gate: z.enum(GATES), reason: z.string() })
])

export const StrategyNameSchema = z.enum(['explorer', 'llm'])

/**
 * How far a candidate got through the gates, whatever its verdict: a test healed into passing
 * reached `passes`; one merged away afterwards still reached what it reached alone.
 */
export const FUNNEL_STAGES = [
  'answered',
  'compiles',
  'passes',
  'stable',
  'adds-coverage',
  'asserts'
] as const
export const FunnelStageSchema = z.enum(FUNNEL_STAGES)
export type FunnelStage = z.infer<typeof FunnelStageSchema>

export const CandidateReportSchema = z.object({
  id: z.string(),
  strategy: StrategyNameSchema,
  verdict: VerdictSchema,
  /** Number of test cases in the candidate file. */
  tests: Count,
  healingRounds: Count,
  durationMs: Count,
  /** Lines of the module this candidate newly covers (its gain over existing + accepted). */
  addedLines: Count.default(0),
  addedBranches: Count.default(0),
  mutantsKilled: Count.optional(),
  mutantsTried: Count.optional(),
  /** The part of a large module the candidate was written for (its focal units). */
  target: z.string().optional(),
  /** The last gate it passed; absent when the strategy gave no code. */
  reached: FunnelStageSchema.optional(),
  /** A rejected candidate's code as proposed (cut at 20,000 characters), to check its reason. */
  code: z.string().optional(),
  /**
   * Tests cut out of the candidate because they failed (at the passes or stability gate, or the
   * final check), with the error line; the rest of the candidate was re-run and kept.
   */
  droppedTests: z
    .array(z.object({ name: z.string(), gate: z.enum(GATES), error: z.string() }))
    .optional(),
  /** Repo-relative path of the file its tests were delivered in. */
  testFile: z.string().optional(),
  /** Why it was delivered in a file of its own (merging clashed), when it was. */
  note: z.string().optional()
})
export type CandidateReport = z.infer<typeof CandidateReportSchema>

export const LlmUsageSchema = z.object({
  calls: Count,
  tokensIn: Count,
  tokensOut: Count,
  costUsd: Usd
})
export type LlmUsage = z.infer<typeof LlmUsageSchema>

/**
 * The LLM's funnel: of its generate calls, how many answered with code, and how many of those
 * compiled, passed, were stable, added coverage, passed the assertion gate, killed a mutant, and
 * were kept in the delivered file after the merge. Healing: candidates that needed it, how many
 * healed (then passed), and the rounds spent.
 */
export const FunnelSchema = z.object({
  calls: Count,
  answered: Count,
  compiles: Count,
  passes: Count,
  stable: Count,
  addsCoverage: Count,
  asserts: Count,
  killsMutant: Count,
  kept: Count,
  healAttempted: Count,
  healed: Count,
  healRounds: Count
})
export type Funnel = z.infer<typeof FunnelSchema>

/**
 * Every candidate of the run through the gates, per strategy and for all together: proposed (an
 * LLM generate call, or a proposal of the explorer), came with code, compiled, passed (healed
 * ones included), were stable, added coverage, passed the assertion gate, killed a mutant, and
 * were kept in the delivered file. Each stage counts the candidates that got at least that far;
 * tests TestMaster committed on an earlier run, re-checked, are not candidates.
 */
export const GateFunnelSchema = z.object({
  strategy: z.enum(['explorer', 'llm', 'all']),
  proposed: Count,
  answered: Count,
  compiles: Count,
  passes: Count,
  stable: Count,
  addsCoverage: Count,
  asserts: Count,
  /** Candidates the mutant check ran on: 0 when it was off (depth `low`). */
  mutantChecked: Count,
  killsMutant: Count,
  kept: Count
})
export type GateFunnel = z.infer<typeof GateFunnelSchema>

export const PossibleBugSchema = z.object({
  module: z.string(),
  test: z.string(),
  assertion: z.string(),
  explanation: z.string()
})

/** How a module's "coverage before" was measured. */
export const BaselineSchema = z.object({
  /**
   * `existing-tests`: the repository's own test files that reach the module through its imports
   * (directly, or through an index or another module) ran with coverage; `no-tests`: none reach
   * it, so it starts at zero; `timed-out`: they did not finish in time, so it starts at zero.
   */
  method: z.enum(['existing-tests', 'no-tests', 'timed-out']),
  /** Those test files (repo-relative). */
  tests: z.array(z.string())
})
export type BaselineReport = z.infer<typeof BaselineSchema>

export const ModuleReportSchema = z.object({
  path: z.string(),
  packageRoot: z.string(),
  framework: z.enum(['jest', 'vitest']).optional(),
  strategies: z.array(StrategyNameSchema),
  status: z.enum(['done', 'skipped', 'failed', 'stopped-by-budget', 'not-run']),
  /** Why it was skipped, failed or not run. */
  reason: z.string().optional(),
  changedLines: Count,
  /** Repo-relative path of the test file written for this module, when any test was accepted. */
  testFile: z.string().optional(),
  /**
   * What the delivered files change in the module's generated tests already on the branch, test
   * by test (full name and body, formatting aside): tests added (new or changed) and removed. On
   * a first run every delivered test is added; a re-run that adds nothing has `added` 0.
   */
  testChanges: z.object({ added: Count, removed: Count }).optional(),
  candidates: z.array(CandidateReportSchema),
  coverageBefore: CoverageFiguresSchema.optional(),
  coverageAfter: CoverageFiguresSchema.optional(),
  patchCoverageBefore: PatchCoverageSchema.optional(),
  patchCoverageAfter: PatchCoverageSchema.optional(),
  /**
   * The changed lines no test covers after the run (repo-relative `path`'s line numbers): ranges
   * of coverable lines, joined across lines with no statement. Absent when coverage was not
   * measured (the module was not run, or failed).
   */
  uncoveredChangedLines: z.array(LineRangeSchema).optional(),
  baseline: BaselineSchema.optional(),
  llm: LlmUsageSchema,
  durationMs: Count,
  /** The LLM's funnel for this module (absent when the LLM did not run on it). */
  funnel: FunnelSchema.optional(),
  /** Focal units the module was split into for the LLM (1: shown whole). */
  focalUnits: Count.optional(),
  /** Why the LLM made no further call for the module (everything covered, calls used up). */
  llmStoppedBecause: z.string().optional()
})
export type ModuleReport = z.infer<typeof ModuleReportSchema>

export const StageSchema = z.object({
  name: z.string(),
  status: z.enum(['ran', 'skipped', 'not-run', 'failed']),
  detail: z.string().optional(),
  durationMs: Count.optional()
})
export type StageReport = z.infer<typeof StageSchema>

export const PlannedModuleSchema = z.object({
  path: z.string(),
  priority: z.number(),
  changedLines: Count,
  exports: z.array(z.string()),
  changedExports: z.array(z.string()),
  estimatedCostUsd: Usd,
  estimatedPromptTokens: Count
})

export const LimitNameSchema = z.enum([
  'run-usd',
  'pr-usd',
  'module-usd',
  'max-calls',
  'max-tokens',
  'time',
  /** Not a limit: the job was cancelled (SIGINT/SIGTERM), which stops the run the same way. */
  'cancelled'
])
export type LimitName = z.infer<typeof LimitNameSchema>

export const BudgetReportSchema = z.object({
  limits: z.object({
    runUsd: Usd,
    prUsd: Usd.optional(),
    moduleUsd: Usd.optional(),
    maxCalls: Count.optional(),
    maxTokens: Count.optional(),
    timeMinutes: z.number().positive()
  }),
  spentUsd: Usd,
  peakReservedUsd: Usd,
  calls: Count,
  tokens: Count,
  /** The limit that stopped new work, if one did. */
  stoppedBy: LimitNameSchema.optional(),
  /** That limit as the user set it (the input, flag or config key), for messages. */
  stoppedBySetting: z.string().optional(),
  /** Whether the budget ran out before all changed modules were handled. */
  exceeded: z.boolean(),
  /** Spend on this PR before this run (from the ledger), when known. */
  prSpentBeforeUsd: Usd.optional(),
  /** Reported overruns: a server answered with more tokens than reserved, or no usage. */
  overruns: z.array(z.string()).default([])
})

export const LlmCallOutcomeSchema = z.enum([
  'ok',
  'no-code',
  'truncated',
  'error',
  'refused-by-budget',
  'aborted'
])

export const LlmCallSchema = z.object({
  module: z.string(),
  purpose: z.enum(['generate', 'heal']),
  model: z.string(),
  promptTokens: Count,
  completionTokens: Count,
  cachedTokens: Count,
  costUsd: Usd,
  latencyMs: Count,
  outcome: LlmCallOutcomeSchema,
  attempt: Count
})
export type LlmCallRecord = z.infer<typeof LlmCallSchema>

export const DeliverySchema = z.object({
  mode: z.enum(['commit', 'pull-request', 'comment', 'none']),
  status: z.enum(['delivered', 'nothing-to-deliver', 'skipped', 'failed', 'head-moved', 'not-run']),
  detail: z.string().optional(),
  commitSha: z.string().optional(),
  /** The branch the commit was pushed to (the PR's, or the side PR's). */
  branch: z.string().optional(),
  pullRequestUrl: z.string().optional(),
  files: z.array(z.string())
})

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  runId: z.string().min(1),
  toolVersion: z.string(),
  startedAt: z.iso.datetime(),
  durationMs: Count,
  configDigest: z.string(),
  /** The effective settings (never holds secrets), and any input clamped by the base config. */
  settings: z.record(z.string(), z.unknown()),
  clamps: z.array(
    z.object({
      option: z.string(),
      requested: z.number(),
      cap: z.number(),
      source: z.literal('command').optional()
    })
  ),
  provider: z.enum(['openai', 'explorer', 'replay']),
  model: z.string().optional(),
  /**
   * What isolated the processes that ran PR code and model-written code from the secrets and the
   * network: `bubblewrap`, or `none` with the reason. Absent only in reports of older versions.
   */
  sandbox: z.object({ mechanism: z.enum(['bubblewrap', 'none']), detail: z.string() }).optional(),
  repo: z.object({
    base: z.string().optional(),
    head: z.string(),
    baseSha: z.string().optional(),
    headSha: z.string().optional(),
    mergeBase: z.string().optional(),
    /**
     * Files of the work tree that differ from the head commit (uncommitted or untracked; our own
     * generated tests left out). The tests ran on this content, not on the commit's.
     */
    uncommitted: z.array(z.string()).optional()
  }),
  plan: z.object({
    modules: z.array(PlannedModuleSchema),
    skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
    /** Files the configured `paths` included although the built-in `rule` would skip them. */
    included: z.array(z.object({ path: z.string(), rule: z.string() })).optional(),
    estimatedCostUsd: Usd
  }),
  stages: z.array(StageSchema),
  modules: z.array(ModuleReportSchema),
  llmCalls: z.array(LlmCallSchema),
  possibleBugs: z.array(PossibleBugSchema),
  budget: BudgetReportSchema,
  totals: z.object({
    modules: Count,
    candidates: Count,
    accepted: Count,
    rejected: Count,
    llm: LlmUsageSchema,
    /** The LLM's funnel over every module. */
    funnel: FunnelSchema.optional(),
    /** Every candidate through the gates: one row per strategy that proposed any, then `all`. */
    funnels: z.array(GateFunnelSchema).optional(),
    coverageBefore: CoverageFiguresSchema.optional(),
    coverageAfter: CoverageFiguresSchema.optional(),
    patchCoverageBefore: PatchCoverageSchema.optional(),
    patchCoverageAfter: PatchCoverageSchema.optional()
  }),
  delivery: DeliverySchema,
  /** The budget/quality gate (`fail-on`): whether it failed and why. */
  /**
   * The budget gate. `findings` is everything the check run reports (budget ran out, estimate over
   * budget, patch coverage below the threshold); `reasons` are those `fail-on` turns into a failed
   * job, and `failed` says whether there are any.
   */
  gate: z.object({
    failed: z.boolean(),
    reasons: z.array(z.string()),
    findings: z
      .array(z.object({ kind: z.enum(['budget', 'coverage']), reason: z.string() }))
      .optional()
  }),
  errors: z.array(
    z.object({ module: z.string().optional(), code: z.string(), message: z.string() })
  ),
  /** Generated test sources per module (for comment delivery and the artifact). */
  tests: z.array(z.object({ module: z.string(), path: z.string(), code: z.string() })),
  /** Where a secret value was found (and redacted, or a commit blocked) before leaving the runner. */
  secretsRedacted: z
    .array(z.object({ surface: z.string(), count: z.number().int().positive() }))
    .optional()
})
export type Report = z.infer<typeof ReportSchema>
