import type { Framework } from '../../../analysis/module-model.js'
import {
  frameworkImportLine,
  moduleImportLines,
  namedImportLine,
  type TestModuleStyle
} from '../../../analysis/module-style.js'
import type { Program, ProgramResult, Recipe, Repr, Step, StepOutcome } from './protocol.js'
import {
  access,
  BUILTIN_ERRORS,
  isWritable,
  quote,
  renderRepr,
  writablePart
} from './render-literal.js'

/**
 * Observed programs as a readable test file: a `describe` per exported symbol, test names that say
 * what is checked, literal values, `toBe`/`toEqual`/`toThrow` as fits. Values that cannot be
 * written as literals are not asserted.
 */

export interface ObservedCase {
  readonly program: Program
  readonly result: ProgramResult
}

export interface RenderOptions {
  readonly framework: Framework
  readonly explicitImports: boolean
  readonly importSpecifier: string
  /** Local name for the module's default export (or its `module.exports`). */
  readonly defaultName: string
  /** How the test loads the module (analysis/module-style.ts). */
  readonly style: TestModuleStyle
  /**
   * Whether the module has a default export a test can import (style `named`). Without one, a
   * program that calls the loader's `default` (a CommonJS wrapper) cannot be written as a test.
   */
  readonly hasDefaultExport: boolean
  /** Names (enums) the module imports from sibling modules, with the test's specifier for them. */
  readonly foreignImports?: ReadonlyMap<string, string>
  /** Names the module exports (error classes and enums can then be referenced). */
  readonly exportNames: ReadonlySet<string>
  /** Parameter names of a step's callee, for test names. */
  readonly parameterNames: (step: Step) => readonly string[]
}

/** The symbol a program is about: what its last executed step calls. */
export function subjectOf(program: Program, executed = program.steps.length): string {
  const last = program.steps[executed - 1]
  if (!last) return ''
  switch (last.op) {
    case 'call':
    case 'construct':
      return last.target
    case 'static':
      return `${last.target}.${last.method}`
    case 'method':
    case 'get': {
      const receiver = program.steps[last.receiver]
      return receiver && 'target' in receiver ? receiver.target : ''
    }
  }
}

/** Orders programs as they will appear in the file: grouped by subject, first appearance first. */
export function orderForRendering<T extends { readonly program: Program }>(
  cases: readonly T[]
): T[] {
  const groups = new Map<string, T[]>()
  for (const item of cases) {
    const subject = subjectOf(item.program)
    const group = groups.get(subject) ?? []
    group.push(item)
    groups.set(subject, group)
  }
  return [...groups.values()].flat()
}

/** Wording of JavaScript's own errors for a wrong-kind argument (not the module's words). */
const MISUSE_MESSAGE =
  /is not a function|is not a constructor|is not iterable|Cannot read propert|Cannot set propert|Cannot convert|Cannot destructure|Cannot create property|is not defined|Invalid array length|Maximum call stack|Invalid time value|Reduce of empty array|digits argument must be|Invalid count value|Invalid code point|radix must be|is not valid JSON|Unexpected token|Unexpected end of JSON|Invalid regular expression|called on null or undefined|Cannot mix BigInt/

function isMisuseMessage(message: string): boolean {
  return MISUSE_MESSAGE.test(message)
}

/**
 * A float result as a reader would write it (`0.3`, not `0.30000000000000004`), for `toBeCloseTo`:
 * the last bits of a float depend on the order of operations, not on the rule under test.
 */
