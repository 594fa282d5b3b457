import type { LineRange, ModuleAnalysis } from '../analysis/module-model.js'
import type { EventBus } from '../events/event-bus.js'
import type { LimitName } from '../report/report-schema.js'

/**
 * What a generation strategy (the LLM, the offline explorer) does for one module: propose whole
 * candidate test files, and, when it can, heal one that failed. The pipeline owns the gates;
 * strategies only write code.
 */

export type StrategyName = 'explorer' | 'llm'

export interface GenerationContext {
  readonly module: ModuleAnalysis
  /** Absolute repository root. */
  readonly repoRoot: string
  /** The module's source text at the head. */
  readonly source: string
  /** Lines of the module that neither existing tests nor accepted candidates cover yet. */
  readonly uncoveredLines: readonly LineRange[]
  /** An existing test of the repository, as a style example for the prompt. */
  readonly styleExample?: { readonly path: string; readonly code: string }
  readonly signal: AbortSignal
  readonly events: EventBus
}

/** One proposed test file, before any gate. */
export interface ProposedTest {
  /** The complete test file source, in the repository's framework and conventions. */
  readonly code: string
  /** Short description for the report (`explorer: 12 observations`, `llm attempt 1`). */
  readonly label: string
}

export type ProposeOutcome =
  | {
      readonly status: 'proposed'
      readonly tests: readonly ProposedTest[]
      /** Candidates the strategy itself discarded (no code, output scan): each is a rejection at `generates`. */
      readonly rejected?: readonly { readonly label: string; readonly reason: string }[]
    }
  /** The strategy answered but produced no usable code (rejected at the `generates` gate). */
  | { readonly status: 'no-code'; readonly reason: string }
  /** A budget limit (or the deadline) stopped the strategy before it could propose. */
  | { readonly status: 'stopped'; readonly limit: LimitName; readonly reason: string }

export interface FailureEvidence {
  /** Trimmed failure output: compile errors or failing assertions. */
  readonly message: string
  /** The gate that failed (`compiles` or `passes`). */
  readonly gate: 'compiles' | 'passes'
}

export type HealOutcome =
  | { readonly status: 'healed'; readonly test: ProposedTest }
  | { readonly status: 'no-code'; readonly reason: string }
  | { readonly status: 'stopped'; readonly limit: LimitName; readonly reason: string }
  /** The failure looks like a bug in the code, not in the test: report it, do not heal it. */
  | { readonly status: 'possible-bug'; readonly assertion: string; readonly explanation: string }

export interface Strategy {
  readonly name: StrategyName
  /** Up to `count` candidate test files for the module. */
  propose(context: GenerationContext, count: number): Promise<ProposeOutcome>
  /** Repairs a failing candidate. Strategies that cannot heal leave this out. */
  heal?(
    context: GenerationContext,
    test: ProposedTest,
    failure: FailureEvidence
  ): Promise<HealOutcome>
}
