import type { Framework } from '../analysis/module-model.js'
import { JestRunner } from './jest-runner.js'
import type { TestRunner } from './test-runner.js'
import { VitestRunner } from './vitest-runner.js'

export interface CreateTestRunnerOptions {
  readonly framework: Framework
  /** The target package root: tests run with it as cwd, and its own jest/vitest is loaded. */
  readonly packageRoot: string
  /** Extra variables for test processes; still scrubbed of secrets. */
  readonly env?: NodeJS.ProcessEnv
  /** Cap on the output captured per run. */
  readonly maxOutputBytes?: number
}

/**
 * The adapter for the package's framework. Throws a RunnerError when the framework is not
 * installed in the package; everything that happens while running tests is a RunResult.
 */
export async function createTestRunner(options: CreateTestRunnerOptions): Promise<TestRunner> {
  switch (options.framework) {
    case 'jest':
      return JestRunner.create(options)
    case 'vitest':
      return VitestRunner.create(options)
  }
}
