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

/** Converts option names at every level to camelCase; data-keyed maps keep their keys. */
export function camelizeKeys(value: unknown, dataKeyed = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelizeKeys(v))
  if (!isPlainObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    const name = dataKeyed ? key : kebabToCamel(key)
    out[name] = camelizeKeys(inner, !dataKeyed && DATA_KEYED_FIELDS.has(name))
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
