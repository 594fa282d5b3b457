import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { delimiter, dirname, join, relative } from 'node:path'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import type { FileTree } from '../helpers/git-fixtures.js'
import { createRunProject, type RunProject } from './run-project.js'

/**
 * The whole run with no key (the explorer) on the two most common shapes of a repository, a plain
 * jest + ts-jest TypeScript package and a CommonJS JavaScript package, neither with
 * `"type": "module"`: the tests it delivers must pass under the repo's own `npx jest` with no flags
 * and no NODE_OPTIONS, on a work tree that holds nothing but them beside the PR.
 */

const SHAPES = join(REPO_ROOT, '__tests__', 'fixtures', 'module-shapes')

async function shapeFiles(shape: string): Promise<FileTree> {
  const root = join(SHAPES, shape)
  const tree: Record<string, string> = {}
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    tree[relative(root, path).split('\\').join('/')] = await readFile(path, 'utf8')
  }
  return tree
}

/** `npx jest` in the project as its user types it: our Node first on PATH, no NODE_OPTIONS. */
function npxJest(
  root: string,
  files: readonly string[]
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
      CI: '1',
      FORCE_COLOR: '0',
      NO_COLOR: '1'
    }
    delete env.NODE_OPTIONS
    for (const name of Object.keys(env)) if (name.startsWith('JEST_')) delete env[name]
    const child = spawn('npx', ['--no-install', 'jest', '--ci', ...files], {
      cwd: root,
      env,
      timeout: 180_000
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

interface Shape {
  readonly name: string
  /** The module the pull request changes (added in full on the PR branch). */
  readonly changed: string
  readonly importLine: RegExp
}

const SHAPE_CASES: readonly Shape[] = [
  {
    name: 'ts-jest-cjs',
    changed: 'src/money.ts',
    importLine: /^import \{ [^}]+ \} from '\.\.\/src\/money'$/m
  },
  {
    name: 'js-cjs',
    changed: 'src/temperature.js',
    importLine: /^const convert = require\('\.\.\/src\/temperature'\)$/m
  }
]

describe.each(SHAPE_CASES)('run() with no key on the $name shape', (shape) => {
  let project: RunProject
  let report: Report

  beforeAll(async () => {
    const files = await shapeFiles(shape.name)
    const { [shape.changed]: changedSource, ...base } = files
    project = await createRunProject({
      framework: 'jest',
      setup: {},
      base,
      head: { [shape.changed]: changedSource ?? '' }
    })
    report = await project.run({ llm: { provider: 'explorer' }, stabilityRuns: 2 })
  }, 300_000)

  afterAll(async () => {
    await project?.remove()
  })

  it('accepts explorer tests for the changed module, with the import the repo’s setup needs', () => {
    expect(ReportSchema.safeParse(report).success).toBe(true)
    expect(report.errors).toEqual([])
    const [module] = report.modules
    expect(module?.path).toBe(shape.changed)
    expect(module?.candidates.some((c) => c.verdict.status === 'accepted')).toBe(true)
    expect(report.tests).toHaveLength(1)
    expect(report.tests[0]?.code).toMatch(shape.importLine)
  })

  it('the delivered file passes the repo’s own npx jest, plain', async () => {
    const delivered = report.tests.map((t) => t.path)
    expect((await project.status()).sort()).toEqual(delivered.map((p) => `?? ${p}`).sort())
    const run = await npxJest(project.root, delivered)
    expect(run.output).toMatch(/Tests:\s+\d+ passed, \d+ total/)
    expect(run.code).toBe(0)
  }, 200_000)
})
