import { afterAll, describe, expect, it } from '@jest/globals'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DEFAULT_EXPLORE_OPTIONS,
  exploreModule,
  type ExploreResult
} from '../../src/generate/strategies/explorer/explore-module.js'
import { createExplorerFixture, type ExplorerFixture } from './explorer-fixture.js'

/**
 * The explorer on CommonJS shapes of real packages (`__tests__/fixtures/explorer/shapes`): an ES5
 * constructor that is also a factory, a UMD wrapper typed by a sibling `.d.cts`, and functions
 * whose effects reach past their return value (callbacks called later, a file written by `fs` or
 * by another thread, a descriptor read, a throw after returning). The proposed tests run under
 * the project's jest.
 */

const TIMEOUT = 240_000
let fixture: ExplorerFixture
const explored = new Map<string, ExploreResult>()

async function explore(path: string): Promise<string> {
  fixture ??= await createExplorerFixture('shapes', 'jest')
  const module = await fixture.analyze(path)
  const source = await readFile(join(fixture.root, path), 'utf8')
  const result = await exploreModule(module, fixture.root, source, {
    ...DEFAULT_EXPLORE_OPTIONS,
    budgetMs: 10_000
  })
  explored.set(path, result)
  if (result.status !== 'explored') throw new Error(`not explored: ${result.reason}`)
  return result.code
}

/** Runs the proposed file where the explorer places it. */
async function runProposed(path: string, code: string) {
  const module = await fixture.analyze(path)
  await fixture.write(module.placement.testPath, code)
  return fixture.runTests([module.placement.testPath], { coverage: false })
}

afterAll(async () => {
  await fixture?.remove()
})

describe('explorer on CommonJS shapes', () => {
  it(
    'constructs an ES5 class with and without new and calls its prototype methods',
    async () => {
      const code = await explore('src/stack.cjs')
      expect(code).toContain("const Stack = require('./stack.cjs')")
      expect(code).toMatch(/= new Stack\(\d+\)/)
      // The factory path (`if (!(this instanceof Stack))`) is its own code.
      expect(code).toMatch(/= Stack\(\d+\)/)
      expect(code).toMatch(/\.(push|pop|peek)\(/)
      // Methods that take nothing are called with nothing.
      expect(code).not.toMatch(/\.(size|pop|peek)\([^)]/)
      const result = explored.get('src/stack.cjs')
      expect(result?.status === 'explored' && result.statements).toEqual({
        covered: 20,
        total: 20
      })
      const run = await runProposed('src/stack.cjs', code)
      expect(run.output).not.toMatch(/\bFAIL\b/)
      expect(run.exitCode).toBe(0)
      expect(run.passed).toBeGreaterThanOrEqual(3)
    },
    TIMEOUT
  )

  it(
    'recognises a class in a UMD wrapper and takes its inputs from the sibling .d.cts',
    async () => {
      const code = await explore('src/queue.cjs')
      expect(code).toContain("const Queue = require('./queue.cjs')")
      expect(code).toMatch(/\.(enqueue|dequeue|isEmpty)\(/)
      // `constructor(capacity: number)`, `enqueue(entry: string)`: no other kinds go in.
      for (const match of code.matchAll(/new Queue\(([^)]*)\)/g))
        expect(match[1]).toMatch(/^-?\d+$/)
      for (const match of code.matchAll(/\.enqueue\(([^)]*)\)/g)) expect(match[1]).toMatch(/^'/)
      const run = await runProposed('src/queue.cjs', code)
      expect(run.output).not.toMatch(/\bFAIL\b/)
      expect(run.exitCode).toBe(0)
    },
    TIMEOUT
  )

  it(
    'passes functions where the code calls back, and turns no call with effects past its return into a test',
    async () => {
      const code = await explore('src/effects.cjs')
      // `done` by its name, `transform` because the body calls it: functions only.
      expect(code).toMatch(/later\([^,]+, \(\) => undefined\)/)
      expect(code).toMatch(/apply\([^,]+, \(\) => undefined\)/)
      expect(code).not.toMatch(/(later|apply)\([^,]+, (?!\(\) =>)/)
      // A file written through fs, a file created by another thread, a throw after returning.
      expect(code).not.toMatch(/Store|openDatabase|fireAndForget/)
      // Descriptors: readConfig(0) would read stdin under the user's runner and wait forever.
      expect(code).not.toMatch(/readConfig\(-?\d/)
      expect(code).toMatch(/describe\('twice'/)
      // Nothing the calls tried to create is left in the repository.
      expect((await readdir(fixture.root)).sort()).toEqual([
        'jest.config.js',
        'node_modules',
        'package.json',
        'src'
      ])
      const run = await runProposed('src/effects.cjs', code)
      expect(run.output).not.toMatch(/\bFAIL\b|Unhandled/)
      expect(run.exitCode).toBe(0)
    },
    TIMEOUT
  )
})
