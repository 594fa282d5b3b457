import { describe, expect, it } from '@jest/globals'
import type { ParameterModel } from '../../src/analysis/module-model.js'
import {
  CALLBACK_TYPE,
  callsParameter,
  withCallbackTypes
} from '../../src/generate/strategies/explorer/callback-parameters.js'

const untyped = (name: string): ParameterModel => ({
  name,
  type: { kind: 'any' },
  optional: false,
  rest: false
})

describe('callsParameter', () => {
  it('sees a parameter called directly, through call/apply/bind, or checked as a function', () => {
    expect(callsParameter('function f(x, t) { return t(x) }', 't')).toBe(true)
    expect(callsParameter('function f(x, t) { return t.call(null, x) }', 't')).toBe(true)
    expect(callsParameter("function f(x, t) { if (typeof t === 'function') g() }", 't')).toBe(true)
  })

  it('does not mistake a method of the same name or a declaration for a call', () => {
    expect(callsParameter('function f(x, t) { return x.t(1) }', 't')).toBe(false)
    expect(callsParameter('function f(t) { function t() {} return 1 }', 't')).toBe(false)
    expect(callsParameter('function f(list) { return list.map(String) }', 'list')).toBe(false)
  })
})

describe('withCallbackTypes', () => {
  it('types as callbacks the untyped parameters named or used as callbacks, and only those', () => {
    function later(value: unknown, done: unknown, transform: unknown, options: unknown) {
      return [value, done, (transform as (v: unknown) => unknown)(value), options]
    }
    const typed = withCallbackTypes(['value', 'done', 'transform', 'options'].map(untyped), later)
    expect(typed.map((p) => p.type === CALLBACK_TYPE)).toEqual([false, true, true, false])
  })

  it('keeps a declared type, whatever the name says', () => {
    const declared: ParameterModel = { ...untyped('callback'), type: { kind: 'string' } }
    expect(withCallbackTypes([declared], () => 1)[0]?.type).toEqual({ kind: 'string' })
  })
})
