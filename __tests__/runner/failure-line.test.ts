import { describe, expect, it } from '@jest/globals'
import { describeFailure, failureCause } from '../../src/runner/failure-line.js'

/**
 * Rejection reasons quote the cause, not the framework's framing. The messages below are the
 * shapes jest 30 and vitest print (ANSI colours included where ts-jest leaves them).
 */

const ROOT = '/tmp/repo'

describe('failureCause', () => {
  it('finds the TS diagnostic under "Test suite failed to run"', () => {
    const message = [
      '  ● Test suite failed to run',
      '',
      '    \u001b[96mtests/math.testmaster.test.ts\u001b[0m:\u001b[93m1\u001b[0m:\u001b[93m8\u001b[0m - \u001b[91merror\u001b[0m\u001b[90m TS1192: \u001b[0mModule \'"/tmp/repo/src/math"\' has no default export.',
      '',
      "    1 import math from '../src/math'"
    ].join('\n')
    expect(describeFailure(message, ROOT)).toBe(
      'tests/math.testmaster.test.ts:1:8 - error TS1192: Module \'"src/math"\' has no default export.'
    )
  })

  it("skips jest's unexpected-token advice and quotes the syntax error with the file's line", () => {
    const message = [
      '  ● Test suite failed to run',
      '',
      '    Jest encountered an unexpected token',
      '',
      '    Jest failed to parse a file. This happens e.g. when your code or its dependencies use non-standard JavaScript syntax, or when Jest is not configured to support such syntax.',
      '',
      '    Out of the box Jest supports Babel, which will be used to transform your files into valid JS based on your Babel configuration.',
      '',
      "    Here's what you can do:",
      '     • If you are trying to use ECMAScript Modules, see https://jestjs.io/docs/ecmascript-modules for how to enable it.',
      '',
      '    Details:',
      '',
      '    /tmp/repo/tests/x.testmaster.test.js:1',
      '    ({"Object.<anonymous>":function(module,exports,require,__dirname,__filename,jest){import { add } from \'../src/math\';',
      '                                                                                      ^^^^^^',
      '',
      '    SyntaxError: Cannot use import statement outside a module',
      '',
      '      at Runtime.createScriptFromCode (node_modules/jest-runtime/build/index.js:1505:14)'
    ].join('\n')
    expect(failureCause(message, ROOT)).toEqual({
      message: 'SyntaxError: Cannot use import statement outside a module',
      location: 'tests/x.testmaster.test.js:1'
    })
  })

  it('gives a thrown error with its first frame in the repository, not in node_modules', () => {
    const message = [
      "TypeError: Cannot read properties of undefined (reading 'length')",
      '    at count (/tmp/repo/node_modules/lib/index.js:3:10)',
      '    at total (/tmp/repo/src/cart.ts:12:5)',
      '    at Object.<anonymous> (/tmp/repo/tests/cart.testmaster.test.ts:7:12)'
    ].join('\n')
    expect(describeFailure(message, ROOT)).toBe(
      "TypeError: Cannot read properties of undefined (reading 'length') (at src/cart.ts:12:5)"
    )
  })

  it('says what a failed matcher expected and received', () => {
    const message = [
      'Error: expect(received).toBe(expected) // Object.is equality',
      '',
      'Expected: 4',
      'Received: 3',
      '    at Object.<anonymous> (/tmp/repo/tests/a.test.js:5:20)'
    ].join('\n')
    expect(describeFailure(message, ROOT)).toBe(
      'expect(received).toBe(expected) // Object.is equality; Expected: 4; Received: 3 (at tests/a.test.js:5:20)'
    )
  })

  it('makes paths of the runner disk relative in the message', () => {
    expect(
      describeFailure('Error: Must use import to load ES Module: /tmp/repo/tests/a.test.js', ROOT)
    ).toBe('Error: Must use import to load ES Module: tests/a.test.js')
  })

  it('falls back to the first non-empty line when nothing looks like an error', () => {
    expect(describeFailure('\n\n  something odd happened\nmore', ROOT)).toBe(
      'something odd happened'
    )
  })
})
