import type { TypeModel } from '../../../analysis/module-model.js'
import type { Recipe, Repr } from './protocol.js'

/**
 * Candidate inputs for a parameter, built from its resolved type: typical values first (so the
 * first combination of every parameter is a plausible "happy path" call), then edge cases. Pure;
 * the feedback-directed parts (reusing returned objects) live in the exploration engine.
 */

/** Values produced by earlier calls, offered for parameters of their type. */
export interface PoolValue {
  /** Constructor name for class instances, `object`/`array` for plain data. */
  readonly typeKey: string
  /** Own keys, for matching object shapes. */
  readonly keys: readonly string[]
  /** Arrays: what their first element is (`number`, `object`, a class name), `empty` for []. */
  readonly elementTag?: string
  /** Opaque handle the engine resolves to a program prefix. */
  readonly id: number
}

export type Candidate =
  | { readonly kind: 'recipe'; readonly recipe: Recipe; readonly category: string }
  | { readonly kind: 'pool'; readonly id: number; readonly category: string }
  /** A fresh instance of a class the module exports, built by the engine. */
  | { readonly kind: 'construct'; readonly className: string; readonly category: string }

export interface InputContext {
  /** Literals found in the module source. */
  readonly literals: readonly Repr[]
  /** Enums the module exports, for `Color.Red` style arguments. */
  readonly exportedEnums: ReadonlySet<string>
  /** Classes the module exports. */
  readonly exportedClasses: ReadonlySet<string>
  readonly pool: readonly PoolValue[]
  /** Strings and numbers earlier calls returned, reused as inputs (`ms(60000)` gives `'1m'`). */
  readonly returned?: readonly Repr[]
  /** Properties the module reads from a parameter (`options.long`), by parameter name. */
  readonly propertyHints?: ReadonlyMap<string, readonly string[]>
  /** Strings the module compares a property with, by property name. */
  readonly propertyValues?: ReadonlyMap<string, readonly string[]>
  /** The parameter being filled, for its property hints. */
  readonly parameterName?: string
}

const MAX_CANDIDATES = 18

const num = (v: number): Repr => ({ t: 'number', v: Object.is(v, -0) ? '-0' : String(v) })
const str = (v: string): Repr => ({ t: 'string', v })
const lit = (value: Repr, category: string): Candidate => ({
  kind: 'recipe',
  recipe: { kind: 'literal', value },
  category
})

// Typical first, then the classic boundaries; NaN early because many functions guard against it.
const TYPICAL_NUMBERS = [
  1,
  0,
  -1,
  0.5,
  NaN,
  2,
  3,
  10,
  -2.5,
  100,
  255,
  1024,
  2 ** 31,
  Number.MAX_SAFE_INTEGER
]
const EDGE_NUMBERS = [Infinity, -Infinity, -0]
const STRINGS = [
  'hello',
  '',
  'a',
  'Hello World',
  '  padded  ',
  ' ',
  'ünïcødé ✓ 🎉',
  '42',
  'foo-bar_baz',
  'fooBar',
  'line1\nline2',
  '-1.5',
  'true'
]

/**
 * Pairs of similar strings, for functions that take two: comparisons, distances and diffs only
 * show what they compute (and only catch a changed operator) on inputs that nearly match.
 */
const RELATED_STRING_PAIRS: readonly (readonly [string, string])[] = [
  ['kitten', 'sitting'],
  ['hello', 'hallo'],
  ['hello', 'hell'],
  ['abc', 'abd'],
  ['flaw', 'lawn'],
  ['Hello World', 'hello world'],
  ['a10', 'a9'],
  ['1.2.3', '1.2.4']
]

/** Candidates for two string parameters, pair by pair. */
export function relatedStringPairs(): [Candidate, Candidate][] {
  return RELATED_STRING_PAIRS.map(([a, b]) => [
    lit(str(a), stringCategory(a)),
    lit(str(b), stringCategory(b))
  ])
}

function numberCategory(v: number): string {
  if (Number.isNaN(v)) return 'number:nan'
  if (!Number.isFinite(v)) return 'number:infinite'
  if (v === 0) return 'number:zero'
  if (!Number.isInteger(v)) return v < 0 ? 'number:negative-fraction' : 'number:fraction'
  if (v < 0) return 'number:negative'
  return v > 2 ** 31 ? 'number:huge' : 'number:positive'
}

