import { closest, distance } from 'fastest-levenshtein'
import type { core, z } from 'zod'
import { ConfigError } from '../errors.js'
import { camelToKebab, formatKeyPath, valueAtPath } from './config-keys.js'
import { jsonSchemaOf, nodeAtPath, numberType } from './schema-docs.js'

/**
 * Turns zod issues into one message per problem, in the form
 * `.github/testmaster.yml: budget.run-usd must be a number >= 0, got "ten"`.
 */

type Issue = core.$ZodIssue

/** Where a value came from, used as the message prefix (`.github/testmaster.yml`, `input max-cost-usd`). */
export type ConfigPlace = string

function shown(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(value)
  try {
    const text = JSON.stringify(value)
    return text.length > 80 ? `${text.slice(0, 77)}...` : text
  } catch {
    // Circular or BigInt values: name the kind rather than guess a rendering.
    return `a value of type ${typeof value}`
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

function expectation(issue: Issue, schema: z.ZodType): string {
  switch (issue.code) {
    case 'invalid_type': {
      // A wrong type names the bounds too, so one fix is enough: "must be a number >= 0".
      const node = nodeAtPath(jsonSchemaOf(schema), issue.path)
      const number = node && numberType(node)
      return `must be ${article(number ?? issue.expected)}`
    }
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '>='
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `must be a number ${op} ${String(issue.minimum)}`
      }
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`
      return `must have length ${op} ${String(issue.minimum)}`
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '<='
      if (issue.origin === 'number' || issue.origin === 'int') {
        return `must be a number ${op} ${String(issue.maximum)}`
      }
      return `must have length ${op} ${String(issue.maximum)}`
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a URL' : `must be a valid ${issue.format}`
    default:
      return issue.message.toLowerCase().startsWith('invalid')
        ? `is invalid (${issue.message})`
        : issue.message
  }
}

/** Option names known at the level of `path` in the schema, for "did you mean". */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema
  for (const part of [...path]) {
    current = unwrap(current)
    const shape = (current as { shape?: Record<string, unknown> }).shape
    if (!shape || typeof part !== 'string' || !(part in shape)) return []
    current = shape[part]
  }
  const shape = (unwrap(current) as { shape?: Record<string, unknown> }).shape
  return shape ? Object.keys(shape) : []
}

function unwrap(schema: unknown): unknown {
  type Wrapped = { def?: { innerType?: Wrapped } }
  let current = schema as Wrapped
  for (let i = 0; i < 5 && current?.def?.innerType; i++) {
    current = current.def.innerType
  }
  return current
}

export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined
  const kebabKnown = known.map(camelToKebab)
  const best = closest(unknown, kebabKnown)
  const limit = Math.max(2, Math.floor(unknown.length / 3))
  return distance(unknown, best) <= limit ? best : undefined
}

export function describeIssues(
  issues: readonly Issue[],
  input: unknown,
  place: ConfigPlace,
  schema: z.ZodType,
  /** Maps a schema path to the name the user wrote (e.g. an action input name). */
  nameFor: (path: readonly PropertyKey[]) => string = formatKeyPath
): string[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path)
      return issue.keys
        .map((key) => {
          const where = [...issue.path, key]
          const suggestion = suggestKey(camelToKebab(key), known)
          const base = `${place}: unknown key ${nameFor(where)}`
          return suggestion
            ? `${base} (did you mean ${nameFor([...issue.path, suggestion])}?)`
            : `${base} (known keys here: ${known.map(camelToKebab).join(', ')})`
        })
        .join('\n')
    }
    const found = valueAtPath(input, issue.path)
    return `${place}: ${nameFor(issue.path)} ${expectation(issue, schema)}, got ${shown(found)}`
  })
}

export function configErrorFrom(
  error: z.ZodError,
  input: unknown,
  place: ConfigPlace,
  schema: z.ZodType,
  nameFor?: (path: readonly PropertyKey[]) => string
): ConfigError {
  const lines = describeIssues(error.issues, input, place, schema, nameFor)
  return new ConfigError(
    'CONFIG_INVALID',
    lines.join('\n'),
    `fix the value${lines.length > 1 ? 's' : ''} above; every option is listed in the README's configuration table`
  )
}
