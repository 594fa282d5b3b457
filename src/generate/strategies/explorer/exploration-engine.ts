import type {
  ExportedSymbol,
  ParameterModel,
  SignatureModel,
  TypeModel
} from '../../../analysis/module-model.js'
import {
  candidatesFor,
  relatedStringPairs,
  type Candidate,
  type InputContext,
  type PoolValue
} from './input-generation.js'
import type { Program, ProgramResult, Recipe, Repr, Step } from './protocol.js'
import type { ModuleNamespace } from './program-runner.js'
import { withCallbackTypes } from './callback-parameters.js'

/**
 * The feedback-directed part of the explorer: which programs to try next, given what earlier ones
 * returned. Functions get a happy-path call, then one parameter varied at a time, then random
 * combinations; classes get constructed and then driven through method sequences. Values returned
 * by earlier programs become inputs of later ones, and parameter values that only ever made a
 * symbol throw are no longer combined.
 */

/** What can be called: a function, a class (constructor, methods, statics), or an object of functions. */
export interface CallableSymbol {
  readonly name: string
  readonly kind: 'function' | 'class' | 'namespace'
  /** Classes written as ES5 factories that build their instance when called without `new` too. */
  readonly callableWithoutNew?: boolean
  /** Functions: the implementation signature. */
  readonly parameters: readonly ParameterModel[]
  /** Classes: constructor parameters are `parameters`; methods and statics here. */
  readonly methods: readonly MethodPlan[]
}

export interface MethodPlan {
  readonly name: string
  readonly static: boolean
  readonly parameters: readonly ParameterModel[]
}

const UNKNOWN: TypeModel = { kind: 'unknown' }

/** Parameter names of a function, read from its source text (`function f(a, b = 1)`). */
function parameterNames(value: unknown): string[] {
  if (typeof value !== 'function') return []
  let text: string
  try {
    text = Function.prototype.toString.call(value)
  } catch {
    return []
  }
  const match =
    /^[^(]*\(([^)]*)\)/.exec(text) ?? /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(text)
  return (match?.[1] ?? '')
    .split(',')
    .map((part) => /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(part)?.[1] ?? '')
    .filter((name) => name !== '')
}

function unknownParameters(count: number, value?: unknown): ParameterModel[] {
  const names = parameterNames(value)
  const parameters = Array.from({ length: Math.max(count, names.length) }, (_, i) => ({
    name: names[i] ?? `arg${i}`,
    type: UNKNOWN,
    optional: i > 0,
    rest: false
  }))
  return withCallbackTypes(parameters, value)
}

function implementation(
  signatures: readonly SignatureModel[] | undefined
): SignatureModel | undefined {
  return signatures?.[signatures.length - 1]
}

function functionSource(value: unknown): string {
  try {
    return typeof value === 'function' ? Function.prototype.toString.call(value) : ''
  } catch {
    return ''
  }
}

/**
 * A class: `class` syntax, or an ES5 constructor (`function Foo() {}` with methods on
 * `Foo.prototype`, assigned one by one or as a whole object).
 */