function stringCategory(v: string): string {
  if (v === '') return 'string:empty'
  if (v.trim() === '') return 'string:blank'
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(v)) return 'string:unicode'
  if (v.trim() !== v) return 'string:padded'
  return 'string:text'
}

function literalNumbers(context: InputContext): number[] {
  const out: number[] = []
  for (const repr of context.literals) {
    if (repr.t === 'number') {
      const v = Number(repr.v)
      out.push(v, v + 1, v - 1)
    }
  }
  return out
}

function literalStrings(context: InputContext): string[] {
  return context.literals.flatMap((repr) => (repr.t === 'string' ? [repr.v] : []))
}

function uniqueCandidates(candidates: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>()
  const out: Candidate[] = []
  for (const candidate of candidates) {
    const key = JSON.stringify(candidate)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(candidate)
  }
  return out
}

/** Interleaves lists so every source contributes early candidates. */
function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = []
  const longest = Math.max(0, ...lists.map((list) => list.length))
  for (let i = 0; i < longest; i += 1) {
    for (const list of lists) {
      const item = list[i]
      if (item !== undefined) out.push(item)
    }
  }
  return out
}

function returnedOf(context: InputContext, kind: 'number' | 'string'): Repr[] {
  return (context.returned ?? []).filter((repr) => repr.t === kind).slice(-6)
}

function numberCandidates(context: InputContext): Candidate[] {
  const fromModule = [
    ...literalNumbers(context).slice(0, 9),
    ...returnedOf(context, 'number').map((r) => Number((r as { v: string }).v))
  ]
  const values = [
    ...TYPICAL_NUMBERS.slice(0, 5),
    ...fromModule,
    ...TYPICAL_NUMBERS.slice(5),
    ...EDGE_NUMBERS
  ]
  return values.map((v) => lit(num(v), numberCategory(v)))
}

function stringCandidates(context: InputContext): Candidate[] {
  const fromModule = [
    // Two more than numbers get: the first two may be groups built from the module's delimiters.
    ...literalStrings(context).slice(0, 12),
    ...returnedOf(context, 'string').map((r) => (r as { v: string }).v)
  ]
  const values = [...STRINGS.slice(0, 2), ...fromModule, ...STRINGS.slice(2)]
  return values.map((v) => lit(str(v), stringCategory(v)))
}

function poolCandidates(context: InputContext, accept: (value: PoolValue) => boolean): Candidate[] {
  // The most recent values first: they come from the deepest programs.
  return context.pool
    .filter(accept)
    .slice(-4)
    .reverse()
    .map((value) => ({ kind: 'pool', id: value.id, category: `pool:${value.typeKey}` }) as const)
}

/** The pool tag a value of this type would have; undefined when anything may fit. */
export function typeTag(type: TypeModel): string | undefined {
  switch (type.kind) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
      return type.kind
    case 'object':
    case 'record':
      return 'object'
    case 'array':
    case 'tuple':
      return 'array'
    case 'class':
      return type.name
    default:
      return undefined
  }
}

/** The pool tag of a runtime value. */
export function valueTag(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value !== 'object') return typeof value
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name
  return ctor === 'Object' || typeof ctor !== 'string' ? 'object' : ctor
}

/** Option bags built from the properties the module reads off this parameter. */
function hintedObjects(context: InputContext): Candidate[] {
  const keys =
    context.parameterName === undefined
      ? undefined
      : context.propertyHints?.get(context.parameterName)
  if (!keys || keys.length === 0) return []
  // The values the module compares an option with come first (at most six, so generic bags keep
  // some of the places a parameter gets): each takes one of the module's branches. Their category
  // (`=`) never matches a generic bag's, so their timeouts and failures are kept apart.
  const compared = keys.flatMap((key) =>
    (context.propertyValues?.get(key)?.slice(0, 4) ?? []).map((value) =>
      lit({ t: 'object', entries: [[key, str(value)]] }, `hint=${key}:${JSON.stringify(value)}`)
    )
  )
  const out: Candidate[] = []
  const values: Repr[] = [
    { t: 'boolean', v: true },
    num(1),
    str('hello'),
    { t: 'boolean', v: false }
  ]
  for (const value of values) {
    out.push(
      lit(
        { t: 'object', entries: keys.slice(0, 6).map((key) => [key, value] as const) },
        `hint:all:${value.t}`
      )
    )
  }
  for (const key of keys.slice(0, 6)) {
    for (const value of values.slice(0, 3))
      out.push(lit({ t: 'object', entries: [[key, value]] }, `hint:${key}:${value.t}`))
  }
  return [...compared.slice(0, 6), ...out]
}

