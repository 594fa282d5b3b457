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
  /** Titles of the tests accepted so far for the module, so a later call does not repeat them. */
  readonly acceptedTests?: readonly string[]
  /** This strategy's rejected candidates for the module so far: `label: rejected at gate: reason`. */
  readonly rejectedCandidates?: readonly string[]
  readonly signal: AbortSignal
  readonly events: EventBus
}

/** One proposed test file, before any gate. */
export interface ProposedTest {
  /** The complete test file source, in the repository's framework and conventions. */
  readonly code: string
  /** Short description for the report (`explorer: 12 observations`, `llm attempt 1`). */
  readonly label: string
  /** The part of the module it was written for, when the module was split into focal units. */
  readonly target?: string
}

export type ProposeOutcome =
  | {
      readonly status: 'proposed'
      readonly tests: readonly ProposedTest[]
      /** Candidates the strategy itself discarded (no code, output scan): each is a rejection at `generates`. */
      readonly rejected?: readonly {
        readonly label: string
        readonly reason: string
        readonly target?: string
      }[]
      /** Ask again once these are judged: the strategy works through the module call by call. */
      readonly more?: boolean
    }
  /** The strategy answered but produced no usable code (rejected at the `generates` gate). */
  | {
      readonly status: 'no-code'
      readonly reason: string
      readonly target?: string
      readonly more?: boolean
    }
  /** Nothing left worth a call (all covered, or every target had its calls): why. */
  | { readonly status: 'exhausted'; readonly reason: string }
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
  /**
   * Candidate test files for the module: up to `count` at once, or (with `more`) one call's worth
   * at a time, each judged before the next so later calls see the refreshed coverage.
   */
  propose(context: GenerationContext, count: number): Promise<ProposeOutcome>
  /** Repairs a failing candidate. Strategies that cannot heal leave this out. */
  heal?(
    context: GenerationContext,
    test: ProposedTest,
    failure: FailureEvidence
  ): Promise<HealOutcome>
}
