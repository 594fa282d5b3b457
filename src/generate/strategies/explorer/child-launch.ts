import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSandboxed, type SandboxedResult } from '../../../runner/sandboxed-process.js'
import type { ChildMessage, ChildRequest } from './protocol.js'

/**
 * Starting the explorer child in the runner's sandbox (own process group, scrubbed environment,
 * time limit, temp working directory). From the bundle the child is `dist/explorer-child.js` next
 * to the entry; from source (tests, benchmarks) it is the `.ts` file, run through tsx.
 */

export interface ChildCommand {
  readonly command: string
  readonly args: readonly string[]
}

/** How to start the child from wherever this module runs. */
export function explorerChildCommand(): ChildCommand {
  const bundled = fileURLToPath(new URL('./explorer-child.js', import.meta.url))
  if (existsSync(bundled)) return { command: process.execPath, args: [bundled] }
  const source = fileURLToPath(new URL('./explorer-child.ts', import.meta.url))
  return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), source] }
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
  }
): Promise<ChildRun> {
  const dir = await mkdtemp(join(tmpdir(), 'testmaster-explorer-'))
  try {
    const outputFile = join(dir, 'observations.jsonl')
    const requestFile = join(dir, 'request.json')
    await writeFile(requestFile, JSON.stringify({ ...request, outputFile }))
    await writeFile(outputFile, '')
    const { command, args } = explorerChildCommand()
    const sandbox = await runSandboxed({
      command,
      args: [...args, requestFile],
      cwd: dir,
      env: { NODE_ENV: 'test', ...options.env },
      timeoutMs: options.timeoutMs,
      maxOutputBytes: 256 * 1024,
      signal: options.signal
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
