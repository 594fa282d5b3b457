import type { Repr } from './protocol.js'

/**
 * `Repr` values as source literals in the house style (single quotes, no semicolons), on one line
 * when short and spread over lines when not. Opaque parts are left out by the callers.
 */

export const BUILTIN_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'URIError',
  'EvalError',
  'AggregateError'
])

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const LINE_WIDTH = 72

/** A string literal in single quotes, or double quotes when that needs fewer escapes (as Prettier does). */
export function quote(text: string): string {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = mark
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    if (char === mark) out += `\\${mark}`
    else if (char === '\\') out += '\\\\'
    else if (char === '\n') out += '\\n'
    else if (char === '\r') out += '\\r'
    else if (char === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += char
  }
  return out + mark
}

export function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key)
}

/** A property access: `obj.name` or `obj['odd-name']`. */
export function access(object: string, key: string): string {
  return IDENTIFIER.test(key) ? `${object}.${key}` : `${object}[${quote(key)}]`
}

function numberText(v: string): string {
  return v
}

/** The literal for a value, indented for nesting at `indent`. */
export function renderRepr(repr: Repr, indent = ''): string {
  const inline = renderInline(repr)
  if (inline.length + indent.length <= LINE_WIDTH) return inline
  const inner = indent + '  '
  switch (repr.t) {
    case 'array':
      return `[\n${repr.items.map((item) => `${inner}${renderRepr(item, inner)}`).join(',\n')}\n${indent}]`
    case 'object':
      return `{\n${repr.entries.map(([k, v]) => `${inner}${propertyKey(k)}: ${renderRepr(v, inner)}`).join(',\n')}\n${indent}}`
    case 'map':
      return `new Map([\n${repr.entries.map(([k, v]) => `${inner}[${renderRepr(k, inner)}, ${renderRepr(v, inner)}]`).join(',\n')}\n${indent}])`
    case 'set':
      return `new Set([\n${repr.items.map((item) => `${inner}${renderRepr(item, inner)}`).join(',\n')}\n${indent}])`
    default:
      return inline
  }
}

function renderInline(repr: Repr): string {
  switch (repr.t) {
    case 'undefined':
      return 'undefined'
    case 'null':
      return 'null'
    case 'boolean':
      return String(repr.v)
    case 'number':
      return numberText(repr.v)
    case 'string':
      return quote(repr.v)
    case 'bigint':
      return `${repr.v}n`
    case 'array':
      return `[${repr.items.map(renderInline).join(', ')}]`
    case 'object':
      return repr.entries.length === 0
        ? '{}'
        : `{ ${repr.entries.map(([k, v]) => `${propertyKey(k)}: ${renderInline(v)}`).join(', ')} }`
    case 'date':
      return `new Date(${quote(new Date(repr.v).toISOString())})`
    case 'regexp':
      return `/${repr.source}/${repr.flags}`
    case 'map':
      return `new Map(${repr.entries.length === 0 ? '' : `[${repr.entries.map(([k, v]) => `[${renderInline(k)}, ${renderInline(v)}]`).join(', ')}]`})`
    case 'set':
      return `new Set(${repr.items.length === 0 ? '' : `[${repr.items.map(renderInline).join(', ')}]`})`
    case 'error':
      return `new ${BUILTIN_ERRORS.has(repr.name) ? repr.name : 'Error'}(${quote(repr.message)})`
    case 'opaque':
      return 'undefined'
  }
}

/**
 * The part of a value a literal can express: opaque parts of objects are dropped (so the value is
 * asserted with `toMatchObject`), and undefined is returned when nothing writable is left.
 */
export function writablePart(repr: Repr): Repr | undefined {
  switch (repr.t) {
    case 'opaque':
      return undefined
    case 'object': {
      const entries = repr.entries.flatMap(([k, v]) => {
        const part = writablePart(v)
        return part === undefined ? [] : [[k, part] as const]
      })
      return { ...repr, entries }
    }
    case 'array': {
      // An array with an opaque item cannot be matched partially (positions matter).
      const items = repr.items.map(writablePart)
      return items.every((item): item is Repr => item !== undefined)
        ? { t: 'array', items }
        : undefined
    }
    case 'map':
    case 'set':
      return isWritable(repr) ? repr : undefined
    case 'error':
      return BUILTIN_ERRORS.has(repr.name) ? repr : undefined
    default:
      return repr
  }
}

/** True when the whole value can be written as a literal. */
export function isWritable(repr: Repr): boolean {
  switch (repr.t) {
    case 'opaque':
      return false
    case 'array':
    case 'set':
      return repr.items.every(isWritable)
    case 'object':
      return repr.entries.every(([, v]) => isWritable(v))
    case 'map':
      return repr.entries.every(([k, v]) => isWritable(k) && isWritable(v))
    case 'error':
      return BUILTIN_ERRORS.has(repr.name)
    default:
      return true
  }
}
