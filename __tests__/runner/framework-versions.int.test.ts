import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { measureBaseline } from '../../src/coverage/baseline.js'
import { coverageFigures } from '../../src/coverage/coverage-figures.js'
import { RunnerError } from '../../src/errors.js'
import { createTestRunner } from '../../src/runner/create-test-runner.js'
import type { TestRunner } from '../../src/runner/test-runner.js'
import {
  createFixtureProject,
  type FixtureName,
  type FixtureProject
} from '../helpers/fixture-project.js'
import { installedFrameworks, useNodeModules } from '../helpers/framework-versions.js'

const TIMEOUT_MS = 120_000

/*
 * The framework versions the README says we support, each driven for real: vitest 4.0 (whose
 * Node API has init(), not standalone()), 4.1 and 5 (ours), jest 29 and 30 (ours). The fixture's
 * pass.test covers add() and classify(-1) of src/math (see coverage/baseline.int.test.ts).
 */
const VERSIONS: ReadonlyArray<{
  label: string
  fixture: FixtureName
  framework: 'jest' | 'vitest'
  ext: string
  packages?: readonly string[]
}> = [
  {
    label: 'vitest 4.0',
    fixture: 'vitest-esm',
    framework: 'vitest',
    ext: 'ts',
    packages: ['vitest@4.0.18', '@vitest/coverage-istanbul@4.0.18']
  },
  {
    label: 'vitest 4.1',
    fixture: 'vitest-esm',
    framework: 'vitest',
    ext: 'ts',
    packages: ['vitest@4.1.12', '@vitest/coverage-istanbul@4.1.12']
  },
  { label: 'vitest 5 (ours)', fixture: 'vitest-esm', framework: 'vitest', ext: 'ts' },
  {
    label: 'jest 29',
    fixture: 'jest-babel-cjs',
    framework: 'jest',
    ext: 'js',
    packages: ['jest@29.7.0']
  },
  { label: 'jest 30 (ours)', fixture: 'jest-babel-cjs', framework: 'jest', ext: 'js' }
]

describe.each(VERSIONS)('$label', ({ fixture, framework, ext, packages }) => {
  let project: FixtureProject
  let runner: TestRunner

  beforeAll(async () => {
    project = await createFixtureProject(fixture)
    if (packages) {
      const key = packages.join('+').replace(/[@/]/g, '_')
      await useNodeModules(project.root, await installedFrameworks(key, packages))
      // A plain CommonJS project needs no transform (the installed set has no babel preset).
      await rm(project.path('babel.config.js'), { force: true })
    }
    runner = await createTestRunner({ framework, packageRoot: project.root })
  }, 900_000)
  afterAll(async () => {
    await runner?.close()
    await project?.remove()
  })

  it('measures the baseline and runs a candidate', async () => {
    const math = project.path(`src/math.${ext}`)
    const baseline = await measureBaseline(
      runner,
      [project.path(`tests/pass.test.${ext}`)],
      [math],
      TIMEOUT_MS
    )
    expect(coverageFigures(baseline, math).functions).toEqual({ covered: 2, total: 2, pct: 100 })
    const failing = await runner.run({
      testFiles: [project.path(`tests/fail.test.${ext}`)],
      timeoutMs: TIMEOUT_MS
    })
    expect(failing.status).toBe('completed')
    if (failing.status === 'completed')
      expect(failing.files.map((f) => f.status)).toEqual(['failed'])
  })
})

describe('a vitest our adapter cannot drive', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await createFixtureProject('vitest-esm')
    // A vitest whose Node API lacks both standalone() and init(): the package is theirs, so a
    // stand-in here replaces no code of ours.
    await rm(project.path('node_modules'))
    await project.write(
      'node_modules/vitest/package.json',
      JSON.stringify({
        name: 'vitest',
        version: '3.9.9',
        type: 'module',
        exports: { './package.json': './package.json', './node': './node.js' }
      })
    )
    await project.write(
      'node_modules/vitest/node.js',
      'export async function createVitest() { return { projects: [] } }\n'
    )
  })
  afterAll(async () => {
    await project?.remove()
  })

  it('says so, naming the version, instead of blaming the repository', async () => {
    const runner = await createTestRunner({ framework: 'vitest', packageRoot: project.root })
    try {
      const math = project.path('src/math.ts')
      const error = await measureBaseline(
        runner,
        [project.path('tests/pass.test.ts')],
        [math],
        TIMEOUT_MS
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RunnerError)
      expect(error).toMatchObject({ code: 'RUNNER_FRAMEWORK_UNSUPPORTED' })
      expect((error as Error).message).toContain(
        "TestMaster's vitest adapter cannot drive vitest 3.9.9"
      )
    } finally {
      await runner.close()
    }
  })
})

describe('a vitest repository without a coverage provider', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await createFixtureProject('vitest-esm')
    // vitest alone, as a repository that never installed @vitest/coverage-*.
    await useNodeModules(
      project.root,
      await installedFrameworks('vitest_4.1.12-alone', ['vitest@4.1.12'])
    )
  }, 900_000)
  afterAll(async () => {
    await project?.remove()
  })

  it('is a clear error naming the provider package to install', async () => {
    const runner = await createTestRunner({ framework: 'vitest', packageRoot: project.root })
    try {
      const error = await measureBaseline(
        runner,
        [project.path('tests/pass.test.ts')],
        [project.path('src/math.ts')],
        TIMEOUT_MS
      ).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'RUNNER_COVERAGE_PROVIDER_MISSING' })
      expect((error as Error).message).toContain('@vitest/coverage-istanbul is not installed')
    } finally {
      await runner.close()
    }
  })
})
