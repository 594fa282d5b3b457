import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSandboxed, type SandboxedResult } from '../../../runner/sandboxed-process.js'
import type { ChildMessage, ChildRequest } from './protocol.js'

/**
 * Starting the explorer child in the runner's sandbox (own process group, scrubbed environment,
 * time limit, temp working directory). From the bundle the child is `dist/explorer-child.js` next
 * to the entry; from source (tests, benchmarks) it is bundled on the fly (see explorerChildCommand).
 */

export interface ChildCommand {
  readonly command: string
  readonly args: readonly string[]
}

/**
 * How to start the child from wherever this module runs. From the bundle: `dist/explorer-child.js`
 * beside the entry. From source (tests, benchmarks): the child's sources bundled once with esbuild
 * into `node_modules/.cache` (packages left external, so they resolve from the repository). The
 * child cannot run under tsx: tsx's own CommonJS hooks bypass the module hooks that instrument the
 * module under test, and loading TypeScript through it triples the start-up time.
 */
export async function explorerChildCommand(): Promise<ChildCommand> {
  const bundled = fileURLToPath(new URL('./explorer-child.js', import.meta.url))
  if (existsSync(bundled)) return { command: process.execPath, args: [bundled] }
  return { command: process.execPath, args: [await buildChildFromSource()] }
}

let building: Promise<string> | undefined

async function buildChildFromSource(): Promise<string> {
  building ??= (async () => {
    const entry = fileURLToPath(new URL('./explorer-child.ts', import.meta.url))
    const hash = createHash('sha256')
    // The child also imports the analysis model types only; its runtime code is all in this folder.
    const folder = dirname(entry)
    for (const name of readdirSync(folder).sort()) {
      if (name.endsWith('.ts')) hash.update(name).update(readFileSync(join(folder, name)))
    }
    const repoRoot = resolve(folder, '..', '..', '..', '..')
    // The real path: the child runs only as the main module, which Node names by its real path.
    const cacheDir = join(
      realpathSync(join(repoRoot, 'node_modules')),
      '.cache',
      'testmaster-explorer'
    )
    const outfile = join(cacheDir, `explorer-child-${hash.digest('hex').slice(0, 16)}.mjs`)
    if (existsSync(outfile)) return outfile
    await mkdir(cacheDir, { recursive: true })
    // A variable specifier keeps bundlers of our own dist from pulling esbuild in.
    const esbuildName = 'esbuild'
    const esbuild = (await import(esbuildName)) as typeof import('esbuild')
    const temporary = `${outfile}.${process.pid}.${Date.now()}.tmp.mjs`
    try {
      await esbuild.build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        packages: 'external',
        outfile: temporary,
        logLevel: 'silent'
      })
    } finally {
      // esbuild's service child would otherwise keep a test runner's process alive after its run.
      await esbuild.stop()
    }
    // Atomic: parallel test workers may build at the same time.
    await rename(temporary, outfile)
    return outfile
  })()
  try {
    return await building
  } catch (error) {
    building = undefined
    throw error
  }
}

/** A request before the launcher picks its output file. */
export type ChildRequestInput = ChildRequest extends infer R
  ? R extends ChildRequest
    ? Omit<R, 'outputFile'>
    : never
  : never

export interface ChildRun {
  readonly messages: readonly ChildMessage[]
  readonly sandbox: SandboxedResult
}

/**
 * Runs one request and returns every message the child wrote, including those written before a
 * timeout or a crash.
 */
export async function runExplorerChild(
  request: ChildRequestInput,
  options: {
    readonly timeoutMs: number
    readonly signal?: AbortSignal
    readonly env?: NodeJS.ProcessEnv
    /** The module's repository, shown read-only to the child; default: the module's own tree. */
    readonly repoRoot?: string
  }
): Promise<ChildRun> {
  const dir = await mkdtemp(join(tmpdir(), 'testmaster-explorer-'))
  try {
    const outputFile = join(dir, 'observations.jsonl')
    const requestFile = join(dir, 'request.json')
    await writeFile(requestFile, JSON.stringify({ ...request, outputFile }))
    await writeFile(outputFile, '')
    const { command, args } = await explorerChildCommand()
    const sandbox = await runSandboxed({
      command,
      args: [...args, requestFile],
      cwd: dir,
      env: { NODE_ENV: 'test', ...options.env },
      timeoutMs: options.timeoutMs,
      maxOutputBytes: 256 * 1024,
      signal: options.signal,
      // The module's repository, read-only (sampling the source needs none of it); only the
      // request's own directory is writable.
      readable: [
        request.mode === 'seeds' ? dir : (options.repoRoot ?? dirname(request.module.file))
      ],
      writable: [dir]
    })
    const text = await readFile(outputFile, 'utf8')
    const messages: ChildMessage[] = []
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      try {
        messages.push(JSON.parse(line) as ChildMessage)
      } catch {
        // a line cut short by a kill
      }
    }
    return { messages, sandbox }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
