/**
 * The error hierarchy. Every error we raise on purpose is a TestMasterError with a stable code,
 * a message that names the value at fault, and a hint that says what to do. Anything else that
 * reaches the entries is unexpected and is printed with its stack and where to report it.
 */

export type ErrorArea =
  'config' | 'git' | 'analysis' | 'runner' | 'llm' | 'budget' | 'github' | 'generation'

export const ISSUES_URL = 'https://github.com/testmaster/testmaster/issues'

export class TestMasterError extends Error {
  /** Whether the user can fix this by changing input (config, refs, keys) rather than reporting a bug. */
  readonly userFixable: boolean = true

  constructor(
    readonly area: ErrorArea,
    /** Stable machine-readable code, e.g. `CONFIG_INVALID`. */
    readonly code: string,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = new.target.name
  }

  /** The message with its hint, as printed to a user. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message
  }
}

export class ConfigError extends TestMasterError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('config', code, message, hint, options)
  }
}

export class GitError extends TestMasterError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('git', code, message, hint, options)
  }
}

export class AnalysisError extends TestMasterError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('analysis', code, message, hint, options)
  }
}

export class RunnerError extends TestMasterError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('runner', code, message, hint, options)
  }
}

export class LlmError extends TestMasterError {
  constructor(
    code: string,
    message: string,
    hint?: string,
    options?: { cause?: unknown; status?: number; retryable?: boolean }
  ) {
    super('llm', code, message, hint, options)
    this.status = options?.status
    this.retryable = options?.retryable ?? false
  }
  readonly status: number | undefined
  readonly retryable: boolean
}

export class BudgetError extends TestMasterError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('budget', code, message, hint, options)
  }
}

export class GitHubError extends TestMasterError {
  constructor(
    code: string,
    message: string,
    hint?: string,
    options?: { cause?: unknown; status?: number }
  ) {
    super('github', code, message, hint, options)
    this.status = options?.status
  }
  readonly status: number | undefined
}

export class GenerationError extends TestMasterError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('generation', code, message, hint, options)
  }
}

/** A defect of ours, not of the input: printed with the stack and a request to report it. */
export class UnexpectedError extends TestMasterError {
  override readonly userFixable = false
  constructor(area: ErrorArea, message: string, options?: { cause?: unknown }) {
    super(
      area,
      'UNEXPECTED',
      message,
      `this is a bug in TestMaster; please report it at ${ISSUES_URL}`,
      options
    )
  }
}

export function isTestMasterError(error: unknown): error is TestMasterError {
  return error instanceof TestMasterError
}

/**
 * Exit codes of the CLI, documented in the README.
 * 0 success; 1 unexpected error; 2 usage or config error; 3 a quality or budget gate failed;
 * 4 git, analysis or runner error in the target repository; 5 LLM or GitHub service error.
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  gateFailed: 3,
  target: 4,
  service: 5
} as const

export function exitCodeFor(error: unknown): number {
  if (!isTestMasterError(error) || !error.userFixable) return EXIT_CODES.unexpected
  switch (error.area) {
    case 'config':
    case 'budget':
      return EXIT_CODES.usage
    case 'git':
    case 'analysis':
    case 'runner':
    case 'generation':
      return EXIT_CODES.target
    case 'llm':
    case 'github':
      return EXIT_CODES.service
  }
}

/** One text for a user: plain for user-fixable errors, stack and report link for the rest. */
export function formatError(error: unknown, verbose = false): string {
  if (isTestMasterError(error) && error.userFixable) {
    const base = `error ${error.code}: ${error.describe()}`
    return verbose && error.stack ? `${base}\n${error.stack}` : base
  }
  const err = error instanceof Error ? error : new Error(String(error))
  const hint =
    isTestMasterError(error) && error.hint ? error.hint : `please report it at ${ISSUES_URL}`
  return `unexpected error: ${err.message}\n${err.stack ?? ''}\n  ${hint}`
}

/** The message of anything thrown: an Error's message, or the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
