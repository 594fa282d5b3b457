import type { ExportedSymbol } from '../../../analysis/module-model.js'

/**
 * What the explorer parent and its child process exchange, as JSON files. The child explores (calls
 * the module's exports with generated inputs and reports what happened and what it covered) or
 * replays (runs a fixed list of programs, in order, to check that what they observe is stable).
 */

/** A runtime value written down as data: everything a test can rebuild as a literal, or `opaque`. */
export type Repr =
  | { readonly t: 'undefined' }
  | { readonly t: 'null' }
  | { readonly t: 'boolean'; readonly v: boolean }
  /** Numbers as text so NaN, Infinity and -0 survive JSON. */
  | { readonly t: 'number'; readonly v: string }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'bigint'; readonly v: string }
  | { readonly t: 'array'; readonly items: readonly Repr[] }
  /** A plain object, or a class instance's own enumerable state when `ctor` is set. */
  | {
      readonly t: 'object'
      readonly ctor?: string
      readonly entries: readonly (readonly [string, Repr])[]
    }
  | { readonly t: 'date'; readonly v: number }
  | { readonly t: 'regexp'; readonly source: string; readonly flags: string }
  | { readonly t: 'map'; readonly entries: readonly (readonly [Repr, Repr])[] }
  | { readonly t: 'set'; readonly items: readonly Repr[] }
  /** `code`: Node's error code (`ERR_INVALID_ARG_TYPE`, `ENOENT`) when the error has one. */
  | { readonly t: 'error'; readonly name: string; readonly message: string; readonly code?: string }
  /** Cannot be written as a literal (functions, symbols, cycles, too deep): never asserted. */
  | {
      readonly t: 'opaque'
      readonly what: 'function' | 'symbol' | 'circular' | 'deep' | 'promise' | 'other'
      readonly ctor?: string
    }

/** How a test builds one argument. */
export type Recipe =
  | { readonly kind: 'literal'; readonly value: Repr }
  /** The value returned by an earlier step of the same program. */
  | { readonly kind: 'ref'; readonly step: number }
  /** A callback that returns a generated value (`() => 3`). */
  | { readonly kind: 'callback'; readonly returns: Recipe }
  /** An already resolved promise of a generated value. */
  | { readonly kind: 'promise'; readonly value: Recipe }
  /** A member of an enum the module exports (`Color.Red`), with its value for the call itself. */
  | {
      readonly kind: 'enum'
      readonly enumName: string
      readonly member: string
      readonly value: Repr
    }

/** One step of a program. `target` names an export of the module under test. */
export type Step =
  | { readonly op: 'call'; readonly target: string; readonly args: readonly Recipe[] }
  | { readonly op: 'construct'; readonly target: string; readonly args: readonly Recipe[] }
  | {
      readonly op: 'static'
      readonly target: string
      readonly method: string
      readonly args: readonly Recipe[]
    }
  | {
      readonly op: 'method'
      readonly receiver: number
      readonly method: string
      readonly args: readonly Recipe[]
    }
  | { readonly op: 'get'; readonly receiver: number; readonly property: string }

/** A sequence of steps that a single test reproduces; later steps use earlier results. */
export interface Program {
  readonly steps: readonly Step[]
}

export type StepOutcome =
  | { readonly status: 'returned'; readonly value: Repr; readonly awaited: boolean }
  | { readonly status: 'threw'; readonly error: Repr; readonly awaited: boolean }
  | { readonly status: 'timeout' }

export interface ProgramResult {
  /** One per executed step; a program stops at its first throw. */
  readonly outcomes: readonly StepOutcome[]
  /** Own state of each object created by a `construct` step, after the last step, keyed by step index. */
  readonly states: readonly (readonly [number, Repr])[]
  /** Getter values of those objects after the last step: `[step, getter, value]`. */
  readonly getters: readonly (readonly [number, string, Repr])[]
  /** Coverage units (`s3`, `b2.1`, `f0`) of the module whose counters rose while the program ran. */
  readonly units: readonly string[]
  /**
   * Effects past the return value that keep the program from becoming a test: a file written, a
   * descriptor it did not open, an error thrown after the call returned (side-effect-guard.ts).
   */
  readonly hazards?: readonly string[]
}

export interface ChildModuleSpec {
  /** Absolute path of the module under test. */
  readonly file: string
  readonly exports: readonly ExportedSymbol[]
  /** Literal values found in the module source, as seed inputs. */
  readonly literals: readonly Repr[]
  /** Properties the source reads off each parameter name (`options.long`), for option bags. */
  readonly propertyHints: Readonly<Record<string, readonly string[]>>
  /** Strings the source compares each property with (`options.quotes == 'double'`), by key. */
  readonly propertyValues?: Readonly<Record<string, readonly string[]>>
  /** Enums a test can name (exported by the module or by a sibling it imports them from). */
  readonly enumNames?: readonly string[]
  /**
   * The module is written with `export` and tests import it by name: a CommonJS build of it is
   * seen through the frameworks' interop (`default` is `exports.default`; see esm-view.ts).
   */
  readonly importedByName?: boolean
}

export interface ExploreRequest {
  readonly mode: 'explore'
  readonly module: ChildModuleSpec
  readonly seed: number
  readonly callTimeoutMs: number
  readonly maxCallsPerSymbol: number
  /** Wall-time budget of the exploration itself (the child stops generating after it). */
  readonly budgetMs: number
  /** Where the child appends one JSON line per explored program. */
  readonly outputFile: string
}

export interface ReplayRequest {
  readonly mode: 'replay'
  readonly module: ChildModuleSpec
  readonly callTimeoutMs: number
  readonly programs: readonly Program[]
  readonly outputFile: string
}

/**
 * Seeds from the module's source text: its literals, samples of its regexes, the properties read
 * off its parameters. Sampling a regex from PR source can take forever (`/^(?:){99999999999999}x$/`),
 * so it runs in the child under a time limit, never in the action's own event loop (SECURITY 36).
 * The module is not loaded.
 */
export interface SeedsRequest {
  readonly mode: 'seeds'
  readonly source: string
  readonly language: 'ts' | 'js'
  readonly exports: readonly ExportedSymbol[]
  readonly outputFile: string
}

export type ChildRequest = ExploreRequest | ReplayRequest | SeedsRequest

/** What a seeds request found: the source-derived fields of a ChildModuleSpec. */
export type SourceSeeds = Pick<ChildModuleSpec, 'literals' | 'propertyHints' | 'propertyValues'>

/** Lines written by the child, one JSON object per line. */
export type ChildMessage =
  | ({ readonly type: 'seeds' } & SourceSeeds)
  | {
      readonly type: 'loaded'
      /** Every coverage unit of the module with its 1-based source line. */
      readonly units: readonly (readonly [string, number])[]
      /** Units already covered by loading the module. */
      readonly loadUnits: readonly string[]
      /** Export names found at runtime, with their kind. */
      readonly runtimeExports: readonly (readonly [string, 'function' | 'class' | 'value'])[]
    }
  | {
      readonly type: 'program'
      readonly index: number
      readonly program: Program
      readonly result: ProgramResult
    }
  /** Hazards noticed after program `index` had ended (its late timers, callbacks, rejections). */
  | { readonly type: 'hazard'; readonly index: number; readonly hazards: readonly string[] }
  | { readonly type: 'load-error'; readonly message: string }
  | { readonly type: 'done' }
