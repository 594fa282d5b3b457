import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import { EventBus } from '../../src/events/event-bus.js'
import { createExplorerStrategy } from '../../src/generate/strategies/explorer/explorer-strategy.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/**
 * A `.cjs` module in a `"type": "module"` package tested with vitest: vitest ships ESM only, so
 * a `.cjs` test cannot `require` it. The explorer's test is an ESM `.js` file, as the package's
 * own tests are, and the package's own `npm test` (vitest) passes it.
 */
const SHAPE = join(REPO_ROOT, '__tests__', 'fixtures', 'module-shapes', 'vitest-esm')
const TIMEOUT = 240_000
let root: string | undefined
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true })
})

/** The package's own command, as its user types it: no NODE_OPTIONS, our Node first on PATH. */
function userRuns(
  cwd: string,
  args: readonly string[]
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
    for (const name of Object.keys(env))
      if (name.startsWith('JEST_') || name.startsWith('VITEST')) delete env[name]
    const child = spawn('npm', ['test', '--', ...args], { cwd, env, timeout: 180_000 })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

describe('a .cjs module under vitest', () => {
  it(
    'gets an ESM .js test importing vitest and the module by name, which the package’s vitest passes',
    async () => {
      root = await realpath(await mkdtemp(join(tmpdir(), 'tm-shape-vitest-cjs-')))
      await cp(SHAPE, root, { recursive: true })
      await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
      const [module] = await analyzeModules(root, [
        {
          path: 'src/padding.cjs',
          status: 'modified',
          binary: false,
          lines: [{ start: 1, end: 20 }]
        }
      ])
      if (!module) throw new Error('no analysis of src/padding.cjs')
      expect(module.placement.testPath).toBe('tests/padding.testmaster.test.js')
      const outcome = await createExplorerStrategy({ budgetMs: 6000 }).propose(
        {
          module,
          repoRoot: root,
          source: await readFile(join(root, 'src', 'padding.cjs'), 'utf8'),
          uncoveredLines: [],
          signal: new AbortController().signal,
          events: new EventBus()
        },
        1
      )
      if (outcome.status !== 'proposed') throw new Error(JSON.stringify(outcome))
      const code = outcome.tests[0]?.code ?? ''
      expect(code).toMatch(/^import \{ [^}]*\bdescribe\b[^}]* \} from 'vitest'$/m)
      expect(code).toMatch(/^import padding from '\.\.\/src\/padding\.cjs'$/m)
      expect(code).not.toContain('require(')
      await mkdir(join(root, 'tests'), { recursive: true })
      await writeFile(join(root, module.placement.testPath), code)
      const run = await userRuns(root, [module.placement.testPath])
      expect(run.output).toMatch(/Tests\s+\d+ passed/)
      expect(run.code).toBe(0)
    },
    TIMEOUT
  )
})
