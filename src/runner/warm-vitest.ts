/**
 * A warm vitest, run as our child in the target package root (its own process group, scrubbed
 * environment: see warm-process.ts). It loads the repository's own vitest through its Node API
 * and its own config, then runs test files on request over the IPC channel, so candidates after
 * the first pay no cold start. Results are written by vitest's json reporter and coverage by the
 * configured provider as istanbul `coverage-final.json`; the parent reads both.
 *
 * Started from source with tsx (`src/runner/warm-vitest.ts`) and from the bundle as
 * `dist/warm-vitest.js`. Of ours it imports only warm-child.ts.
 */
import { rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, markEndOfOutput, send } from './warm-child.js'
import type { RunMessage, VitestRunPayload, VitestWorkerConfig } from './warm-protocol.js'

/** The slice of vitest's Node API we use (typed here: vitest is the target's, not a dependency of ours). */
interface TestProjectLike {
  matchesTestGlob(moduleId: string): boolean
  createSpecification(moduleId: string): unknown
}
interface VitestLike {
  /** vitest 4.1 and later. */
  standalone?(): Promise<void>
  /** vitest 4.0 (the same start, before `standalone` took its name). */
  init?(): Promise<void>
  readonly projects: readonly TestProjectLike[]
  getRootProject(): TestProjectLike
  invalidateFile(path: string): void
  runTestSpecifications(
    specs: unknown[],
    allTestsRun?: boolean
  ): Promise<{ unhandledErrors: unknown[] }>
}
interface VitestNodeModule {
  createVitest(
    mode: 'test',
    options: Record<string, unknown>,
    viteOverrides?: Record<string, unknown>,
    vitestOptions?: Record<string, unknown>
  ): Promise<VitestLike>
}

/**
 * Flags that only served to load this script from source (the tsx loader) are not passed on to
 * vitest's own test processes, which inherit `process.execArgv`.
 */
function dropOwnLoaderFlags(): void {
  const kept: string[] = []
  for (let i = 0; i < process.execArgv.length; i++) {
    const flag = process.execArgv[i] ?? ''
    const next = process.execArgv[i + 1] ?? ''
    if (flag === '--import' && /[\\/]tsx[\\/]/.test(next)) {
      i++
      continue
    }
    kept.push(flag)
  }
  process.execArgv.splice(0, process.execArgv.length, ...kept)
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as VitestWorkerConfig
  // When our parent goes (even killed), so do we, with the temp dir it made for us: nobody is
  // left to read our results.
  process.on('disconnect', () => {
    const dir = dirname(config.reportFile)
    if (basename(dir).startsWith('testmaster-vitest-'))
      rmSync(dir, { recursive: true, force: true })
    process.exit()
  })
  dropOwnLoaderFlags()
  const root = process.cwd()
  const require = createRequire(join(root, 'package.json'))
  const vitestNode = (await import(
    pathToFileURL(require.resolve('vitest/node')).href
  )) as VitestNodeModule

  // Tests' console output goes to our stdout/stderr, which the parent captures (capped).
  const consoleReporter = {
    onUserConsoleLog(log: { content: string; type: string }) {
      ;(log.type === 'stderr' ? process.stderr : process.stdout).write(log.content)
    }
  }
  const coverage = config.coverageInclude
    ? {
        enabled: true,
        include: config.coverageInclude,
        reporter: ['json'],
        reportsDirectory: config.coverageDirectory,
        // Failing candidates still tell the healer what they reached.
        reportOnFailure: true,
        // The repository's thresholds are about its whole suite, not our candidates.
        thresholds: {}
      }
    : { enabled: false }
  const vitest = await vitestNode.createVitest(
    'test',
    {
      watch: false,
      reporters: ['json', consoleReporter],
      outputFile: { json: config.reportFile },
      coverage,
      passWithNoTests: true
    },
    {},
    { stdout: process.stdout, stderr: process.stderr }
  )
  await startWithoutRunning(vitest, require)

  process.on('message', (message: RunMessage<VitestRunPayload>) => {
    if (message.type === 'run') void runFiles(vitest, config, message)
  })
  send({ type: 'ready' })
}

/**
 * Initialises reporters and the coverage provider without running tests: `standalone()` from
 * vitest 4.1, `init()` in 4.0. A vitest with neither is one our adapter cannot drive, and the
 * message says so, naming the version (not the repository's own vitest run, which may work).
 */
async function startWithoutRunning(vitest: VitestLike, require: NodeJS.Require): Promise<void> {
  if (typeof vitest.standalone === 'function') return vitest.standalone()
  if (typeof vitest.init === 'function') return vitest.init()
  let version = 'of unknown version'
  try {
    version = (require('vitest/package.json') as { version: string }).version
  } catch {
    // The version only improves the message.
  }
  throw new Error(
    `TestMaster's vitest adapter cannot drive vitest ${version} (its Node API has neither standalone() nor init()); supported: vitest 4.0 to 5.x`
  )
}

async function runFiles(
  vitest: VitestLike,
  config: VitestWorkerConfig,
  message: RunMessage<VitestRunPayload>
): Promise<void> {
  try {
    await rm(config.reportFile, { force: true })
    // Candidates are rewritten in place while healing: never reuse a stale transform.
    for (const file of message.payload.files) vitest.invalidateFile(file)
    // Specifications made directly, so files written after start are found too.
    const specifications = message.payload.files.map((file) => {
      const project = vitest.projects.find((candidate) => candidate.matchesTestGlob(file))
      return (project ?? vitest.getRootProject()).createSpecification(file)
    })
    // `allTestsRun`: only then does vitest report included files no test loaded (all at zero).
    const result = await vitest.runTestSpecifications(specifications, true)
    await markEndOfOutput()
    send({ type: 'done', id: message.id, errors: result.unhandledErrors.map(describe) })
  } catch (error) {
    await markEndOfOutput()
    send({ type: 'failed', id: message.id, message: describe(error) })
  }
}

main().catch((error: unknown) => {
  send({ type: 'fatal', message: describe(error) })
  process.exitCode = 1
  process.disconnect?.()
})
