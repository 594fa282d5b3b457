import type { ParameterModel, TypeModel } from '../../../analysis/module-model.js'

/**
 * Parameters that take a function, when their type does not say so (plain JavaScript, `any`): by
 * their name (`cb`, `done`, `onChange`, `errorHandler`) or because the body calls them
 * (`callback(null, result)`, `fn.call(this)`). Such a parameter gets functions only: a string there
 * is called later by the library, and the TypeError lands after the test has ended, killing the
 * user's test runner.
 */

const CALLBACK_NAME =
  /^(?:cb|callback|done|next|fn|func|listener|handler|iteratee|predicate|comparator|reviver|replacer)$|(?:Callback|Handler|Listener|Fn|Cb)$|^on[A-Z]/

/** A function that returns nothing: what a callback parameter gets. */
export const CALLBACK_TYPE: TypeModel = {
  kind: 'function',
  signature: { parameters: [], returns: { kind: 'undefined' }, async: false, text: '() => void' }
}

function escaped(name: string): string {
  return name.replace(/[$]/g, '\\$')
}

/** Whether `source` calls `name` as a function (not as a method of something else). */
export function callsParameter(source: string, name: string): boolean {
  const id = escaped(name)
  const call = new RegExp(`(?<![.\\w$])${id}\\s*(?:\\(|\\.call\\(|\\.apply\\(|\\.bind\\()`, 'g')
  for (const match of source.matchAll(call)) {
    // `function name(` declares, it does not call.
    const before = source.slice(Math.max(0, match.index - 9), match.index)
    if (!/function\s*$/.test(before)) return true
  }
  return new RegExp(`typeof\\s+${id}\\s*={2,3}\\s*['"]function['"]`).test(source)
}

function untyped(type: TypeModel): boolean {
  return type.kind === 'any' || type.kind === 'unknown' || type.kind === 'unresolved'
}

/** The parameters with callback types where the name or the body says callback. */
export function withCallbackTypes(
  parameters: readonly ParameterModel[],
  value: unknown
): ParameterModel[] {
  let source = ''
  if (typeof value === 'function') {
    try {
      source = Function.prototype.toString.call(value)
    } catch {
      source = ''
    }
  }
  return parameters.map((parameter) =>
    untyped(parameter.type) &&
    (CALLBACK_NAME.test(parameter.name) || callsParameter(source, parameter.name))
      ? { ...parameter, type: CALLBACK_TYPE }
      : parameter
  )
}