/** Values for a parameter nothing is known about (plain JS, `any`, `unknown`, generics). */
function untypedCandidates(context: InputContext, depth: number): Candidate[] {
  const moduleValues = context.literals.slice(0, 8).map((repr) => lit(repr, `${repr.t}:module`))
  const generic: Candidate[] = [
    lit(num(1), 'number:positive'),
    lit(str('hello'), 'string:text'),
    lit(num(0), 'number:zero'),
    lit(str(''), 'string:empty'),
    lit({ t: 'boolean', v: true }, 'boolean'),
    lit({ t: 'null' }, 'null'),
    lit({ t: 'undefined' }, 'undefined'),
    lit({ t: 'array', items: [num(1), num(2), num(3)] }, 'array'),
    lit({ t: 'object', entries: [['a', num(1)]] }, 'object'),
    lit(num(-1), 'number:negative'),
    lit({ t: 'array', items: [] }, 'array:empty'),
    lit({ t: 'object', entries: [] }, 'object:empty'),
    lit(num(1.5), 'number:fraction'),
    lit({ t: 'boolean', v: false }, 'boolean')
  ]
  // A few of the typed string candidates: plain JS often takes text.
  const text = ['Hello World', 'fooBar', 'foo-bar_baz', '  padded  '].map((v) =>
    lit(str(v), stringCategory(v))
  )
  const pool = depth === 0 ? poolCandidates(context, () => true) : []
  const returned =
    depth === 0
      ? (context.returned ?? []).slice(-4).map((repr) => lit(repr, `${repr.t}:returned`))
      : []
  const hinted = depth === 0 ? hintedObjects(context) : []
  return uniqueCandidates(interleave([generic, moduleValues, hinted, pool, returned, text])).slice(
    0,
    MAX_CANDIDATES + 6
  )
}

/** First candidate of a type: what a happy-path call would pass. */
function firstRepr(type: TypeModel, context: InputContext, depth: number): Recipe | undefined {
  const first = candidatesFor(type, context, depth + 1).find((c) => c.kind === 'recipe')
  return first?.kind === 'recipe' ? first.recipe : undefined
}

function objectCandidates(
  properties: readonly { name: string; type: TypeModel; optional: boolean }[],
  context: InputContext,
  depth: number
): Candidate[] {
  if (depth > 3) return [lit({ t: 'object', entries: [] }, 'object:empty')]
  const perProperty = properties.map((property) => ({
    property,
    values: candidatesFor(property.type, context, depth + 1)
      .flatMap((c) => (c.kind === 'recipe' && c.recipe.kind === 'literal' ? [c.recipe.value] : []))
      .slice(0, 4)
  }))
  const build = (include: (name: string) => boolean, pick: (name: string) => number): Repr => ({
    t: 'object',
    entries: perProperty.flatMap(({ property, values }) => {
      if (!include(property.name)) return []
      const value = values[pick(property.name)] ?? values[0]
      return value ? [[property.name, value] as const] : []
    })
  })
  const required = (name: string) =>
    !perProperty.find((p) => p.property.name === name)?.property.optional
  const out: Candidate[] = [
    lit(
      build(
        () => true,
        () => 0
      ),
      'object:full'
    ),
    lit(
      build(required, () => 0),
      'object:required'
    )
  ]
  for (const { property, values } of perProperty) {
    for (let i = 1; i < values.length; i += 1) {
      out.push(
        lit(
          build(
            () => true,
            (name) => (name === property.name ? i : 0)
          ),
          `object:${property.name}`
        )
      )
    }
  }
  out.push(
    ...poolCandidates(
      context,
      (value) =>
        value.typeKey === 'object' &&
        properties.every((p) => p.optional || value.keys.includes(p.name))
    )
  )
  return uniqueCandidates(out)
}

