import { describe, expect, it } from '@jest/globals'
import {
  ConfigError,
  EXIT_CODES,
  exitCodeFor,
  formatError,
  GitError,
  LlmError,
  UnexpectedError
} from '../src/errors.js'

describe('errors', () => {
  it('prints user-fixable errors plainly with the hint and no stack', () => {
    const text = formatError(
      new ConfigError('CONFIG_INVALID', 'file: depth must be one of ...', 'fix it')
    )
    expect(text).toBe('error CONFIG_INVALID: file: depth must be one of ...\n  hint: fix it')
  })

  it('prints unexpected errors with the stack and where to report', () => {
    const text = formatError(new TypeError('x is undefined'))
    expect(text).toMatch(/^unexpected error: x is undefined\nTypeError: x is undefined\n\s+at /)
    expect(text).toMatch(/please report it at https:\/\//)
    expect(formatError(new UnexpectedError('generation', 'invariant broken'))).toMatch(
      /this is a bug in TestMaster/
    )
  })

  it('maps errors to the documented exit codes', () => {
    expect(exitCodeFor(new ConfigError('X', 'm'))).toBe(EXIT_CODES.usage)
    expect(exitCodeFor(new GitError('X', 'm'))).toBe(EXIT_CODES.target)
    expect(exitCodeFor(new LlmError('X', 'm'))).toBe(EXIT_CODES.service)
    expect(exitCodeFor(new Error('boom'))).toBe(EXIT_CODES.unexpected)
    expect(exitCodeFor(new UnexpectedError('git', 'boom'))).toBe(EXIT_CODES.unexpected)
  })
})
