/** kebab-case (files, inputs, flags) <-> camelCase (the schema). */

/** Object fields whose own keys are data (model names), not option names. */
const DATA_KEYED_FIELDS = new Set(['prices'])

export function kebabToCamel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

export function camelToKebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A key of the file that is not in kebab-case, or two keys naming one option. */
export interface KeySpellingProblem {
  /** Where it is, as the user spells it (`budget.runUsd`). */
  readonly path: string
  readonly message: string
}

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

/**
 * Converts option names at every level to camelCase; data-keyed maps keep their keys. Option
 * names must be kebab-case: `runUsd` would otherwise pass as the schema's own spelling, and beside
 * `run-usd` silently win. Such keys are reported through `problems` and left out.
 */
export function camelizeKeys(
  value: unknown,
  problems: KeySpellingProblem[] = [],
  dataKeyed = false,
  at = ''
): unknown {
  if (Array.isArray(value))
    return value.map((v, i) => camelizeKeys(v, problems, false, `${at}[${i}]`))
  if (!isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  const spelledAs = new Map<string, string>()
  for (const [key, inner] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key
    if (!dataKeyed && !KEBAB.test(key)) {
      const kebab = camelToKebab(key).replace(/_/g, '-').replace(/^-/, '')
      problems.push({
        path,
        message: `option names are kebab-case${KEBAB.test(kebab) ? `: did you mean "${kebab}"?` : ''}`
      })
      continue
    }
    const name = dataKeyed ? key : kebabToCamel(key)
    const earlier = spelledAs.get(name)
    if (earlier !== undefined) {
      problems.push({ path, message: `names the same option as "${earlier}"` })
      continue
    }
    spelledAs.set(name, key)
    out[name] = camelizeKeys(inner, problems, !dataKeyed && DATA_KEYED_FIELDS.has(name), path)
  }
  return out
}

/** `['budget', 'runUsd']` -> `budget.run-usd`; array indexes as `[0]`. Data keys stay as they are. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = ''
  let previous: PropertyKey | undefined
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else {
      const name =
        typeof previous === 'string' && DATA_KEYED_FIELDS.has(previous)
          ? String(part)
          : camelToKebab(String(part))
      out += out ? `.${name}` : name
    }
    previous = part
  }
  return out
}

export function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[part]
  }
  return current
}
