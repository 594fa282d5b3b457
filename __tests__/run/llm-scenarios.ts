import type { ScriptedAnswer, ServedRequest } from '../helpers/fake-openai-server.js'
import { fencedAnswer } from '../helpers/fake-openai-server.js'

/**
 * Modules and scripted model answers for whole-run LLM tests. Each module hides its changed branch
 * behind a coupon format (`SAVE<n>`) that the explorer's generated inputs do not reach, so the
 * explorer's candidate covers the fallback path and an LLM candidate has real coverage to add: the
 * LLM's fate is then decided by its own gates, with the explorer's candidate beside it.
 */

/** `clean` -> `cleanPercent`. */
export const fn = (name: string): string => `${name}Percent`

/**
 * A coupon module. `limit` is the comparison against 50: the documentation promises 50 included,
 * so `<` is the bug a test following the documentation reveals.
 */
export function couponModule(
  name: string,
  options: { limit?: '<=' | '<'; extra?: string } = {}
): string {
  return `${options.extra ?? ''}/**
 * Percent off for a coupon code: SAVE followed by a number n gives n percent when n is a multiple
 * of 5, up to 50 included. Anything else gives 0.
 */
export function ${fn(name)}(code: string): number {
  const match = /^SAVE(\\d+)$/.exec(code)
  if (match) {
    const pct = Number(match[1])
    if (pct >= 5 && pct % 5 === 0 && pct ${options.limit ?? '<='} 50) {
      return pct
    }
  }
  return 0
}
`
}

/** A passing test of the hidden branch (`expected` changes it into a failing one). */
export function goodTest(
  name: string,
  specifier: string,
  expected = 10,
  globals = '@jest/globals'
): string {
  return `import { describe, it, expect } from '${globals}'
import { ${fn(name)} } from '${specifier}'

describe('${fn(name)} with SAVE codes', () => {
  it('gives the percent of a SAVE code', () => {
    expect(${fn(name)}('SAVE10')).toBe(${expected})
  })
  it('gives nothing for an amount that is not a multiple of 5', () => {
    expect(${fn(name)}('SAVE7')).toBe(0)
  })
})`
}

/** Reaches the hidden branch and asserts nothing that depends on it. */
export function vacuousTest(name: string, specifier: string): string {
  return `import { it, expect } from '@jest/globals'
import { ${fn(name)} } from '${specifier}'

it('runs', () => {
  ${fn(name)}('SAVE10')
  ${fn(name)}('SAVE7')
  expect(true).toBe(true)
})`
}

/**
 * Reaches the hidden branch with an assertion about the module that no mutant can fail: it passes
 * the static check of the assertion gate, and only the mutants show it asserts nothing.
 */
export function weakTest(name: string, specifier: string): string {
  return `import { it, expect } from '@jest/globals'
import { ${fn(name)} } from '${specifier}'

it('does not throw', () => {
  expect(() => {
    ${fn(name)}('SAVE10')
    ${fn(name)}('SAVE7')
  }).not.toThrow()
})`
}

/** What a request is: which module, generate or heal, and the specifier the prompt asks for. */
export interface RequestInfo {
  readonly module: string
  readonly purpose: 'generate' | 'heal'
  readonly specifier: string
  /** Which call for its code ("candidate 2 for this code"); 1 when the prompt names none. */
  readonly candidate: number
}

export function requestInfo(request: ServedRequest): RequestInfo {
  const system = request.body.messages?.[0]?.content ?? ''
  const module = /"src\/([\w-]+)\.ts"/.exec(request.userText)?.[1] ?? 'unknown'
  return {
    module,
    purpose: /repairing a generated unit test/.test(system) ? 'heal' : 'generate',
    specifier:
      /exactly this specifier: '([^']+)'/.exec(request.userText)?.[1] ?? `../src/${module}.js`,
    candidate: Number(/candidate (\d+) (?:of \d+|for this code)/.exec(request.userText)?.[1] ?? 1)
  }
}

export const answer = (content: string, extra: Partial<ScriptedAnswer> = {}): ScriptedAnswer => ({
  content,
  ...extra
})

export const healed = (code: string): ScriptedAnswer =>
  answer(`VERDICT: test-bug\nThe expectation was wrong.\n\n${fencedAnswer(code)}`)
