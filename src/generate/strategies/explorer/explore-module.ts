import { join, posix } from 'node:path'
import type {
  ExportedSymbol,
  ModuleAnalysis,
  ParameterModel,
  SignatureModel,
  TypeModel
} from '../../../analysis/module-model.js'
import { runExplorerChild } from './child-launch.js'
import { selectByCoverageGain, inRanges } from './greedy-selection.js'
import type {
  ChildMessage,
  ChildModuleSpec,
  Program,
  ProgramResult,
  Repr,
  SourceSeeds,
  Step
} from './protocol.js'
import { orderForRendering, renderTestFile, subjectOf } from './render-tests.js'
import { materialLiterals } from './module-material.js'
import { isWritable } from './render-literal.js'

/**
 * One exploration of one module, end to end: explore in a child, keep the observations a test can
 * assert, choose a small set by coverage gain, replay it in fresh processes until every kept
 * observation is identical across runs, and render the test file.
 */

export interface ExploreOptions {
  /** Time limit of a single call (synchronous or awaited). */
  readonly callTimeoutMs: number
  /** Fresh-process replays an observation must agree on. */
  readonly repeat: number
  readonly maxCallsPerSymbol: number
  /** Wall time the exploration itself may take. */
  readonly budgetMs: number
  /** Most tests in the proposed file. */
  readonly maxTests: number
  readonly seed: number
}

export const DEFAULT_EXPLORE_OPTIONS: ExploreOptions = {
  callTimeoutMs: 1000,
  repeat: 2,
  maxCallsPerSymbol: 200,
  budgetMs: 20_000,
  maxTests: 50,
  seed: 20_261_121
}

export interface CoverageFigure {
  readonly covered: number
  readonly total: number
}

export type ExploreResult =
  | {
      readonly status: 'explored'
      readonly code: string
      readonly tests: number
      readonly observations: number
      /** Coverage of the module by the kept tests (with loading the module), from the last replay. */
      readonly statements: CoverageFigure
      readonly branches: CoverageFigure
      readonly functions: CoverageFigure
      /** Changed-line units covered / all changed-line units. */
      readonly changed: CoverageFigure
      readonly droppedAsUnstable: number
      /** Why the source gave no seeds (a regex that took too long to sample), if it did not. */
      readonly seedsProblem?: string
    }
  | { readonly status: 'failed'; readonly reason: string }

interface Observation {
  readonly program: Program
  readonly result: ProgramResult
}

/** Timing-dependent values and environment: each replay runs in a different one. */
const REPLAY_ENVIRONMENTS: readonly NodeJS.ProcessEnv[] = [
  { TZ: 'UTC', LANG: 'C.UTF-8' },
  { TZ: 'America/New_York', LANG: 'en_US.UTF-8' },
  { TZ: 'Asia/Kolkata', LANG: 'C' }
]

/** The programs a child ran, with the hazards it noticed only after a program had ended. */
function observations(messages: readonly ChildMessage[]): Observation[] {
  const late = new Map<number, string[]>()
  for (const m of messages)
    if (m.type === 'hazard') late.set(m.index, [...(late.get(m.index) ?? []), ...m.hazards])
  return messages.flatMap((m) => {
    if (m.type !== 'program') return []
    const more = late.get(m.index)
    const result = more
      ? { ...m.result, hazards: [...(m.result.hazards ?? []), ...more] }
      : m.result
    return [{ program: m.program, result }]
  })
}

/** Whether a test written from this observation would assert something. */
function assertable(observation: Observation): boolean {
  // Effects past the return value (a file written, a late throw) make no test: the user's runner
  // would see the file appear, or die of the throw after the test ended.
  if ((observation.result.hazards ?? []).length > 0) return false
  const outcomes = observation.result.outcomes
  const last = lastOutcome(observation)
  if (!last || last.status === 'timeout') return false
  // Every step before the last must have returned (the program stops at the first throw).
  if (outcomes.length < observation.program.steps.length && last.status !== 'threw') return false
  if (last.status === 'threw') return true
  if (observation.result.getters.some(([, , v]) => isWritable(v))) return true
  const value = last.value
  return value.t !== 'opaque' || value.what === 'function'
}

/** Distinct return values a subject's tests should show beyond what coverage selected. */
const DISTINCT_OUTPUTS_PER_SUBJECT = 3