function fractionOf(repr: Repr): string | undefined {
  if (repr.t !== 'number') return undefined
  const value = Number(repr.v)
  if (!Number.isFinite(value) || Number.isInteger(value)) return undefined
  return String(Number(value.toPrecision(12)))
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

/** What a value looks like, in a few words, for a test name. */
export function summarize(repr: Repr): string {
  switch (repr.t) {
    case 'string': {
      const text = quote(repr.v)
      return text.length <= 32 ? text : 'a long string'
    }
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'null':
      return repr.t === 'undefined' ? 'undefined' : repr.t === 'null' ? 'null' : String(repr.v)
    case 'bigint':
      return `${repr.v}n`
    case 'array':
      return repr.items.length === 0
        ? 'an empty array'
        : repr.items.length === 1
          ? 'an array of 1 item'
          : `an array of ${repr.items.length} items`
    case 'object': {
      if (repr.ctor !== undefined) return `${article(repr.ctor)} ${repr.ctor}`
      if (repr.entries.length === 0) return 'an empty object'
      const inline = renderRepr(repr)
      if (isWritable(repr) && inline.length <= 40 && !inline.includes('\n')) return inline
      const keys = repr.entries.map(([k]) => k)
      return `an object with ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', ...' : ''}`
    }
    case 'date':
      return 'a Date'
    case 'regexp':
      return `/${repr.source}/${repr.flags}`
    case 'map':
      return repr.entries.length === 0 ? 'an empty Map' : `a Map of ${repr.entries.length}`
    case 'set':
      return repr.items.length === 0 ? 'an empty Set' : `a Set of ${repr.items.length}`
    case 'error':
      return `${article(repr.name)} ${repr.name}`
    case 'opaque':
      return repr.what === 'function'
        ? 'a function'
        : repr.ctor
          ? `${article(repr.ctor)} ${repr.ctor}`
          : 'a value'
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a'
}

/** A phrase for a single notable argument: `a negative size`, `an empty name`. */
function notableArgument(recipe: Recipe | undefined, name: string | undefined): string | undefined {
  if (!recipe || recipe.kind !== 'literal' || name === undefined) return undefined
  const value = recipe.value
  if (value.t === 'number') {
    const v = Number(value.v)
    if (Number.isNaN(v)) return `a NaN ${name}`
    if (!Number.isFinite(v)) return `an infinite ${name}`
    if (v < 0) return `a negative ${name}`
    if (v === 0) return `a zero ${name}`
    if (!Number.isInteger(v)) return `a fractional ${name}`
  }
  if (value.t === 'string') {
    if (value.v === '') return `an empty ${name}`
    if (value.v.trim() === '') return `a blank ${name}`
  }
  if (value.t === 'null' || value.t === 'undefined') return `a missing ${name}`
  if (value.t === 'object') {
    for (const [key, inner] of value.entries) {
      const phrase = notableArgument({ kind: 'literal', value: inner }, key)
      if (phrase) return `${article(name)} ${name} with ${phrase}`
    }
  }
  if (value.t === 'array' && value.items.length === 0) return `an empty ${name}`
  return undefined
}

interface RenderedTest {
  readonly name: string
  readonly body: readonly string[]
  readonly async: boolean
}

class TestWriter {
  private readonly names = new Map<number, string>()
  private readonly used = new Set<string>()
  private readonly lines: string[] = []
  private isAsync = false
  /** Set when a step reaches something the test's imports cannot name. */
  private unreachable = false

  constructor(
    private readonly program: Program,
    private readonly result: ProgramResult,
    private readonly options: RenderOptions,
    private readonly imports: Set<string>
  ) {}

  private local(target: string): string {
    const foreign = this.options.foreignImports?.get(target)
    if (foreign !== undefined) {
      this.imports.add(`${target}\0${foreign}`)
      return target
    }
    // CommonJS: named exports are read off the one binding for module.exports, which every
    // framework and Node agree on (`const semver = require('./semver'); semver.valid(...)`).
    if (this.options.style.exports === 'whole' && target !== 'default') {
      this.imports.add('default')
      return access(this.options.defaultName, target)
    }
    if (
      this.options.style.exports === 'named' &&
      target === 'default' &&
      !this.options.hasDefaultExport
    )
      this.unreachable = true
    const name = target === 'default' ? this.options.defaultName : target
    this.imports.add(target)
    return name
  }

  private variableFor(index: number): string {
    const existing = this.names.get(index)
    if (existing) return existing
    const step = this.program.steps[index]
    let base = 'result'
    if (step?.op === 'construct')
      base = lowerFirst(step.target === 'default' ? this.options.defaultName : step.target)
    else if (step?.op === 'call') {
      const callee = step.target === 'default' ? this.options.defaultName : step.target
      // A factory named like a class (`Stack(1)` without `new`) builds an instance: `stack`.
      base = /^[A-Z]/.test(callee) ? lowerFirst(callee) : `${lowerFirst(callee)}Result`
    } else if (step?.op === 'static' || step?.op === 'method')
      base = `${lowerFirst(step.method)}Result`
    else if (step?.op === 'get') base = lowerFirst(step.property)
    let name = base
    const taken = (candidate: string) =>
      this.used.has(candidate) ||
      this.options.exportNames.has(candidate) ||
      (this.options.exportNames.has('default') && candidate === this.options.defaultName)
    for (let n = 2; taken(name); n += 1) name = `${base}${n}`
    this.used.add(name)
    this.names.set(index, name)
    return name
  }

  private recipe(recipe: Recipe): string {
    switch (recipe.kind) {
      case 'literal':
        return renderRepr(recipe.value)
      case 'ref':
        return this.variableFor(recipe.step)
      case 'callback':
        return `() => ${this.recipe(recipe.returns)}`
      case 'promise':
        return `Promise.resolve(${this.recipe(recipe.value)})`
      case 'enum':
        return access(this.local(recipe.enumName), recipe.member)
    }
  }

  expression(step: Step): string {
    const args = 'args' in step ? step.args.map((a) => this.recipe(a)).join(', ') : ''
    switch (step.op) {
      case 'call':
        return `${this.local(step.target)}(${args})`
      case 'construct':
        return `new ${this.local(step.target)}(${args})`
      case 'static':
        return `${access(this.local(step.target), step.method)}(${args})`
      case 'method':
        return `${access(this.variableFor(step.receiver), step.method)}(${args})`
      case 'get':
        return access(this.variableFor(step.receiver), step.property)
    }
  }

  /** Steps whose values later steps use. */
  private referenced(executed: number): Set<number> {
    const out = new Set<number>()
    const visit = (recipe: Recipe) => {
      if (recipe.kind === 'ref') out.add(recipe.step)
      else if (recipe.kind === 'callback') visit(recipe.returns)
      else if (recipe.kind === 'promise') visit(recipe.value)
    }
    for (const step of this.program.steps.slice(0, executed)) {
      if (step.op === 'method' || step.op === 'get') out.add(step.receiver)
      if ('args' in step) step.args.forEach(visit)
    }
    return out
  }

  private assertValue(subject: string, repr: Repr): string[] {
    if (repr.t === 'number' && repr.v === 'NaN') return [`expect(${subject}).toBeNaN()`]
    if (repr.t === 'undefined') return [`expect(${subject}).toBeUndefined()`]
    if (repr.t === 'null') return [`expect(${subject}).toBeNull()`]
    const fraction = fractionOf(repr)
    if (fraction !== undefined) return [`expect(${subject}).toBeCloseTo(${fraction})`]
    if (['number', 'string', 'boolean', 'bigint'].includes(repr.t))
      return [`expect(${subject}).toBe(${renderRepr(repr)})`]
    if (isWritable(repr)) return [`expect(${subject}).toEqual(${renderRepr(repr)})`]
    const part = writablePart(repr)
    if (part?.t === 'object' && part.entries.length > 0)
      return [`expect(${subject}).toMatchObject(${renderRepr(part)})`]
    if (repr.t === 'opaque' && repr.what === 'function')
      return [`expect(typeof ${subject}).toBe('function')`]
    return []
  }

  private assertThrow(expression: string, error: Repr, awaited: boolean): string[] {
    const matcher = this.throwMatcher(error)
    return [
      awaited
        ? `await expect(${expression}).rejects.toThrow(${matcher})`
        : `expect(() => ${expression}).toThrow(${matcher})`
    ]
  }

  /**
   * One matcher per throwing call (never the same call twice): the module's own error class, the
   * class of a misuse error (V8's wording is not the module's and changes between versions), or
   * else the module's message.
   */
  private throwMatcher(error: Repr): string {
    if (error.t !== 'error') return ''
    const builtin = BUILTIN_ERRORS.has(error.name) && error.name !== 'Error'
    // Errors made by Node's own functions (`ERR_INVALID_ARG_TYPE`) belong to another realm than
    // the test's globals under jest: `toThrow(TypeError)` does not match them there.
    const nodeMade = error.code?.startsWith('ERR_') ?? false
    if (!builtin && error.name !== 'Error' && this.options.exportNames.has(error.name))
      return this.local(error.name)
    if (builtin && !nodeMade && isMisuseMessage(error.message)) return error.name
    if (error.message !== '') return quote(error.message)
    return builtin && !nodeMade ? error.name : ''
  }

  render(): RenderedTest | undefined {
    const outcomes = this.result.outcomes
    const executed = outcomes.length
    const references = this.referenced(executed)
    const lastIndex = executed - 1
    const last = this.program.steps[lastIndex]
    const lastOutcome = outcomes[lastIndex]
    if (!last || !lastOutcome || lastOutcome.status === 'timeout') return undefined
    if (last.op === 'construct' && lastOutcome.status === 'returned') references.add(lastIndex)

    for (let index = 0; index < lastIndex; index += 1) {
      const step = this.program.steps[index]
      const outcome = outcomes[index]
      if (!step || outcome?.status !== 'returned') return undefined
      const expression = (outcome.awaited ? 'await ' : '') + this.expression(step)
      if (outcome.awaited) this.isAsync = true
      this.lines.push(
        references.has(index) ? `const ${this.variableFor(index)} = ${expression}` : expression
      )
    }

    const assertions = this.finalAssertions(last, lastOutcome, lastIndex, references)
    if (assertions.length === 0 || this.unreachable) return undefined
    const stateAssertions = this.stateAssertions(lastIndex, lastOutcome)
    this.lines.push(...assertions, ...stateAssertions)
    return {
      name: this.testName(last, lastOutcome, lastIndex),
      body: this.lines,
      async: this.isAsync
    }
  }

  private finalAssertions(
    last: Step,
    outcome: StepOutcome,
    lastIndex: number,
    references: Set<number>
  ): string[] {
    const expression = this.expression(last)
    if (outcome.status === 'threw') {
      if (outcome.awaited) this.isAsync = true
      return this.assertThrow(expression, outcome.error, outcome.awaited)
    }
    if (outcome.status !== 'returned') return []
    if (outcome.awaited) this.isAsync = true
    const value = outcome.awaited ? `await ${expression}` : expression
    if (references.has(lastIndex)) {
      const name = this.variableFor(lastIndex)
      this.lines.push(`const ${name} = ${value}`)
      const state = this.result.states.find(([step]) => step === lastIndex)?.[1] ?? outcome.value
      const own =
        state.t === 'object' && state.entries.length === 0 ? [] : this.assertValue(name, state)
      const getters = this.getterAssertions(lastIndex)
      return own.length + getters.length === 0
        ? [`expect(${name}).toBeInstanceOf(${this.expressionTarget(last)})`]
        : [...own, ...getters]
    }
    return this.assertValue(value, outcome.value)
  }

  private expressionTarget(step: Step): string {
    return step.op === 'construct' ? this.local(step.target) : 'Object'
  }

  private getterAssertions(stepIndex: number): string[] {
    const name = this.variableFor(stepIndex)
    return this.result.getters
      .filter(([step]) => step === stepIndex)
      .slice(0, 5)
      .flatMap(([, getter, value]) =>
        isWritable(value) ? this.assertValue(access(name, getter), value) : []
      )
  }

  /** State of the objects the program built, after its last step (the construct itself excluded). */
  private stateAssertions(lastIndex: number, outcome: StepOutcome): string[] {
    const last = this.program.steps[lastIndex]
    if (last?.op === 'construct' && outcome.status === 'returned') return []
    const out: string[] = []
    for (const [step, state] of this.result.states) {
      if (step > lastIndex || !this.names.has(step)) continue
      const name = this.variableFor(step)
      if (!(state.t === 'object' && state.entries.length === 0))
        out.push(...this.assertValue(name, state))
      out.push(...this.getterAssertions(step))
    }
    return out
  }

  private argumentsPhrase(step: Step): string {
    if (!('args' in step) || step.args.length === 0) return ''
    const names = this.options.parameterNames(step)
    const rendered = step.args.map((a) =>
      a.kind === 'ref' ? this.variableFor(a.step) : this.recipe(a)
    )
    const text = rendered.join(', ')
    // `returns 3 for 'abc'`; several arguments keep their parentheses: `for (1, 2)`.
    if (!text.includes('\n') && text.length <= 40)
      return step.args.length === 1 ? ` for ${text}` : ` for (${text})`
    const notable = step.args.length === 1 ? notableArgument(step.args[0], names[0]) : undefined
    if (notable) return ` for ${notable}`
    // Too long to quote: say what each argument is (`an array of 2 items and Tier.Free`).
    const parts = step.args.map((a) => this.describeArgument(a))
    const described =
      parts.length === 1
        ? (parts[0] ?? '')
        : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`
    if (described.length <= 70) return ` for ${described}`
    return step.args.length === 1 && names[0]
      ? ` for a given ${names[0]}`
      : ` for ${step.args.length} arguments`
  }

  private describeArgument(recipe: Recipe): string {
    switch (recipe.kind) {
      case 'literal':
        return summarize(recipe.value)
      case 'ref':
        return this.variableFor(recipe.step)
      case 'callback':
        return 'a callback'
      case 'promise':
        return 'a promise'
      case 'enum':
        return `${recipe.enumName}.${recipe.member}`
    }
  }

  private testName(last: Step, outcome: StepOutcome, lastIndex: number): string {
    const earlier = this.program.steps
      .slice(0, lastIndex)
      .flatMap((step) => (step.op === 'method' ? [`${step.method}()`] : []))
    const after =
      earlier.length > 0
        ? ` after ${earlier.slice(0, 3).join(', ')}${earlier.length > 3 ? ', ...' : ''}`
        : ''
    const callee =
      last.op === 'method' || last.op === 'static'
        ? `${last.method} `
        : last.op === 'get'
          ? `${last.property} `
          : ''
    if (outcome.status === 'threw') {
      const kind = outcome.error.t === 'error' ? outcome.error.name : 'an error'
      const notable =
        'args' in last && last.args.length === 1
          ? notableArgument(last.args[0], this.options.parameterNames(last)[0])
          : undefined
      // `rejects a negative quantity` says the rule; the error kind is in the assertion.
      if (notable) return `${callee}rejects ${notable}${after}`
      const phrase = this.argumentsPhrase(last)
      return `${callee}${outcome.awaited ? 'rejects with' : 'throws'} ${kind}${phrase}${after}`
    }
    if (outcome.status !== 'returned') return `${callee}runs`
    if (last.op === 'construct')
      return `creates an instance${this.argumentsPhrase(last) || ' with no arguments'}${after}`
    const verb = outcome.awaited ? 'resolves to' : 'returns'
    const args = this.argumentsPhrase(last)
    const none = last.op === 'call' || last.op === 'static' ? ' with no arguments' : ''
    return `${callee}${verb} ${summarize(outcome.value)}${args || none}${after}`
  }
}

/** The complete test file for the cases, in order. */
export function renderTestFile(
  cases: readonly ObservedCase[],
  options: RenderOptions
): { code: string; tests: number } {
  const imports = new Set<string>()
  const groups = new Map<string, RenderedTest[]>()
  for (const item of cases) {
    // A test that is not rendered must not leave its imports behind.
    const own = new Set<string>()
    const writer = new TestWriter(item.program, item.result, options, own)
    const test = writer.render()
    if (!test) continue
    for (const name of own) imports.add(name)
    const subject = subjectOf(item.program, item.result.outcomes.length)
    const title = subject.startsWith('default')
      ? subject.replace('default', options.defaultName)
      : subject
    const group = groups.get(title) ?? []
    let name = test.name
    for (let n = 2; group.some((t) => t.name === name); n += 1) name = `${test.name} (${n})`
    group.push({ ...test, name })
    groups.set(title, group)
  }
  const named = [...imports].filter((name) => name !== 'default' && !name.includes('\0')).sort()
  const foreign = new Map<string, string[]>()
  for (const entry of [...imports].filter((name) => name.includes('\0')).sort()) {
    const [name = '', specifier = ''] = entry.split('\0')
    foreign.set(specifier, [...(foreign.get(specifier) ?? []), name])
  }
  const lines: string[] = []
  if (options.explicitImports) lines.push(frameworkImportLine(options.style, options.framework))
  lines.push(
    ...moduleImportLines(options.style, options.importSpecifier, {
      named,
      ...(imports.has('default') ? { whole: options.defaultName } : {})
    })
  )
  for (const [specifier, names] of foreign)
    lines.push(namedImportLine(options.style, specifier, names))
  let count = 0
  for (const [title, tests] of groups) {
    lines.push('', `describe(${quote(title)}, () => {`)
    tests.forEach((test, i) => {
      count += 1
      if (i > 0) lines.push('')
      lines.push(`  it(${quote(test.name)}, ${test.async ? 'async ' : ''}() => {`)
      for (const line of test.body) lines.push(...line.split('\n').map((l) => `    ${l}`))
      lines.push('  })')
    })
    lines.push('})')
  }
  return { code: lines.join('\n') + '\n', tests: count }
}
