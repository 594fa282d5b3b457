import vm from 'node:vm'
import type { Program, ProgramResult, Recipe, Repr, Step, StepOutcome } from './protocol.js'
import { fromRepr, toRepr } from './value-repr.js'

/**
 * Runs one program against the loaded module: each step under a time limit (synchronous code is
 * interrupted through `vm`'s timeout, promises are raced against a timer), stopping at the first
 * throw. Returns what each step did and the state of the objects the program constructed.
 */

export type ModuleNamespace = Record<string, unknown>

const THUNK = '__testmasterExplorerThunk__'
const script = new vm.Script(`globalThis.${THUNK}()`)
// The global the script sees: the process's own, even when this module runs inside a VM context.
const realGlobal = vm.runInThisContext('globalThis') as Record<string, unknown>

class StepTimeout extends Error {}

/** Calls `thunk` with synchronous code limited to `timeoutMs`. */
function runLimited<T>(thunk: () => T, timeoutMs: number): T {
  const holder = realGlobal
  holder[THUNK] = thunk
  try {
    return script.runInThisContext({ timeout: timeoutMs }) as T
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new StepTimeout()
    throw error
  } finally {
    holder[THUNK] = undefined
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

async function awaitLimited(promise: PromiseLike<unknown>, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout()), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** The runtime value of an export (`default` included). */
export function exportValue(namespace: ModuleNamespace, name: string): unknown {
  return namespace[name]
}

function materialize(recipe: Recipe, values: readonly unknown[]): unknown {
  switch (recipe.kind) {
    case 'literal':
    case 'enum':
      return fromRepr(recipe.value)
    case 'ref':
      return values[recipe.step]
    case 'callback':
      return () => materialize(recipe.returns, values)
    case 'promise':
      return Promise.resolve(materialize(recipe.value, values))
  }
}

function invoke(step: Step, namespace: ModuleNamespace, values: readonly unknown[]): unknown {
  const args = 'args' in step ? step.args.map((recipe) => materialize(recipe, values)) : []
  switch (step.op) {
    case 'call':
      return (exportValue(namespace, step.target) as (...a: unknown[]) => unknown)(...args)
    case 'construct':
      return new (exportValue(namespace, step.target) as new (...a: unknown[]) => unknown)(...args)
    case 'static': {
      const owner = exportValue(namespace, step.target) as Record<
        string,
        (...a: unknown[]) => unknown
      >
      return owner[step.method]?.(...args)
    }
    case 'method': {
      const receiver = values[step.receiver] as Record<string, (...a: unknown[]) => unknown>
      return receiver[step.method]?.(...args)
    }
    case 'get':
      return (values[step.receiver] as Record<string, unknown>)[step.property]
  }
}

/** Getter names of an object's class chain (not Object.prototype). */
export function getterNames(object: object): string[] {
  const names: string[] = []
  let proto: unknown = Object.getPrototypeOf(object)
  while (proto && proto !== Object.prototype) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (descriptor.get && name !== '__proto__' && !names.includes(name)) names.push(name)
    }
    proto = Object.getPrototypeOf(proto)
  }
  return names
}

export interface ProgramRun {
  readonly result: Omit<ProgramResult, 'units'>
  /** Runtime results of the steps, for reuse as inputs. */
  readonly values: readonly unknown[]
}

/** Executes a program; never throws. */
export async function runProgram(
  program: Program,
  namespace: ModuleNamespace,
  timeoutMs: number
): Promise<ProgramRun> {
  const values: unknown[] = []
  const outcomes: StepOutcome[] = []
  for (const step of program.steps) {
    let outcome: StepOutcome
    let awaited = false
    try {
      let value = runLimited(() => invoke(step, namespace, values), timeoutMs)
      if (isThenable(value)) {
        awaited = true
        value = await awaitLimited(value, timeoutMs)
      }
      values.push(value)
      outcome = { status: 'returned', value: toRepr(value), awaited }
    } catch (error) {
      if (error instanceof StepTimeout) {
        outcomes.push({ status: 'timeout' })
        break
      }
      outcome = { status: 'threw', error: toRepr(error), awaited }
      outcomes.push(outcome)
      break
    }
    outcomes.push(outcome)
  }
  const states: (readonly [number, Repr])[] = []
  const getters: (readonly [number, string, Repr])[] = []
  program.steps.forEach((step, index) => {
    if (step.op !== 'construct' || outcomes[index]?.status !== 'returned') return
    const object = values[index]
    if (typeof object !== 'object' || object === null) return
    states.push([index, toRepr(object)])
    for (const name of getterNames(object)) {
      try {
        const value = runLimited(() => (object as Record<string, unknown>)[name], timeoutMs)
        getters.push([index, name, toRepr(value)])
      } catch {
        // a getter that throws on this state is simply not asserted
      }
    }
  })
  return { result: { outcomes, states, getters }, values }
}