/** Candidate inputs for one type, typical first, at most a handful. */
export function candidatesFor(type: TypeModel, context: InputContext, depth = 0): Candidate[] {
  return uniqueCandidates(rawCandidates(type, context, depth)).slice(0, MAX_CANDIDATES)
}

function rawCandidates(type: TypeModel, context: InputContext, depth: number): Candidate[] {
  switch (type.kind) {
    case 'number':
      return numberCandidates(context)
    case 'string':
      return stringCandidates(context)
    case 'boolean':
      return [
        lit({ t: 'boolean', v: true }, 'boolean:true'),
        lit({ t: 'boolean', v: false }, 'boolean:false')
      ]
    case 'bigint':
      return ['1', '0', '-1', '123456789012345678901234567890'].map((v) =>
        lit({ t: 'bigint', v }, `bigint:${v}`)
      )
    case 'null':
      return [lit({ t: 'null' }, 'null')]
    case 'undefined':
    case 'void':
    case 'never':
    case 'symbol':
      return [lit({ t: 'undefined' }, 'undefined')]
    case 'any':
    case 'unknown':
    case 'unresolved':
      return depth > 2 ? [lit(num(1), 'number:positive')] : untypedCandidates(context, depth)
    case 'literal':
      return [
        lit(
          typeof type.value === 'number'
            ? num(type.value)
            : typeof type.value === 'string'
              ? str(type.value)
              : { t: 'boolean', v: type.value },
          `literal:${String(type.value)}`
        )
      ]
    case 'enum':
      return type.members.map((member) => {
        const value = typeof member.value === 'number' ? num(member.value) : str(member.value)
        return context.exportedEnums.has(type.name)
          ? {
              kind: 'recipe',
              recipe: { kind: 'enum', enumName: type.name, member: member.name, value },
              category: `enum:${member.name}`
            }
          : lit(value, `enum:${member.name}`)
      })
    case 'union': {
      // Optional/nullable members go last: the happy path passes a real value.
      const empty = type.types.filter(
        (t) => t.kind === 'undefined' || t.kind === 'null' || t.kind === 'void'
      )
      const real = type.types.filter((t) => !empty.includes(t))
      const literalOnly = real.every((t) => t.kind === 'literal')
      const lists = real.map((t) =>
        candidatesFor(t, context, depth + 1).slice(0, literalOnly ? 1 : 10)
      )
      return [...interleave(lists), ...empty.flatMap((t) => rawCandidates(t, context, depth))]
    }
    case 'array': {
      const elements = candidatesFor(type.element, context, depth + 1)
        .flatMap((c) =>
          c.kind === 'recipe' && c.recipe.kind === 'literal' ? [c.recipe.value] : []
        )
        .slice(0, 4)
      const [a, b, c] = elements
      const arrays: Candidate[] = []
      if (a) arrays.push(lit({ t: 'array', items: b ? [a, b] : [a] }, 'array:some'))
      arrays.push(lit({ t: 'array', items: [] }, 'array:empty'))
      if (a) arrays.push(lit({ t: 'array', items: [a] }, 'array:one'))
      if (a && b && c) arrays.push(lit({ t: 'array', items: [c, b, a, b] }, 'array:many'))
      const wanted = typeTag(type.element)
      arrays.push(
        ...poolCandidates(
          context,
          (value) =>
            value.typeKey === 'array' &&
            (wanted === undefined || value.elementTag === 'empty' || value.elementTag === wanted)
        )
      )
      return arrays
    }
    case 'tuple': {
      const lists = type.elements.map((element) => candidatesFor(element, context, depth + 1))
      const literalAt = (list: readonly Candidate[], i: number): Repr | undefined => {
        const c = list[i] ?? list[0]
        return c?.kind === 'recipe' && c.recipe.kind === 'literal' ? c.recipe.value : undefined
      }
      const out: Candidate[] = []
      for (let i = 0; i < 4; i += 1) {
        const items = lists.map((list, j) =>
          literalAt(list, j === i % Math.max(1, lists.length) ? i : 0)
        )
        if (items.every((item): item is Repr => item !== undefined))
          out.push(lit({ t: 'array', items }, `tuple:${i}`))
      }
      return out
    }
    case 'object': {
      const byName =
        type.name === undefined
          ? []
          : poolCandidates(context, (value) => value.typeKey === type.name)
      const hinted = type.properties.length === 0 && depth === 0 ? hintedObjects(context) : []
      return [...byName, ...objectCandidates(type.properties, context, depth), ...hinted]
    }
    case 'record': {
      const key = candidatesFor(type.key, context, depth + 1).find((c) => c.kind === 'recipe')
      const keyText =
        key?.kind === 'recipe' && key.recipe.kind === 'literal' && key.recipe.value.t === 'string'
          ? key.recipe.value.v
          : 'a'
      const values = candidatesFor(type.value, context, depth + 1)
        .flatMap((c) =>
          c.kind === 'recipe' && c.recipe.kind === 'literal' ? [c.recipe.value] : []
        )
        .slice(0, 2)
      const [v1, v2] = values
      const out: Candidate[] = [lit({ t: 'object', entries: [] }, 'record:empty')]
      if (v1) out.unshift(lit({ t: 'object', entries: [[keyText, v1]] }, 'record:one'))
      if (v1 && v2)
        out.push(
          lit(
            {
              t: 'object',
              entries: [
                [keyText, v1],
                ['other', v2]
              ]
            },
            'record:two'
          )
        )
      return out
    }
    case 'promise':
      return candidatesFor(type.type, context, depth + 1)
        .flatMap((c) => (c.kind === 'recipe' ? [c] : []))
        .slice(0, 6)
        .map((c) => ({
          kind: 'recipe',
          recipe: { kind: 'promise', value: c.recipe },
          category: `promise:${c.category}`
        }))
    case 'function': {
      const returns = type.signature.returns
      const values = candidatesFor(returns, context, depth + 1)
        .flatMap((c) => (c.kind === 'recipe' ? [c] : []))
        .slice(0, 3)
      if (values.length === 0)
        values.push(lit({ t: 'undefined' }, 'undefined') as Candidate & { kind: 'recipe' })
      return values.map((c) => ({
        kind: 'recipe',
        recipe: { kind: 'callback', returns: c.recipe },
        category: `callback:${c.category}`
      }))
    }
    case 'class': {
      const pooled = poolCandidates(context, (value) => value.typeKey === type.name)
      const fresh: Candidate[] = context.exportedClasses.has(type.name)
        ? [{ kind: 'construct', className: type.name, category: `class:${type.name}` }]
        : []
      // A plain object stands in only when no real instance can be had (`Object` in JSDoc).
      return pooled.length + fresh.length > 0
        ? [...pooled, ...fresh]
        : [
            ...(depth === 0 ? hintedObjects(context) : []),
            lit({ t: 'object', entries: [] }, 'object:empty')
          ]
    }
    case 'date':
      return [
        lit({ t: 'date', v: Date.UTC(2024, 0, 15, 12, 30) }, 'date'),
        lit({ t: 'date', v: 0 }, 'date:epoch'),
        lit({ t: 'date', v: Date.UTC(1999, 11, 31, 23, 59, 59) }, 'date:old')
      ]
    case 'regexp':
      return [
        lit({ t: 'regexp', source: 'a', flags: '' }, 'regexp'),
        lit({ t: 'regexp', source: '^\\d+$', flags: 'g' }, 'regexp:g')
      ]
    case 'map':
      return [
        lit({ t: 'map', entries: [[str('a'), num(1)]] }, 'map'),
        lit({ t: 'map', entries: [] }, 'map:empty')
      ]
    case 'set':
      return [
        lit({ t: 'set', items: [num(1), num(2)] }, 'set'),
        lit({ t: 'set', items: [] }, 'set:empty')
      ]
  }
}

/** Default first value for a type, exposed for tests. */
export function typicalValue(type: TypeModel, context: InputContext): Recipe | undefined {
  return firstRepr(type, context, -1)
}
