/**
 * The flat options shared by action inputs and CLI flags: each maps one kebab-case name to a
 * path in the settings schema, with how to read it from a string.
 */

export type FlatKind = 'string' | 'number' | 'integer' | 'boolean' | 'list'

export interface FlatOption {
  readonly name: string
  readonly path: readonly string[]
  readonly kind: FlatKind
  /** A budget limit: the base config's value is a ceiling that inputs and flags cannot raise. */
  readonly cap?: boolean
}

export const FLAT_OPTIONS: readonly FlatOption[] = [
  { name: 'model', path: ['llm', 'model'], kind: 'string' },
  { name: 'base-url', path: ['llm', 'baseUrl'], kind: 'string' },
  { name: 'provider', path: ['llm', 'provider'], kind: 'string' },
  { name: 'max-cost-usd', path: ['budget', 'runUsd'], kind: 'number', cap: true },
  { name: 'pr-budget-usd', path: ['budget', 'prUsd'], kind: 'number', cap: true },
  { name: 'module-budget-usd', path: ['budget', 'moduleUsd'], kind: 'number', cap: true },
  { name: 'max-calls', path: ['budget', 'maxCalls'], kind: 'integer', cap: true },
  { name: 'max-tokens', path: ['budget', 'maxTokens'], kind: 'integer', cap: true },
  { name: 'time-budget-minutes', path: ['budget', 'timeMinutes'], kind: 'number', cap: true },
  { name: 'depth', path: ['depth'], kind: 'string' },
  { name: 'paths', path: ['paths'], kind: 'list' },
  { name: 'exclude', path: ['exclude'], kind: 'list' },
  { name: 'test-framework', path: ['testFramework'], kind: 'string' },
  { name: 'test-dir', path: ['testDir'], kind: 'string' },
  { name: 'max-healing-rounds', path: ['maxHealingRounds'], kind: 'integer' },
  { name: 'stability-runs', path: ['stabilityRuns'], kind: 'integer' },
  { name: 'concurrency', path: ['concurrency'], kind: 'integer' },
  { name: 'delivery', path: ['delivery'], kind: 'string' },
  { name: 'config', path: ['config'], kind: 'string' },
  { name: 'fail-on', path: ['failOn'], kind: 'string' },
  { name: 'patch-coverage-threshold', path: ['patchCoverageThreshold'], kind: 'number' },
  { name: 'dry-run', path: ['dryRun'], kind: 'boolean' }
]

export const FLAT_OPTION_BY_PATH = new Map(FLAT_OPTIONS.map((o) => [o.path.join('.'), o]))

/**
 * Reads a raw string as the option's kind. Returns the string unchanged when it does not convert,
 * so the schema reports the original value ("got \"ten\"").
 */
export function coerceFlatValue(option: FlatOption, raw: string): unknown {
  const text = raw.trim()
  switch (option.kind) {
    case 'string':
      return text
    case 'number':
    case 'integer': {
      if (text === '') return text
      const n = Number(text)
      return Number.isFinite(n) ? n : text
    }
    case 'boolean':
      if (/^(true|yes|1|on)$/i.test(text)) return true
      if (/^(false|no|0|off)$/i.test(text)) return false
      return text
    case 'list':
      return text
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
  }
}

/** Sets `value` at `path` in a nested plain object, creating levels as needed. */
export function setAtPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown
): void {
  let current = target
  path.forEach((key, index) => {
    if (index === path.length - 1) {
      current[key] = value
      return
    }
    const next = current[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[key] = {}
    current = current[key] as Record<string, unknown>
  })
}
