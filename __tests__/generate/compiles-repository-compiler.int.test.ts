import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { checkCompiles } from '../../src/generate/gates/1-compiles.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/*
 * Gate 1 follows the repository's own compiler: a jest + ts-jest package whose tsconfig has no
 * `types` compiles its tests with its TypeScript 5, which includes every @types package (so
 * @types/jest's `describe`); our TypeScript 6 alone would include none.
 */
const TSCONFIG = JSON.stringify({
  compilerOptions: { target: 'es2019', module: 'commonjs', esModuleInterop: true, outDir: 'dist' },
  include: ['src', '__tests__']
})

const GLOBALS = `import { add } from '../src/math'

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })
})
`

const MISTYPED = `import { add } from '../src/math'

describe('add', () => {
  it('adds strings', () => {
    expect(add('1', 2)).toBe('12')
  })
})
`

const EXPLICIT = `import { describe, expect, it } from '@jest/globals'
import { add } from '../src/math'

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })
})
`

/** Passes TypeScript 5's default (strict off); TypeScript 6's (strict on) rejects it (TS7006). */
const LOOSE = `import { add } from '../src/math'

const twice = (n) => add(n, n)

describe('twice', () => {
  it('doubles', () => {
    expect(twice(2)).toBe(4)
  })
})
`

/**
 * A ts-jest package (no tests of its own in TypeScript) whose compiler is `typescriptVersion`,
 * with the packages named in `installed` (from our node_modules).
 */
async function tsJestPackage(
  typescriptVersion: string,
  installed: readonly string[] = ['@types/jest']
): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'testmaster-ts-jest-')))
  const files: Record<string, string> = {
    'package.json': JSON.stringify({
      name: 'fixture',
      jest: { preset: 'ts-jest', testEnvironment: 'node' },
      devDependencies: { '@types/jest': '^30', jest: '^30', 'ts-jest': '^29', typescript: '^5' }
    }),
    'tsconfig.json': TSCONFIG,
    'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b\n}\n',
    // Only the version is read: the repository's TypeScript is never loaded.
    'node_modules/typescript/package.json': JSON.stringify({
      name: 'typescript',
      version: typescriptVersion
    })
  }
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text)
  }
  for (const name of installed) {
    await mkdir(dirname(join(root, 'node_modules', name)), { recursive: true })
    await symlink(join(REPO_ROOT, 'node_modules', name), join(root, 'node_modules', name), 'dir')
  }
  return root
}

describe('gate 1 under a repository compiled by TypeScript 5', () => {
  let root: string

  beforeAll(async () => {
    root = await tsJestPackage('5.9.3')
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('accepts a candidate using the jest globals that @types/jest declares', () => {
    expect(checkCompiles(GLOBALS, join(root, '__tests__/math.testmaster.test.ts'))).toEqual({
      ok: true
    })
  })

  it('checks with TypeScript 5’s strict default (off) when the tsconfig is silent', () => {
    expect(checkCompiles(LOOSE, join(root, '__tests__/twice.testmaster.test.ts'))).toEqual({
      ok: true
    })
  })

  it('still rejects a candidate with a type error, quoting the tsc error line', () => {
    const file = join(root, '__tests__/strings.testmaster.test.ts')
    const result = checkCompiles(MISTYPED, file)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toBe(
      `${file}:5:16: error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.`
    )
    expect(result.verdict).toMatchObject({ status: 'rejected', gate: 'compiles' })
  })
})

describe('gate 1 under a repository compiled by TypeScript 6', () => {
  let root: string

  beforeAll(async () => {
    root = await tsJestPackage('6.0.3')
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('rejects the same candidate, as TypeScript 6 includes no @types package unless listed', () => {
    const file = join(root, '__tests__/math.testmaster.test.ts')
    const result = checkCompiles(GLOBALS, file)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain(`${file}:3:1: error TS2593: Cannot find name 'describe'.`)
  })
})

describe('gate 1 under TypeScript 5 in a jest package without @types/jest', () => {
  let root: string

  beforeAll(async () => {
    root = await tsJestPackage('5.9.3', ['@jest/globals'])
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('accepts a candidate importing the jest API from @jest/globals', () => {
    expect(checkCompiles(EXPLICIT, join(root, '__tests__/math.testmaster.test.ts'))).toEqual({
      ok: true
    })
  })

  it('rejects one using the globals, as the repository’s ts-jest does (TS2582)', () => {
    const file = join(root, '__tests__/globals.testmaster.test.ts')
    const result = checkCompiles(GLOBALS, file)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toContain(`${file}:3:1: error TS2582: Cannot find name 'describe'.`)
  })
})