/**
 * Coverage alone picks inputs that run every line but may not show what the code computes: a
 * distance of two unrelated strings is just the longer length, whatever the loop does. A few
 * direct calls with return values not yet shown make the tests catch changed operators (the
 * mutant gate), at a few lines each.
 */
function addDistinctOutputs(
  candidates: readonly Observation[],
  chosen: number[],
  maxTests: number,
  classes: ReadonlySet<string>
): void {
  const shown = new Map<string, Set<string>>()
  const outputOf = (observation: Observation): string | undefined => {
    const last = lastOutcome(observation)
    return last?.status === 'returned' ? JSON.stringify(last.value) : undefined
  }
  const note = (observation: Observation): boolean => {
    const output = outputOf(observation)
    if (output === undefined) return false
    const subject = subjectOf(observation.program)
    const outputs = shown.get(subject) ?? new Set<string>()
    shown.set(subject, outputs)
    if (outputs.has(output)) return false
    outputs.add(output)
    return true
  }
  for (const index of chosen) {
    const candidate = candidates[index]
    if (candidate) note(candidate)
  }
  const added = new Map<string, number>()
  const picked = new Set(chosen)
  candidates.forEach((candidate, index) => {
    // Constructions (with or without `new`) are left out: a new instance's state mostly echoes
    // its arguments, and three of them make a dump of rows where one shows the rule.
    const step = candidate.program.steps[0]
    if (
      chosen.length >= maxTests ||
      picked.has(index) ||
      candidate.program.steps.length !== 1 ||
      step?.op === 'construct' ||
      (step?.op === 'call' && classes.has(step.target))
    )
      return
    const subject = subjectOf(candidate.program)
    if ((added.get(subject) ?? 0) >= DISTINCT_OUTPUTS_PER_SUBJECT) return
    if (!note(candidate)) return
    added.set(subject, (added.get(subject) ?? 0) + 1)
    chosen.push(index)
  })
}

/** What the program's last executed step did. */
function lastOutcome(
  observation: Observation
): Observation['result']['outcomes'][number] | undefined {
  return observation.result.outcomes.at(-1)
}

function lastStatus(observation: Observation): string | undefined {
  return lastOutcome(observation)?.status
}

/** The executed part of a program (it stops at the first throw). */
function executedPart(observation: Observation): Observation {
  const executed = observation.result.outcomes.length
  return executed === observation.program.steps.length
    ? observation
    : {
        program: { steps: observation.program.steps.slice(0, executed) },
        result: observation.result
      }
}

function parameterLookup(exports: readonly ExportedSymbol[]): (step: Step) => readonly string[] {
  const names = (parameters: readonly ParameterModel[] | undefined) =>
    (parameters ?? []).map((p) => p.name)
  return (step) => {
    if (step.op === 'call') {
      const symbol = exports.find((e) => e.name === step.target)
      const signature =
        symbol?.signatures?.[symbol.signatures.length - 1] ??
        (symbol?.type?.kind === 'function' ? symbol.type.signature : undefined)
      return names(signature?.parameters)
    }
    if (step.op === 'construct') {
      // An ES5 constructor is a function to the analysis: its own signature is the constructor's.
      const symbol = exports.find((e) => e.name === step.target)
      return names(
        symbol?.constructorSignature?.parameters ??
          symbol?.signatures?.[symbol.signatures.length - 1]?.parameters
      )
    }
    if (step.op === 'static') {
      const member = exports
        .find((e) => e.name === step.target)
        ?.members?.find((m) => m.name === step.method && m.static)
      return names(member?.signature?.parameters)
    }
    if (step.op === 'method') {
      const member = exports
        .flatMap((e) => e.members ?? [])
        .find((m) => m.name === step.method && !m.static && !m.inheritedFrom)
      return names(member?.signature?.parameters)
    }
    return []
  }
}

