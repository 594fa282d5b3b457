import { rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { checkCompiles } from '../../src/generate/gates/1-compiles.js'
import { removeTests, testsAtLines } from '../../src/generate/test-blocks.js'
import { createFixtureProject, type FixtureProject } from '../helpers/fixture-project.js'

/*
 * Gate 1 in a TypeScript repository tested with vitest, which strips types without checking
 * them: a candidate with a type error would pass its run and then fail the repository's `tsc`.
 */
const TSCONFIG = JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node']
  },
  include: ['src', 'tests']
})

const WELL_TYPED = `import { describe, expect, it } from 'vitest'
import { add, classify } from '../src/math.js'

describe('math', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
    expect(classify(0)).toBe('zero')
  })
})
`

const MISTYPED = `import { describe, expect, it } from 'vitest'
import { add } from '../src/math.js'

describe('math', () => {
  it('adds strings', () => {
    expect(add('1', 2)).toBe('12')
  })
})
`

describe('gate 1 type-checks candidates against the repository tsconfig', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await createFixtureProject('vitest-esm')
    await project.write('tsconfig.json', TSCONFIG)
  })
  afterAll(async () => {
    await project?.remove()
  })

  it('rejects a candidate with a type error, quoting the tsc error line', () => {
    const file = project.path('tests/math.testmaster.test.candidate-1.ts')
    const result = checkCompiles(MISTYPED, file)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain(
      `${file}:6:16: error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.`
    )
    expect(result.verdict).toMatchObject({ status: 'rejected', gate: 'compiles' })
    expect(result.verdict.status === 'rejected' && result.verdict.reason).toContain('TS2345')
  })

  it('locates each type error in the test that holds it, so that test alone can be cut', () => {
    const file = project.path('tests/math.testmaster.test.candidate-3.ts')
    const mixed = MISTYPED.replace(
      '})\n})\n',
      "})\n  it('adds numbers', () => {\n    expect(add(1, 2)).toBe(3)\n  })\n})\n"
    )
    const result = checkCompiles(mixed, file)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.typeErrors?.map((e) => e.line)).toEqual([6])
    expect(testsAtLines(mixed, file, [6])).toEqual([{ name: 'math > adds strings', line: 6 }])
    // What is left after the cut type-checks.
    const { code } = removeTests(mixed, file, ['math > adds strings'])
    expect(checkCompiles(code, file)).toEqual({ ok: true })
    // An error outside every test (an import) names no test: the whole file is at fault.
    expect(testsAtLines(mixed, file, [2])).toEqual([])
  })

  it('accepts a well-typed candidate', () => {
    expect(
      checkCompiles(WELL_TYPED, project.path('tests/math.testmaster.test.candidate-2.ts'))
    ).toEqual({
      ok: true
    })
  })
})

describe('a repository whose own tests do not type-check', () => {
  let project: FixtureProject

  beforeAll(async () => {
    project = await createFixtureProject('vitest-esm')
    // Its tests use vitest globals with no types for them: its `tsc` never checks its tests, so
    // neither does gate 1.
    await rm(project.path('tests'), { recursive: true })
    await project.write('tsconfig.json', TSCONFIG.replace('"src","tests"', '"src"'))
    await project.write(
      'tests/globals.test.ts',
      "import { add } from '../src/math.js'\n\nit('adds', () => {\n  expect(add(1, 2)).toBe(3)\n})\n"
    )
  })
  afterAll(async () => {
    await project?.remove()
  })

  it('leaves type errors to the test run, as the repository does', () => {
    expect(
      checkCompiles(MISTYPED, project.path('tests/math.testmaster.test.candidate-3.ts'))
    ).toEqual({
      ok: true
    })
  })
})
