import type { Repr } from './protocol.js'

/**
 * Runtime values to and from `Repr`, the data form the explorer records and renders as literals.
 * Values a test cannot rebuild (functions, symbols, cycles, very deep or very large structures)
 * become `opaque` and are never asserted.
 */

const MAX_DEPTH = 5
const MAX_ITEMS = 50
const MAX_STRING = 2000

/** Writes a runtime value down as a `Repr`. */
export function toRepr(value: unknown, depth = 0, seen: Set<object> = new Set()): Repr {
  switch (typeof value) {
    case 'undefined':
      return { t: 'undefined' }
    case 'boolean':
      return { t: 'boolean', v: value }
    case 'number':
      return { t: 'number', v: Object.is(value, -0) ? '-0' : String(value) }
    case 'string':
      return value.length > MAX_STRING ? { t: 'opaque', what: 'deep' } : { t: 'string', v: value }
    case 'bigint':
      return { t: 'bigint', v: value.toString() }
    case 'symbol':
      return { t: 'opaque', what: 'symbol' }
    case 'function':
      return { t: 'opaque', what: 'function' }
  }
  if (value === null) return { t: 'null' }
  const object = value as object
  if (seen.has(object)) return { t: 'opaque', what: 'circular' }
  if (depth > MAX_DEPTH) return { t: 'opaque', what: 'deep' }
  seen.add(object)
  try {
    return objectRepr(object, depth, seen)
  } finally {
    seen.delete(object)
  }
}

function objectRepr(object: object, depth: number, seen: Set<object>): Repr {
  if (object instanceof Date) {
    const time = object.getTime()
    return Number.isNaN(time)
      ? { t: 'opaque', what: 'other', ctor: 'Date' }
      : { t: 'date', v: time }
  }
  if (object instanceof RegExp) return { t: 'regexp', source: object.source, flags: object.flags }
  if (object instanceof Error) {
    const code = (object as { code?: unknown }).code
    return {
      t: 'error',
      name: errorName(object),
      message: object.message,
      ...(typeof code === 'string' ? { code } : {})
    }
  }
  if (typeof (object as { then?: unknown }).then === 'function')
    return { t: 'opaque', what: 'promise' }
  if (Array.isArray(object)) {
    if (object.length > MAX_ITEMS) return { t: 'opaque', what: 'deep' }
    // Sparse arrays and extra properties do not survive as literals.
    if (Object.keys(object).length !== object.length)
      return { t: 'opaque', what: 'other', ctor: 'Array' }
    return { t: 'array', items: object.map((item) => toRepr(item, depth + 1, seen)) }
  }
  if (object instanceof Map) {
    if (object.size > MAX_ITEMS) return { t: 'opaque', what: 'deep' }
    return {
      t: 'map',
      entries: [...object.entries()].map(
        ([k, v]) => [toRepr(k, depth + 1, seen), toRepr(v, depth + 1, seen)] as const
      )
    }
  }
  if (object instanceof Set) {
    if (object.size > MAX_ITEMS) return { t: 'opaque', what: 'deep' }
    return { t: 'set', items: [...object].map((item) => toRepr(item, depth + 1, seen)) }
  }
  if (
    ArrayBuffer.isView(object) ||
    object instanceof ArrayBuffer ||
    object instanceof WeakMap ||
    object instanceof WeakSet
  ) {
    return { t: 'opaque', what: 'other', ctor: object.constructor.name }
  }
  const proto: unknown = Object.getPrototypeOf(object)
  const plain = proto === Object.prototype || proto === null
  const keys = Object.keys(object)
  if (keys.length > MAX_ITEMS) return { t: 'opaque', what: 'deep' }
  // Symbol-keyed and accessor state cannot be written as a literal.
  if (Object.getOwnPropertySymbols(object).length > 0) return { t: 'opaque', what: 'other' }
  const entries: (readonly [string, Repr])[] = []
  for (const key of keys) {
    const descriptor = Object.getOwnPropertyDescriptor(object, key)
    if (!descriptor || !('value' in descriptor)) return { t: 'opaque', what: 'other' }
    entries.push([key, toRepr(descriptor.value, depth + 1, seen)])
  }
  if (plain) return { t: 'object', entries }
  const ctor = constructorName(object)
  return ctor === undefined ? { t: 'opaque', what: 'other' } : { t: 'object', ctor, entries }
}

function errorName(error: Error): string {
  const ctor = constructorName(error)
  return ctor ?? error.name
}

function constructorName(object: object): string | undefined {
  const ctor = (object as { constructor?: unknown }).constructor
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined
}

/** Rebuilds a runtime value from a `Repr` (opaque values become undefined). */
export function fromRepr(repr: Repr): unknown {
  switch (repr.t) {
    case 'undefined':
      return undefined
    case 'null':
      return null
    case 'boolean':
    case 'string':
      return repr.v
    case 'number':
      return Number(repr.v)
    case 'bigint':
      return BigInt(repr.v)
    case 'array':
      return repr.items.map(fromRepr)
    case 'object':
      return Object.fromEntries(repr.entries.map(([k, v]) => [k, fromRepr(v)]))
    case 'date':
      return new Date(repr.v)
    case 'regexp':
      return new RegExp(repr.source, repr.flags)
    case 'map':
      return new Map(repr.entries.map(([k, v]) => [fromRepr(k), fromRepr(v)]))
    case 'set':
      return new Set(repr.items.map(fromRepr))
    case 'error':
      return new Error(repr.message)
    case 'opaque':
      return undefined
  }
}

/** A stable key for comparing two observations. */
export function reprKey(repr: Repr): string {
  return JSON.stringify(repr)
}
