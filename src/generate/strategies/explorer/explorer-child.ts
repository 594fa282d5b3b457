import { appendFileSync, readFileSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { callableSymbols, ExplorationEngine } from './exploration-engine.js'
import {
  registerExplorerHooks,
  snapshotCounters,
  unitsCoveredBetween
} from './module-loader-hooks.js'
import { runProgram, type ModuleNamespace } from './program-runner.js'
import type { ChildMessage, ChildRequest } from './protocol.js'

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
  const write = (message: ChildMessage) =>
    appendFileSync(request.outputFile, JSON.stringify(message) + '\n')
  const clock = performance.now.bind(performance)
  const started = clock()
  quietProcess()

  const instrumented = registerExplorerHooks(request.module.file)
  let namespace: ModuleNamespace
  try {
    namespace = (await import(pathToFileURL(request.module.file).href)) as ModuleNamespace
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

  if (request.mode === 'replay') {
    for (const [index, program] of request.programs.entries()) {
      const before = snapshotCounters(instrumented.counters())
      const run = await runProgram(program, namespace, request.callTimeoutMs)
      const units = unitsCoveredBetween(before, snapshotCounters(instrumented.counters()))
      write({ type: 'program', index, program, result: { ...run.result, units } })
    }
    write({ type: 'done' })
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
    const before = snapshotCounters(instrumented.counters())
    const run = await runProgram(program, namespace, request.callTimeoutMs)
    const units = unitsCoveredBetween(before, snapshotCounters(instrumented.counters()))
    engine.record(program, run.result, run.values, engine.categoriesOf(program))
    write({ type: 'program', index, program, result: { ...run.result, units } })
    index += 1
  }
  write({ type: 'done' })
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
  // Late failures of fire-and-forget work belong to no program.
  process.on('uncaughtException', noop)
  process.on('unhandledRejection', noop)
}

const requestPath = process.argv[2]
if (
  requestPath !== undefined &&
  process.argv[1] !== undefined &&
  // Node runs the main script by its real path: the child's cache may sit behind a symlinked
  // node_modules.
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href
) {
  await runExplorerChild(requestPath)
  // Timers left by the code under test must not keep the child alive.
  exitProcess(0)
}
