/**
 * The serialisable model of a changed module that every strategy reads: what it exports, with
 * signatures resolved into a small type model, what changed, what it imports, and where its
 * generated tests go. Produced by analysis/, consumed by generate/ (llm and explorer) and plan.
 */
import type { TestModuleStyle } from './module-style.js'

export interface LineRange {
  /** 1-based, inclusive. */
  readonly start: number
  readonly end: number
}

export type TypeModel =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'bigint' | 'symbol' }
  | { readonly kind: 'null' | 'undefined' | 'void' | 'any' | 'unknown' | 'never' }
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'union'; readonly types: readonly TypeModel[] }
  | { readonly kind: 'array'; readonly element: TypeModel }
  | { readonly kind: 'tuple'; readonly elements: readonly TypeModel[] }
  | {
      readonly kind: 'object'
      readonly properties: readonly PropertyModel[]
      readonly name?: string
    }
  | { readonly kind: 'record'; readonly key: TypeModel; readonly value: TypeModel }
  | { readonly kind: 'enum'; readonly name: string; readonly members: readonly EnumMember[] }
  | { readonly kind: 'promise'; readonly type: TypeModel }
  | { readonly kind: 'function'; readonly signature: SignatureModel }
  | { readonly kind: 'class'; readonly name: string; readonly module?: string }
  | { readonly kind: 'date' | 'regexp' | 'map' | 'set' }
  /** Anything the model does not describe (generics, conditional types): kept as source text. */
  | { readonly kind: 'unresolved'; readonly text: string }

export interface PropertyModel {
  readonly name: string
  readonly type: TypeModel
  readonly optional: boolean
}

export interface EnumMember {
  readonly name: string
  readonly value: string | number
}

export interface ParameterModel {
  readonly name: string
  readonly type: TypeModel
  readonly optional: boolean
  readonly rest: boolean
  /** Source text of a default value, when there is one. */
  readonly defaultText?: string
}

export interface SignatureModel {
  readonly parameters: readonly ParameterModel[]
  readonly returns: TypeModel
  readonly async: boolean
  /** Source text, for prompts: `add(a: number, b: number): number`. */
  readonly text: string
}

export interface MemberModel {
  readonly name: string
  readonly kind: 'method' | 'getter' | 'setter' | 'property'
  readonly static: boolean
  readonly signature?: SignatureModel
  readonly type?: TypeModel
  readonly changed: boolean
  /** The base class that declares it, for a member the class inherits (never `changed`). */
  readonly inheritedFrom?: string
}

export type ExportKind = 'function' | 'class' | 'const' | 'enum' | 'type' | 'interface'

export interface ExportedSymbol {
  /** Export name; `default` for the default export. */
  readonly name: string
  /** Local name when it differs (e.g. a named default export). */
  readonly localName?: string
  readonly kind: ExportKind
  readonly lines: LineRange
  /** True when a changed line of the PR falls inside the declaration. */
  readonly changed: boolean
  readonly jsDoc?: string
  /** Functions: one per overload (the implementation signature last). */
  readonly signatures?: readonly SignatureModel[]
  /** Classes: constructor and public members. */
  readonly constructorSignature?: SignatureModel
  readonly members?: readonly MemberModel[]
  /** Constants and enums. */
  readonly type?: TypeModel
}

export interface ImportModel {
  /** The specifier as written (`./math.js`, `lodash`). */
  readonly specifier: string
  readonly kind: 'relative' | 'package' | 'builtin'
  /** Resolved repo-relative path for relative imports. */
  readonly resolvedPath?: string
  readonly names: readonly string[]
}

export type SideEffectHint =
  'fs' | 'network' | 'child-process' | 'timers' | 'date' | 'random' | 'env'

export type Framework = 'jest' | 'vitest'

export interface TestPlacement {
  /** Repo-relative path of the generated test file (recognisable: `*.testmaster.test.ts`). */
  readonly testPath: string
  /** Specifier the test uses to import the module (`../src/math.js`). */
  readonly importSpecifier: string
  /** Whether tests import `describe`/`it`/`expect` explicitly or use framework globals. */
  readonly explicitImports: boolean
  /**
   * The repository's own test files that exercise this module (repo-relative): those importing
   * it first, then those reaching it through other modules (an index that re-exports it). Never
   * tests TestMaster generated.
   */
  readonly existingTests: readonly string[]
}

export interface PackageInfo {
  /** Repo-relative package root ('' for the repo root). */
  readonly root: string
  readonly name?: string
  readonly packageManager: 'npm' | 'pnpm' | 'yarn' | 'bun'
  readonly framework: Framework | undefined
  readonly moduleType: 'esm' | 'cjs'
}

export interface ModuleAnalysis {
  /** Repo-relative path with forward slashes. */
  readonly path: string
  readonly language: 'ts' | 'js'
  readonly moduleFormat: 'esm' | 'cjs'
  readonly package: PackageInfo
  readonly changedLines: readonly LineRange[]
  readonly exports: readonly ExportedSymbol[]
  readonly imports: readonly ImportModel[]
  readonly sideEffects: readonly SideEffectHint[]
  readonly placement: TestPlacement
  /** How the generated test loads the module: require or import, by name or as module.exports. */
  readonly testStyle: TestModuleStyle
  /** Line count of the source, for prompt sizing. */
  readonly lineCount: number
  /** Set when the module could not be analysed within its bounds (its exports are then empty). */
  readonly skipReason?: string
}

export type FileChangeStatus =
  'added' | 'modified' | 'renamed' | 'deleted' | 'copied' | 'type-changed'

export interface ChangedFile {
  readonly path: string
  readonly previousPath?: string
  readonly status: FileChangeStatus
  /** Rename/copy similarity, 0..100. */
  readonly similarity?: number
  readonly binary: boolean
  /** Changed line ranges on the head side (empty for deletions, binaries and oversized files). */
  readonly lines: readonly LineRange[]
  /** Set when the file was over a size cap and not diffed line by line (`lines` is then empty). */
  readonly oversized?: OversizedChange
}

/** Which cap kept a changed file from being diffed line by line (GitRepository.changedFiles). */
export type OversizedChange =
  | { readonly cap: 'file-lines'; readonly changedLines: number; readonly limit: number }
  | { readonly cap: 'file-bytes'; readonly bytes: number; readonly limit: number }
  /** The pull request's whole patch passed `limit` bytes before this file's turn. */
  | { readonly cap: 'patch-bytes'; readonly limit: number }

export interface SkippedFile {
  readonly path: string
  readonly reason: string
}