export function isClassValue(value: unknown): boolean {
  if (typeof value !== 'function') return false
  const source = functionSource(value)
  if (/^class[\s{]/.test(source)) return true
  if (!/^function\b/.test(source)) return false
  const prototype = (value as { prototype?: unknown }).prototype
  if (typeof prototype !== 'object' || prototype === null) return false
  return Object.getOwnPropertyNames(prototype).some((name) => name !== 'constructor')
}

/**
 * An ES5 constructor that also works as a factory: it checks `this instanceof Foo` (or
 * `new.target`) and builds the instance itself when called without `new`.
 */
export function isCallableWithoutNew(value: unknown): boolean {
  if (typeof value !== 'function' || !isClassValue(value)) return false
  const source = functionSource(value)
  if (/^class[\s{]/.test(source)) return false
  const name = value.name.replace(/[$]/g, '\\$')
  return (
    /\bnew\.target\b/.test(source) ||
    (name !== '' && new RegExp(`instanceof\\s+${name}\\b`).test(source))
  )
}

function functionArity(value: unknown): number {
  if (typeof value !== 'function') return 1
  // A function that reads `arguments` has length 0: still give it one argument to work with. One
  // that does not takes none (`size()`, not `size(1)`).
  if (value.length === 0 && !/\barguments\b/.test(functionSource(value))) return 0
  return Math.max(value.length, 1)
}

function runtimeMethods(value: unknown, staticOnly: boolean): MethodPlan[] {
  if ((typeof value !== 'function' && typeof value !== 'object') || value === null) return []
  const out: MethodPlan[] = []
  const owner = staticOnly ? value : (value as { prototype?: unknown }).prototype
  if ((typeof owner !== 'object' && typeof owner !== 'function') || owner === null) return out
  for (const name of Object.getOwnPropertyNames(owner)) {
    if (['constructor', 'length', 'name', 'prototype', 'caller', 'arguments'].includes(name))
      continue
    const descriptor = Object.getOwnPropertyDescriptor(owner, name)
    // `module.exports.default = fn` points back at the function itself: not a method.
    if (!descriptor || typeof descriptor.value !== 'function' || descriptor.value === value)
      continue
    if (isClassValue(descriptor.value)) continue
    out.push({
      name,
      static: staticOnly,
      parameters: unknownParameters(functionArity(descriptor.value), descriptor.value)
    })
  }
  return out
}

/**
 * Static methods of an export that are not also exports of their own: `module.exports = SemVer`
 * with `exports.valid = valid` puts every function on the class too, and each is explored once,
 * under its own name.
 */
function ownStatics(value: unknown, namespace: ModuleNamespace): MethodPlan[] {
  return runtimeMethods(value, true).filter(
    (m) => namespace[m.name] !== (value as Record<string, unknown>)[m.name]
  )
}

/** Everything in the module that can be explored, from the analysis plus what loading it shows. */
export function callableSymbols(
  exports: readonly ExportedSymbol[],
  namespace: ModuleNamespace
): CallableSymbol[] {
  const out: CallableSymbol[] = []
  const names = new Set<string>()
  for (const symbol of exports) {
    const value = namespace[symbol.name]
    if (value === undefined) continue
    const signature =
      implementation(symbol.signatures) ??
      (symbol.type?.kind === 'function' ? symbol.type.signature : undefined)
    const es5Class = (symbol.kind === 'function' || symbol.kind === 'const') && isClassValue(value)
    if (es5Class) {
      // An ES5 constructor: its prototype holds the methods, its own signature the constructor's.
      out.push({
        name: symbol.name,
        kind: 'class',
        callableWithoutNew: isCallableWithoutNew(value),
        parameters: withCallbackTypes(
          signature?.parameters ?? unknownParameters(functionArity(value), value),
          value
        ),
        methods: [...runtimeMethods(value, false), ...ownStatics(value, namespace)]
      })
      names.add(symbol.name)
    } else if (
      symbol.kind === 'function' ||
      (symbol.kind === 'const' && typeof value === 'function')
    ) {
      out.push({
        name: symbol.name,
        kind: 'function',
        parameters: withCallbackTypes(
          signature?.parameters ?? unknownParameters(functionArity(value), value),
          value
        ),
        methods: runtimeMethods(value, true)
      })
      names.add(symbol.name)
    } else if (symbol.kind === 'class' && typeof value === 'function') {
      // Own methods only: an inherited one runs the base class's code, not this module's.
      const prototype = (value as { prototype?: Record<string, unknown> }).prototype
      const declared: MethodPlan[] = (symbol.members ?? []).flatMap((member) =>
        member.kind === 'method' && member.signature && !member.inheritedFrom
          ? [
              {
                name: member.name,
                static: member.static,
                parameters: withCallbackTypes(
                  member.signature.parameters,
                  member.static
                    ? (value as unknown as Record<string, unknown>)[member.name]
                    : prototype?.[member.name]
                )
              }
            ]
          : []
      )
      const extra = [...runtimeMethods(value, false), ...ownStatics(value, namespace)].filter(
        (m) => !declared.some((d) => d.name === m.name && d.static === m.static)
      )
      out.push({
        name: symbol.name,
        kind: 'class',
        callableWithoutNew: isCallableWithoutNew(value),
        parameters: withCallbackTypes(
          symbol.constructorSignature?.parameters ?? unknownParameters(functionArity(value), value),
          value
        ),
        methods: [...declared, ...extra]
      })
      names.add(symbol.name)
    } else if (
      symbol.kind === 'const' &&
      symbol.type?.kind === 'object' &&
      typeof value === 'object'
    ) {
      const methods = symbol.type.properties.flatMap((property) =>
        property.type.kind === 'function'
          ? [
              {
                name: property.name,
                static: true,
                parameters: withCallbackTypes(
                  property.type.signature.parameters,
                  (value as Record<string, unknown> | null)?.[property.name]
                )
              }
            ]
          : []
      )
      if (methods.length > 0)
        out.push({ name: symbol.name, kind: 'namespace', parameters: [], methods })
      names.add(symbol.name)
    } else {
      names.add(symbol.name)
    }
  }
  for (const [name, value] of Object.entries(namespace)) {
    if (names.has(name) || name === 'module.exports' || name === '__esModule') continue
    if (name === 'default' && typeof value === 'object' && value !== null) {
      // `module.exports = { a, b }` also shows up as named exports; explore it once.
      const methods = runtimeMethods(value, true).filter((m) => !(m.name in namespace))
      if (methods.length > 0) out.push({ name, kind: 'namespace', parameters: [], methods })
      continue
    }
    if (typeof value !== 'function') {
      const methods = typeof value === 'object' && value !== null ? runtimeMethods(value, true) : []
      if (methods.length > 0) out.push({ name, kind: 'namespace', parameters: [], methods })
      continue
    }
    // `module.exports = SemVer` with `exports.SemVer = SemVer`: explored once, by its name.
    if (name === 'default' && out.some((symbol) => namespace[symbol.name] === value)) continue
    if (isClassValue(value)) {
      out.push({
        name,
        kind: 'class',
        callableWithoutNew: isCallableWithoutNew(value),
        parameters: unknownParameters(functionArity(value), value),
        methods: [...runtimeMethods(value, false), ...ownStatics(value, namespace)]
      })
    } else {
      const statics = runtimeMethods(value, true).filter(
        (m) => namespace[m.name] !== (value as unknown as Record<string, unknown>)[m.name]
      )
      out.push({
        name,
        kind: 'function',
        parameters: unknownParameters(functionArity(value), value),
        methods: statics
      })
    }
  }
  return out
}

/** Deterministic pseudo-random numbers (mulberry32), so an exploration can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface PoolEntry extends PoolValue {
  readonly program: Program
  readonly step: number
}

interface Stats {
  tries: number
  throws: number
}

/** Shifts step references of a program prefix placed after `offset` other steps. */
function shiftRecipe(recipe: Recipe, offset: number): Recipe {
  switch (recipe.kind) {
    case 'ref':
      return { kind: 'ref', step: recipe.step + offset }
    case 'callback':
      return { kind: 'callback', returns: shiftRecipe(recipe.returns, offset) }
    case 'promise':
      return { kind: 'promise', value: shiftRecipe(recipe.value, offset) }
    default:
      return recipe
  }
}

function shiftStep(step: Step, offset: number): Step {
  switch (step.op) {
    case 'method':
      return {
        ...step,
        receiver: step.receiver + offset,
        args: step.args.map((a) => shiftRecipe(a, offset))
      }
    case 'get':
      return { ...step, receiver: step.receiver + offset }
    default:
      return { ...step, args: step.args.map((a) => shiftRecipe(a, offset)) }
  }
}

export interface EngineOptions {
  readonly seed: number
  readonly maxCallsPerSymbol: number
  readonly literals: readonly Repr[]
  readonly exportedEnums: ReadonlySet<string>
  readonly propertyHints?: Readonly<Record<string, readonly string[]>>
  readonly propertyValues?: Readonly<Record<string, readonly string[]>>
}

/**
 * Produces programs one at a time; `record` feeds each result back so later programs can reuse
 * returned values and skip inputs that only ever throw.
 */
export class ExplorationEngine {
  private readonly random: () => number
  private readonly pool: PoolEntry[] = []
  private readonly stats = new Map<string, Stats>()
  private readonly timedOut = new Set<string>()
  private readonly returned: Repr[] = []
  private readonly returnedKeys = new Set<string>()
  private readonly seen = new Set<string>()
  private readonly generators: {
    symbol: CallableSymbol
    generator: Generator<Program | undefined>
    calls: number
  }[]
  /** Constructions that worked, per class, as reusable prefixes. */
  private readonly constructed = new Map<string, Program[]>()
  private nextPoolId = 0
  /** Classes that build their instance when called without `new`. */
  private readonly factories: ReadonlySet<string>

  constructor(
    private readonly symbols: readonly CallableSymbol[],
    private readonly options: EngineOptions
  ) {
    this.random = seededRandom(options.seed)
    this.factories = new Set(symbols.filter((s) => s.callableWithoutNew).map((s) => s.name))
    this.generators = symbols.map((symbol) => ({
      symbol,
      generator: this.programsFor(symbol),
      calls: 0
    }))
  }

  /** The next program to run, or undefined when every symbol is exhausted. */
  next(): Program | undefined {
    while (this.generators.length > 0) {
      // Round-robin: the symbol with the fewest calls so far goes next.
      this.generators.sort((a, b) => a.calls - b.calls)
      const entry = this.generators[0]
      if (!entry) return undefined
      if (entry.calls >= this.options.maxCallsPerSymbol) {
        this.generators.shift()
        continue
      }
      let attempts = 0
      for (;;) {
        const item = entry.generator.next()
        if (item.done) {
          this.generators.shift()
          break
        }
        attempts += 1
        const program = item.value
        if (program === undefined) {
          if (attempts > 50) {
            this.generators.shift()
            break
          }
          continue
        }
        const key = JSON.stringify(program)
        if (this.seen.has(key)) {
          if (attempts > 50) {
            this.generators.shift()
            break
          }
          continue
        }
        this.seen.add(key)
        entry.calls += 1
        return program
      }
    }
    return undefined
  }

  /** Feeds a program's outcome (and its runtime values) back. */
  record(
    program: Program,
    result: Omit<ProgramResult, 'units'>,
    values: readonly unknown[],
    categories: readonly string[],
    hazards: readonly string[] = []
  ): void {
    const last = result.outcomes[result.outcomes.length - 1]
    const threw = last?.status !== 'returned' || hazards.length > 0
    // A value that made a call hang is never tried again: each hang costs a whole time limit. Nor
    // is one that wrote a file or failed after returning: no test can come of it.
    if (last?.status === 'timeout' || hazards.length > 0)
      for (const category of categories) this.timedOut.add(category)
    for (const category of categories) {
      const stats = this.stats.get(category) ?? { tries: 0, throws: 0 }
      stats.tries += 1
      if (threw) stats.throws += 1
      this.stats.set(category, stats)
    }
    // What such a program built is not a receiver or an argument for later programs either.
    if (hazards.length > 0) return
    result.outcomes.forEach((outcome, index) => {
      if (outcome.status !== 'returned') return
      const value = values[index]
      this.rememberPrimitives(value)
      if (typeof value !== 'object' || value === null) return
      const step = program.steps[index]
      if (
        (step?.op === 'construct' || (step?.op === 'call' && this.factories.has(step.target))) &&
        index === program.steps.length - 1 &&
        outcome.status === 'returned'
      ) {
        const list = this.constructed.get(step.target) ?? []
        if (list.length < 8) list.push({ steps: program.steps.slice(0, index + 1) })
        this.constructed.set(step.target, list)
      }
      if (index !== program.steps.length - 1) return
      const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name
      const typeKey = Array.isArray(value)
        ? 'array'
        : ctor === 'Object' || typeof ctor !== 'string'
          ? 'object'
          : ctor
      if (this.pool.length > 200) this.pool.shift()
      this.pool.push({
        typeKey,
        keys: Object.keys(value),
        id: this.nextPoolId++,
        program,
        step: index
      })
    })
  }

  /** Strings and numbers from a returned value (and from its own properties) become inputs. */
  private rememberPrimitives(value: unknown): void {
    const leaves: unknown[] = [value]
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      leaves.push(...(Object.values(value) as unknown[]).slice(0, 12))
    }
    for (const leaf of leaves) {
      const repr: Repr | undefined =
        typeof leaf === 'string' && leaf.length <= 40
          ? { t: 'string', v: leaf }
          : typeof leaf === 'number' && Number.isFinite(leaf)
            ? { t: 'number', v: Object.is(leaf, -0) ? '-0' : String(leaf) }
            : undefined
      if (!repr) continue
      const key = JSON.stringify(repr)
      if (this.returnedKeys.has(key) || this.returned.length >= 40) continue
      this.returnedKeys.add(key)
      this.returned.push(repr)
    }
  }

  private inputContext(parameterName?: string): InputContext {
    const classes = new Set(this.symbols.filter((s) => s.kind === 'class').map((s) => s.name))
    return {
      literals: this.options.literals,
      exportedEnums: this.options.exportedEnums,
      exportedClasses: classes,
      pool: this.pool,
      returned: this.returned,
      propertyHints: new Map(Object.entries(this.options.propertyHints ?? {})),
      propertyValues: new Map(Object.entries(this.options.propertyValues ?? {})),
      parameterName
    }
  }

  private candidateLists(parameters: readonly ParameterModel[]): Candidate[][] {
    return parameters.map((parameter) => {
      const type =
        parameter.rest && parameter.type.kind === 'array' ? parameter.type.element : parameter.type
      const list = candidatesFor(type, this.inputContext(parameter.name))
      return list.length > 0
        ? list
        : [
            {
              kind: 'recipe',
              recipe: { kind: 'literal', value: { t: 'undefined' } },
              category: 'undefined'
            }
          ]
    })
  }

  /** Turns chosen candidates into argument recipes plus the prefix steps they need. */
  private compose(
    choices: readonly Candidate[],
    prefix: Step[]
  ): { recipes: Recipe[] } | undefined {
    const recipes: Recipe[] = []
    for (const choice of choices) {
      if (choice.kind === 'recipe') {
        recipes.push(choice.recipe)
        continue
      }
      const source =
        choice.kind === 'pool'
          ? this.pool.find((entry) => entry.id === choice.id)
          : this.pickConstruction(choice.className)
      if (!source) return undefined
      const offset = prefix.length
      prefix.push(...source.program.steps.map((step) => shiftStep(step, offset)))
      recipes.push({ kind: 'ref', step: offset + source.step })
    }
    return { recipes }
  }

  private pickConstruction(className: string): { program: Program; step: number } | undefined {
    const list = this.constructed.get(className)
    if (!list || list.length === 0) return undefined
    const program = list[Math.floor(this.random() * list.length)] ?? list[0]
    return program ? { program, step: program.steps.length - 1 } : undefined
  }

  /** The index combinations to try: happy path, one at a time, then random. */
  private *combinations(
    lists: readonly Candidate[][],
    parameters: readonly ParameterModel[],
    statsKey: string
  ): Generator<Candidate[]> {
    const pick = (indices: readonly number[]) =>
      lists.map((list, i) => list[indices[i] ?? 0] ?? list[0]!)
    const base = lists.map(() => 0)
    yield pick(base)
    // Trailing optional parameters left out.
    let required = parameters.length
    while (
      required > 0 &&
      (parameters[required - 1]?.optional || parameters[required - 1]?.defaultText !== undefined)
    )
      required -= 1
    if (required < parameters.length) yield pick(base).slice(0, required)
    for (let i = 0; i < lists.length; i += 1) {
      const list = lists[i] ?? []
      for (let j = 1; j < list.length; j += 1) {
        const indices = [...base]
        indices[i] = j
        yield pick(indices)
      }
    }
    // Two string (or untyped) parameters: also nearly equal strings, which unrelated ones never are.
    const stringParameters = parameters.flatMap((p, i) =>
      ['string', 'any', 'unknown'].includes(p.type.kind) ? [i] : []
    )
    const [first, second] = stringParameters
    if (first !== undefined && second !== undefined) {
      for (const [a, b] of relatedStringPairs()) {
        const chosen = pick(base)
        chosen[first] = a
        chosen[second] = b
        yield chosen
      }
    }
    for (;;) {
      const indices = lists.map((list) =>
        this.random() < 0.4 ? 0 : Math.floor(this.random() * list.length)
      )
      const chosen = pick(indices)
      // Prune: a value that made every call so far throw is not worth combining again.
      const doomed = chosen.some((candidate, i) => {
        const stats = this.stats.get(`${statsKey}#${i}#${candidate.category}`)
        return stats !== undefined && stats.tries >= 2 && stats.throws === stats.tries
      })
      if (doomed && this.random() < 0.9) {
        yield []
        continue
      }
      yield chosen
    }
  }

  private readonly categoriesByProgram = new Map<string, string[]>()

  /** The pruning categories a program was built from. */
  categoriesOf(program: Program): string[] {
    return this.categoriesByProgram.get(JSON.stringify(program)) ?? []
  }

  private remember(program: Program, statsKey: string, choices: readonly Candidate[]): Program {
    this.categoriesByProgram.set(
      JSON.stringify(program),
      choices.map((c, i) => `${statsKey}#${i}#${c.category}`)
    )
    return program
  }

  private *callPrograms(
    statsKey: string,
    parameters: readonly ParameterModel[],
    makeStep: (args: Recipe[], receiver: number) => Step | undefined,
    basePrefix: () => Step[] | undefined
  ): Generator<Program | undefined> {
    let lists = this.candidateLists(parameters)
    let count = 0
    for (const choices of this.combinations(lists, parameters, statsKey)) {
      count += 1
      // Refresh candidates now and then: the pool of returned values grows.
      if (count % 8 === 0) lists = this.candidateLists(parameters)
      if (choices.length === 0 && parameters.length > 0 && count > 1) {
        yield undefined
        continue
      }
      if (choices.some((c, i) => this.timedOut.has(`${statsKey}#${i}#${c.category}`))) {
        yield undefined
        continue
      }
      const prefix = basePrefix()
      if (!prefix) {
        yield undefined
        continue
      }
      // The receiver of a method call is the last step of the base prefix.
      const receiver = prefix.length - 1
      const composed = this.compose(choices, prefix)
      if (!composed) {
        yield undefined
        continue
      }
      const step = makeStep(composed.recipes, receiver)
      if (!step) {
        yield undefined
        continue
      }
      yield this.remember({ steps: [...prefix, step] }, statsKey, choices)
    }
  }

  private *programsFor(symbol: CallableSymbol): Generator<Program | undefined> {
    if (symbol.kind === 'function') {
      const calls = this.callPrograms(
        symbol.name,
        symbol.parameters,
        (args) => ({ op: 'call', target: symbol.name, args }),
        () => []
      )
      const statics = symbol.methods.map((method) => this.staticPrograms(symbol, method))
      yield* this.alternate([calls, ...statics])
      return
    }
    if (symbol.kind === 'namespace') {
      yield* this.alternate(symbol.methods.map((method) => this.staticPrograms(symbol, method)))
      return
    }
    const constructions = this.callPrograms(
      symbol.name,
      symbol.parameters,
      (args) => ({ op: 'construct', target: symbol.name, args }),
      () => []
    )
    // An ES5 factory is also called without `new`: that path is code of its own.
    const factoryCalls = symbol.callableWithoutNew
      ? [
          this.callPrograms(
            `${symbol.name}()`,
            symbol.parameters,
            (args) => ({ op: 'call', target: symbol.name, args }),
            () => []
          )
        ]
      : []
    const instanceMethods = symbol.methods.filter((m) => !m.static)
    const sequences = this.methodSequences(symbol, instanceMethods)
    const statics = symbol.methods
      .filter((m) => m.static)
      .map((method) => this.staticPrograms(symbol, method))
    // Constructions first (a few), then methods on what was built.
    let built = 0
    for (const program of this.alternate([constructions, ...factoryCalls])) {
      yield program
      built += 1
      if (built >= 4 + symbol.parameters.length * 2) break
    }
    yield* this.alternate([sequences, ...statics, constructions, ...factoryCalls])
  }

  private staticPrograms(
    symbol: CallableSymbol,
    method: MethodPlan
  ): Generator<Program | undefined> {
    return this.callPrograms(
      `${symbol.name}.${method.name}`,
      method.parameters,
      (args) => ({ op: 'static', target: symbol.name, method: method.name, args }),
      () => []
    )
  }

  private *methodSequences(
    symbol: CallableSymbol,
    methods: readonly MethodPlan[]
  ): Generator<Program | undefined> {
    if (methods.length === 0) return
    const perMethod = methods.map((method) =>
      this.callPrograms(
        `${symbol.name}#${method.name}`,
        method.parameters,
        (args, receiver) => ({ op: 'method', receiver, method: method.name, args }),
        () => this.receiverPrefix(symbol.name)
      )
    )
    // Single calls of every method first, then longer sequences.
    let round = 0
    for (;;) {
      round += 1
      for (const generator of perMethod) {
        const item = generator.next()
        if (!item.done) yield item.value
      }
      if (round > 3) {
        const sequence = this.randomSequence(symbol, methods)
        yield sequence
      }
    }
  }

  /** A construction to call methods on; the receiver is its last step. */
  private receiverPrefix(className: string): Step[] | undefined {
    const construction = this.pickConstruction(className)
    return construction ? [...construction.program.steps] : undefined
  }

  private randomSequence(
    symbol: CallableSymbol,
    methods: readonly MethodPlan[]
  ): Program | undefined {
    const construction = this.pickConstruction(symbol.name)
    if (!construction) return undefined
    const steps: Step[] = [...construction.program.steps]
    const receiver = construction.step
    const length = 2 + Math.floor(this.random() * 3)
    for (let k = 0; k < length; k += 1) {
      const method = methods[Math.floor(this.random() * methods.length)]
      if (!method) return undefined
      const lists = this.candidateLists(method.parameters)
      const choices = lists.map(
        (list) =>
          (this.random() < 0.5 ? list[0] : list[Math.floor(this.random() * list.length)]) ??
          list[0]!
      )
      const prefix: Step[] = []
      const composed = this.compose(choices, prefix)
      if (!composed || prefix.length > 0) {
        // Keep sequences simple: arguments from earlier programs would reorder the receiver.
        const plain = choices.map((c) => (c.kind === 'recipe' ? c.recipe : undefined))
        if (plain.some((r) => r === undefined)) return undefined
        steps.push({ op: 'method', receiver, method: method.name, args: plain as Recipe[] })
        continue
      }
      steps.push({ op: 'method', receiver, method: method.name, args: composed.recipes })
    }
    return { steps }
  }

  private *alternate(
    generators: readonly Generator<Program | undefined>[]
  ): Generator<Program | undefined> {
    const live = [...generators]
    while (live.length > 0) {
      for (let i = 0; i < live.length; i += 1) {
        const generator = live[i]
        if (!generator) continue
        const item = generator.next()
        if (item.done) {
          live.splice(i, 1)
          i -= 1
          continue
        }
        yield item.value
      }
    }
  }
}
