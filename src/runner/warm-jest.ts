/**
 * A warm jest, run as our child in the target package root (its own process group, scrubbed
 * environment: see warm-process.ts). It loads the repository's own jest (`runCLI` of its
 * `jest` package) and its own config, then runs test files on request over the IPC channel, in
 * band. jest still gives every test file its own module registry, so this is as isolated as a
 * fresh `jest` per file, without paying for jest's start and the transformer's warm-up each time.
 * Results are written with `json`/`outputFile`, coverage as istanbul `coverage-final.json`.
 *
 * Started from source with tsx (`src/runner/warm-jest.ts`) and from the bundle as
 * `dist/warm-jest.js`, with the Node flags of the repo's own test script (an ESM project's
 * `--experimental-vm-modules`) and no others. Of ours it imports only warm-child.ts.
 */
import { rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, markEndOfOutput, send } from './warm-child.js'
import type { JestRunPayload, RunMessage } from './warm-protocol.js'

type RunCli = (
  argv: Record<string, unknown>,
  projects: string[]
) => Promise<{ results: { runExecError?: { message: string } } }>

async function main(): Promise<void> {
  // When our parent goes (even killed), so do we: nobody is left to read our results.
  process.on('disconnect', () => process.exit())
  const root = process.cwd()
  const require = createRequire(join(root, 'package.json'))
  const jest = (await import(pathToFileURL(require.resolve('jest')).href)) as {
    runCLI?: RunCli
    default?: { runCLI?: RunCli }
  }
  const runCLI = jest.runCLI ?? jest.default?.runCLI
  if (!runCLI) throw new Error(`the jest package in ${root} has no runCLI`)

  // One run at a time: jest's in-band runner is not reentrant.
  let queue = Promise.resolve()
  process.on('message', (message: RunMessage<JestRunPayload>) => {
    if (message.type !== 'run') return
    queue = queue.then(() => runFiles(runCLI, root, message))
  })
  send({ type: 'ready' })
}

async function runFiles(
  runCLI: RunCli,
  root: string,
  message: RunMessage<JestRunPayload>
): Promise<void> {
  const { files, reportFile, coverageDirectory, collectCoverageFrom } = message.payload
  try {
    await rm(reportFile, { force: true })
    const coverage = collectCoverageFrom
      ? {
          coverage: true,
          collectCoverageFrom: [...collectCoverageFrom],
          coverageReporters: ['json'],
          coverageDirectory,
          // The repository's thresholds are about its whole suite, not our candidates.
          coverageThreshold: '{}'
        }
      : { coverage: false }
    const { results } = await runCLI(
      {
        _: [...files],
        $0: 'jest',
        runTestsByPath: true,
        runInBand: true,
        ci: true,
        watchman: false,
        json: true,
        outputFile: reportFile,
        ...coverage
      },
      [root]
    )
    const errors = results.runExecError ? [results.runExecError.message] : []
    await markEndOfOutput()
    send({ type: 'done', id: message.id, errors })
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