/** A usable identifier for the default export, from the analysis, the file or the package name. */
export function defaultExportName(
  module: ModuleAnalysis,
  taken: ReadonlySet<string>,
  isClass = false
): string {
  const camel = (text: string) =>
    text.replace(/[^A-Za-z0-9_$]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())
  // A CommonJS module.exports is named as its source names it: `EventEmitter`, `tinycolor`.
  const declared =
    module.exports.find((e) => e.name === 'default')?.localName ??
    (module.testStyle.exports === 'whole' ? module.testStyle.main?.name : undefined)
  const parts = module.path.split('/')
  let base = (parts[parts.length - 1] ?? '').replace(/\.[^.]+$/, '')
  if (base === 'index' || base === 'main' || base === 'mod') {
    const folder = parts[parts.length - 2]
    base = folder ?? module.package.name?.replace(/^@[^/]+\//, '') ?? 'subject'
  }
  let name = declared ?? camel(base)
  // A class reads as one: `new Stack(1)`, not `new stack(1)`.
  if (isClass && declared === undefined) name = name.charAt(0).toUpperCase() + name.slice(1)
  if (!/^[A-Za-z_$]/.test(name)) name = `module${name}`
  if (name === '' || name === 'default') name = 'subject'
  // A whole CommonJS export is the one binding (its properties are reached through it); with named
  // imports, `export default dedent` beside `export function dedent` would bind `dedent` twice.
  const ownName =
    declared !== undefined && name === declared && module.testStyle.exports === 'whole'
  while (taken.has(name) && !ownName) name = `${name}Module`
  return name
}

/** Enum names used in a type. */
function enumsIn(type: TypeModel | undefined, out: Set<string>, depth = 0): void {
  if (!type || depth > 6) return
  switch (type.kind) {
    case 'enum':
      out.add(type.name)
      return
    case 'union':
      type.types.forEach((t) => enumsIn(t, out, depth + 1))
      return
    case 'array':
      return enumsIn(type.element, out, depth + 1)
    case 'tuple':
      type.elements.forEach((t) => enumsIn(t, out, depth + 1))
      return
    case 'object':
      type.properties.forEach((p) => enumsIn(p.type, out, depth + 1))
      return
    case 'record':
      return enumsIn(type.value, out, depth + 1)
    case 'promise':
      return enumsIn(type.type, out, depth + 1)
    case 'function':
      return signatureEnums(type.signature, out, depth + 1)
    default:
      return
  }
}

function signatureEnums(signature: SignatureModel | undefined, out: Set<string>, depth = 0): void {
  signature?.parameters.forEach((p) => enumsIn(p.type, out, depth + 1))
}

/**
 * Enums the parameters use that the module imports from a sibling module, with the specifier the
 * test file uses for that sibling (same style as its import of the module itself).
 */
export function siblingEnumImports(module: ModuleAnalysis): Map<string, string> {
  const used = new Set<string>()
  for (const symbol of module.exports) {
    symbol.signatures?.forEach((s) => signatureEnums(s, used))
    signatureEnums(symbol.constructorSignature, used)
    symbol.members?.forEach((m) => signatureEnums(m.signature, used))
  }
  const out = new Map<string, string>()
  const exported = new Set(module.exports.map((e) => e.name))
  for (const name of used) {
    if (exported.has(name)) continue
    const source = module.imports.find(
      (i) => i.kind === 'relative' && i.resolvedPath !== undefined && i.names.includes(name)
    )
    if (!source?.resolvedPath) continue
    let specifier = posix.relative(posix.dirname(module.placement.testPath), source.resolvedPath)
    if (!specifier.startsWith('.')) specifier = `./${specifier}`
    const style = posix.extname(module.placement.importSpecifier)
    if (style === '') specifier = specifier.replace(/\.[cm]?[jt]sx?$/, '')
    else if (style !== posix.extname(module.path))
      specifier = specifier.replace(/\.([cm]?)tsx?$/, '.$1js')
    out.set(name, specifier)
  }
  return out
}

function outcomeKey(result: ProgramResult): string {
  const { outcomes, states, getters, hazards } = result
  return JSON.stringify({ outcomes, states, getters, hazards: hazards ?? [] })
}

/** How long the source of one module may take to yield its seeds (SECURITY 36). */
export const SEEDS_TIMEOUT_MS = 10_000

/**
 * The module's seeds, computed in the explorer child: sampling a regex written in PR source can
 * take forever, and in our own process it would block the event loop past every deadline. A child
 * that does not answer in time is killed, and the module is explored without seeds.
 */
export async function seedsFromSource(
  module: Pick<ModuleAnalysis, 'path' | 'language' | 'exports'>,
  source: string,
  signal?: AbortSignal
): Promise<SourceSeeds & { readonly problem?: string }> {
  const run = await runExplorerChild(
    { mode: 'seeds', source, language: module.language, exports: module.exports },
    { timeoutMs: SEEDS_TIMEOUT_MS, signal, env: REPLAY_ENVIRONMENTS[0] }
  )
  const found = run.messages.find((m) => m.type === 'seeds')
  if (found?.type === 'seeds') {
    const { type: _type, ...seeds } = found
    return seeds
  }
  const why =
    run.sandbox.status === 'exited'
      ? run.sandbox.stderr.trim().split('\n').slice(-1).join('') || 'no answer'
      : run.sandbox.status
  return {
    literals: [],
    propertyHints: {},
    problem: `the literals and regexes of ${module.path} gave no seeds (${why}); explored without them`
  }
}

/** The module's first literals (delimiter groups, regex samples) lead; its material is next. */
const LEADING_SOURCE_LITERALS = 4
const LEADING_MATERIAL = 4

/**
 * The module's literals with the values of its material (examples, README, existing tests,
 * formats) placed early: every parameter's first candidates then include values a reviewer knows.
 */
export function withMaterial(own: readonly Repr[], material: readonly Repr[]): Repr[] {
  const ordered = [
    ...own.slice(0, LEADING_SOURCE_LITERALS),
    ...material.slice(0, LEADING_MATERIAL),
    ...own.slice(LEADING_SOURCE_LITERALS),
    ...material.slice(LEADING_MATERIAL)
  ]
  const seen = new Set<string>()
  return ordered.filter((repr) => {
    const key = JSON.stringify(repr)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Explores one module and returns the rendered test file with its measured coverage. */
export async function exploreModule(
  module: ModuleAnalysis,
  repoRoot: string,
  source: string,
  options: ExploreOptions,
  signal?: AbortSignal
): Promise<ExploreResult> {
  const seeds = await seedsFromSource(module, source, signal)
  const spec: ChildModuleSpec = {
    file: join(repoRoot, module.path),
    exports: module.exports,
    literals: withMaterial(seeds.literals, materialLiterals({ module, repoRoot, source })),
    propertyHints: seeds.propertyHints,
    ...(seeds.propertyValues ? { propertyValues: seeds.propertyValues } : {}),
    enumNames: [
      ...module.exports.filter((e) => e.kind === 'enum').map((e) => e.name),
      ...(module.testStyle.exports === 'named' ? siblingEnumImports(module).keys() : [])
    ],
    importedByName: module.testStyle.exports === 'named'
  }
  const explored = await runExplorerChild(
    {
      mode: 'explore',
      module: spec,
      seed: options.seed,
      callTimeoutMs: options.callTimeoutMs,
      maxCallsPerSymbol: options.maxCallsPerSymbol,
      budgetMs: options.budgetMs
    },
    { timeoutMs: options.budgetMs + 15_000, signal, env: REPLAY_ENVIRONMENTS[0], repoRoot }
  )
  const loadError = explored.messages.find((m) => m.type === 'load-error')
  if (loadError?.type === 'load-error')
    return { status: 'failed', reason: `the module could not be loaded: ${loadError.message}` }
  const loaded = explored.messages.find((m) => m.type === 'loaded')
  if (loaded?.type !== 'loaded') {
    const sandbox = explored.sandbox
    const detail =
      sandbox.status === 'exited'
        ? sandbox.stderr.trim().split('\n').slice(-3).join(' ')
        : sandbox.status
    return {
      status: 'failed',
      reason: `the explorer child did not load the module (${detail || 'no output'})`
    }
  }
  const unitLines = new Map(loaded.units)
  const all = observations(explored.messages)
  const candidates = all.filter(assertable).map(executedPart)
  const chosen = selectByCoverageGain(
    candidates.map((c) => ({ units: c.result.units, size: c.program.steps.length })),
    {
      alreadyCovered: loaded.loadUnits,
      unitLines,
      changedLines: module.changedLines,
      max: options.maxTests
    }
  )
  // Every explored subject also gets its simplest successful call, the regression anchor a reader
  // looks for first, when the greedy pass did not already pick one.
  const picked = new Set(chosen)
  const subjectsWithReturn = new Set(
    chosen.flatMap((i) =>
      candidates[i] && lastStatus(candidates[i]) === 'returned'
        ? [subjectOf(candidates[i].program)]
        : []
    )
  )
  candidates
    .map((candidate, index) => ({ candidate, index }))
    .filter(({ candidate, index }) => !picked.has(index) && lastStatus(candidate) === 'returned')
    .sort(
      (a, b) =>
        a.candidate.program.steps.length - b.candidate.program.steps.length || a.index - b.index
    )
    .forEach(({ candidate, index }) => {
      const subject = subjectOf(candidate.program)
      if (subjectsWithReturn.has(subject) || chosen.length >= options.maxTests) return
      subjectsWithReturn.add(subject)
      chosen.push(index)
    })
  addDistinctOutputs(
    candidates,
    chosen,
    options.maxTests,
    new Set(loaded.runtimeExports.flatMap(([name, kind]) => (kind === 'class' ? [name] : [])))
  )
  let selected = orderForRendering(chosen.flatMap((i) => (candidates[i] ? [candidates[i]] : [])))
  if (selected.length === 0)
    return {
      status: 'failed',
      reason: `no call of ${module.path} gave an observation worth a test (${all.length} explored)`
    }

  // Replay in fresh processes until every kept observation agrees across all replays.
  let dropped = 0
  let final: Observation[] = []
  for (let round = 0; round < 3 && selected.length > 0; round += 1) {
    const runs = await Promise.all(
      Array.from({ length: Math.max(1, options.repeat) }, (_, i) =>
        runExplorerChild(
          {
            mode: 'replay',
            module: spec,
            callTimeoutMs: options.callTimeoutMs,
            programs: selected.map((s) => s.program)
          },
          {
            timeoutMs: options.callTimeoutMs * selected.length * 3 + 15_000,
            signal,
            env: REPLAY_ENVIRONMENTS[i % REPLAY_ENVIRONMENTS.length],
            repoRoot
          }
        )
      )
    )
    const perRun = runs.map(
      (run) => new Map(observations(run.messages).map((o, index) => [index, o] as const))
    )
    const stable: Observation[] = []
    selected.forEach((_, index) => {
      const replays = perRun.map((run) => run.get(index))
      const first = replays[0]
      if (
        !first ||
        replays.some((r) => !r || outcomeKey(r.result) !== outcomeKey(first.result)) ||
        !assertable(first)
      )
        return
      stable.push(first)
    })
    if (stable.length === selected.length) {
      final = stable
      break
    }
    dropped += selected.length - stable.length
    // Dropping a program can change what later ones see (module state): replay the rest again.
    selected = stable.map((o) => ({ program: o.program, result: o.result }))
  }
  if (final.length === 0)
    return {
      status: 'failed',
      reason: `no observation of ${module.path} was stable across fresh processes`
    }

  const exportNames = new Set([
    ...module.exports.map((e) => e.name),
    ...loaded.runtimeExports.map(([name]) => name)
  ])
  const rendered = renderTestFile(final, {
    framework: module.package.framework ?? 'jest',
    explicitImports: module.placement.explicitImports,
    importSpecifier: module.placement.importSpecifier,
    defaultName: defaultExportName(
      module,
      exportNames,
      loaded.runtimeExports.some(([name, kind]) => name === 'default' && kind === 'class')
    ),
    style: module.testStyle,
    hasDefaultExport: module.exports.some((e) => e.name === 'default'),
    foreignImports: module.testStyle.exports === 'named' ? siblingEnumImports(module) : undefined,
    exportNames,
    parameterNames: parameterLookup(module.exports)
  })

  const covered = new Set([...loaded.loadUnits, ...final.flatMap((o) => o.result.units)])
  const figure = (prefix: string): CoverageFigure => {
    const units = loaded.units.filter(([unit]) => unit.startsWith(prefix))
    return { covered: units.filter(([unit]) => covered.has(unit)).length, total: units.length }
  }
  const changedUnits = loaded.units.filter(([, line]) => inRanges(line, module.changedLines))
  return {
    status: 'explored',
    code: rendered.code,
    tests: rendered.tests,
    observations: all.length,
    statements: figure('s'),
    branches: figure('b'),
    functions: figure('f'),
    changed: {
      covered: changedUnits.filter(([unit]) => covered.has(unit)).length,
      total: changedUnits.length
    },
    droppedAsUnstable: dropped,
    ...(seeds.problem ? { seedsProblem: seeds.problem } : {})
  }
}
