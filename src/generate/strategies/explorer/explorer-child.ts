import { appendFileSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { esModuleView } from './esm-view.js'
import { callableSymbols, ExplorationEngine } from './exploration-engine.js'
import {
  registerExplorerHooks,
  snapshotCounters,
  unitsCoveredBetween
} from './module-loader-hooks.js'
import { runProgram, type ModuleNamespace } from './program-runner.js'
import type { ChildMessage, ChildRequest, Program } from './protocol.js'
import { asOwnWork, installSideEffectGuard } from './side-effect-guard.js'

/**
 * Entry of the explorer's child process (run in the sandbox, bundled as dist/explorer-child.js):
 * `node explorer-child.js <request.json>`. Loads the module under test with coverage, then explores
 * or replays programs, appending one JSON line per result to the request's output file so that
 * whatever finished before a crash or a kill is kept.
 */

const exitProcess = process.exit.bind(process)

/** Runs the request written at `requestPath`. */
export async function runExplorerChild(requestPath: string): Promise<void> {
  const request = JSON.parse(readFileSync(requestPath, 'utf8')) as ChildRequest
  // Our own output is not explored code: the guard lets it through.
  const write = (message: ChildMessage) =>
    asOwnWork(() => appendFileSync(request.outputFile, JSON.stringify(message) + '\n'))
  if (request.mode === 'seeds') {
    // Loaded here only: the other modes never need TypeScript's scanner.
    const { sourceSeeds } = await import('./source-literals.js')
    write({ type: 'seeds', ...sourceSeeds(request.source, request.language, request.exports) })
    return
  }
  const clock = performance.now.bind(performance)
  const started = clock()
  quietProcess()

  const instrumented = registerExplorerHooks(request.module.file)
  let namespace: ModuleNamespace
  try {
    const loaded = (await import(pathToFileURL(request.module.file).href)) as ModuleNamespace
    namespace = request.module.importedByName ? esModuleView(loaded) : loaded
  } catch (error) {
    write({
      type: 'load-error',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    })
    return
  }
  const loadUnits = [...snapshotCounters(instrumented.counters())]
    .filter(([, count]) => count > 0)
    .map(([unit]) => unit)
  const symbols = callableSymbols(request.module.exports, namespace)
  write({
    type: 'loaded',
    units: instrumented.units(),
    loadUnits,
    runtimeExports: Object.entries(namespace).map(([name, value]) => [
      name,
      typeof value === 'function'
        ? symbols.find((s) => s.name === name)?.kind === 'class'
          ? 'class'
          : 'function'
        : 'value'
    ])
  })

  // Loading may write (caches, logs); calls may not. The working directory is a scratch directory.
  const guard = installSideEffectGuard(process.cwd(), new Set(readdirSync(process.cwd())))
  const guardedRun = async (program: Program, index: number) => {
    const earlier = guard.begin()
    if (earlier.length > 0 && index > 0)
      write({ type: 'hazard', index: index - 1, hazards: earlier })
    const before = snapshotCounters(instrumented.counters())
    const run = await runProgram(program, namespace, request.callTimeoutMs)
    const units = unitsCoveredBetween(before, snapshotCounters(instrumented.counters()))
    const hazards = await guard.end()
    return { run, units, hazards }
  }
  const finish = (count: number) => {
    const late = guard.begin()
    if (late.length > 0 && count > 0) write({ type: 'hazard', index: count - 1, hazards: late })
    write({ type: 'done' })
  }

  if (request.mode === 'replay') {
    for (const [index, program] of request.programs.entries()) {
      const { run, units, hazards } = await guardedRun(program, index)
      write({ type: 'program', index, program, result: withHazards(run.result, units, hazards) })
    }
    finish(request.programs.length)
    return
  }

  const engine = new ExplorationEngine(symbols, {
    seed: request.seed,
    maxCallsPerSymbol: request.maxCallsPerSymbol,
    literals: request.module.literals,
    propertyHints: request.module.propertyHints,
    ...(request.module.propertyValues ? { propertyValues: request.module.propertyValues } : {}),
    exportedEnums: new Set(
      request.module.enumNames ??
        request.module.exports.filter((e) => e.kind === 'enum').map((e) => e.name)
    )
  })
  let index = 0
  while (clock() - started < request.budgetMs) {
    const program = engine.next()
    if (!program) break
    const { run, units, hazards } = await guardedRun(program, index)
    engine.record(program, run.result, run.values, engine.categoriesOf(program), hazards)
    write({ type: 'program', index, program, result: withHazards(run.result, units, hazards) })
    index += 1
  }
  finish(index)
}

function withHazards(
  result: Awaited<ReturnType<typeof runProgram>>['result'],
  units: readonly string[],
  hazards: readonly string[]
) {
  return { ...result, units, ...(hazards.length > 0 ? { hazards } : {}) }
}

/** The code under test must not end the child or flood its output. */
function quietProcess(): void {
  const noop = () => undefined
  for (const method of [
    'log',
    'info',
    'warn',
    'error',
    'debug',
    'trace',
    'dir',
    'table'
  ] as const) {
    console[method] = noop
  }
  process.exit = (code?: number) => {
    throw new Error(`process.exit(${code ?? ''}) called`)
  }
  // Until the guard attributes them to programs, late failures (of loading) end nothing.
  process.on('uncaughtException', noop)
  process.on('unhandledRejection', noop)
}

const requestPath = process.argv[2]
if (
  requestPath !== undefined &&
  process.argv[1] !== undefined &&
  // Node runs the entry from its real path: a symlinked folder on the way (a linked
  // node_modules, a linked checkout) must not make the child skip its own work.
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
) {
  await runExplorerChild(requestPath)
  // Timers left by the code under test must not keep the child alive.
  exitProcess(0)
}
