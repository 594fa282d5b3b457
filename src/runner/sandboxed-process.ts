import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { messageOf, RunnerError } from '../errors.js'
import { isolatedCommand, type SandboxView } from './isolation.js'
import { scrubEnvironment } from './scrub-environment.js'

export { scrubEnvironment, isSecretName } from './scrub-environment.js'

/**
 * Child processes for untrusted code (the target repository's tests, generated tests, explored
 * modules): isolated where the host allows it (a bubblewrap sandbox: see isolation.ts), in their
 * own process group, with a scrubbed environment, a wall-time limit and an output cap.
 * When the limit or the cap is hit, or the caller aborts, and again when the run ends, the whole
 * group is killed, so a test that forks or spawns leaves nothing behind. A process that left the
 * group (`detached: true`, setsid) is found by the sandbox's marker variable, which every
 * descendant inherits, and killed too. A timeout is a result, not an exception.
 */

export interface SandboxedOptions {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  /** Extra variables on top of `process.env`; the merged environment is still scrubbed. */
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs: number
  /** Cap on stdout + stderr together; beyond it the group is killed and `truncated` is set. */
  readonly maxOutputBytes?: number
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  readonly input?: string
  readonly signal?: AbortSignal
  /**
   * Host paths the child may read (each widened to its repository, `.git` hidden); default the cwd.
   * The system, Node and our own package are always readable.
   */
  readonly readable?: readonly string[]
  /** Host paths the child may write; writes anywhere else fail or land in a private tmpfs. */
  readonly writable?: readonly string[]
  /** Tool scratch directories in the readable trees: writable in the sandbox, discarded after. */
  readonly scratch?: readonly string[]
}

interface SandboxedResultBase {
  readonly stdout: string
  readonly stderr: string
  /** True when the output cap was reached (the group was then killed). */
  readonly truncated: boolean
  readonly durationMs: number
  /** Pid of the child, which is also its process group id. */
  readonly pid: number
}

export type SandboxedResult =
  | (SandboxedResultBase & {
      readonly status: 'exited'
      readonly exitCode: number | null
      readonly signal: string | null
    })
  | (SandboxedResultBase & { readonly status: 'timeout'; readonly timeoutMs: number })
  | (SandboxedResultBase & { readonly status: 'aborted' })

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024

/** After the leader exits, how long to wait for pipes held by stragglers before giving up on them. */
const CLOSE_GRACE_MS = 2000

/**
 * The variable that marks every process of one sandbox: a random id per sandbox (not a secret),
 * inherited by descendants whatever group or session they move to. Only a process that replaces
 * its own environment (`env -i`, `spawn(..., { env: {} })`) sheds it.
 */
export const SANDBOX_MARKER_VARIABLE = 'TESTMASTER_SANDBOX'

/** Scans of /proc per sweep; each catches what forked while the previous one was killing. */
const MARKER_SWEEP_PASSES = 5

/**
 * Sandboxes still alive, process group id → marker, killed if our own process exits first (no
 * orphans even on a crash of ours).
 */
const liveSandboxes = new Map<number, string>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const pgid of liveSandboxes.keys()) killSandbox(pgid)
  })
}

/**
 * What to spawn for a sandboxed child: the command inside the isolation in force, and its
 * environment (ours and the caller's, scrubbed, plus a fresh marker).
 */
function sandboxLaunch(
  options: Pick<
    SandboxedOptions,
    'command' | 'args' | 'cwd' | 'env' | 'readable' | 'writable' | 'scratch'
  >
): {
  readonly command: string
  readonly args: string[]
  readonly env: NodeJS.ProcessEnv
  readonly marker: string
} {
  const marker = randomUUID()
  const env = {
    ...scrubEnvironment({ ...process.env, ...options.env }),
    [SANDBOX_MARKER_VARIABLE]: marker
  }
  const view: SandboxView = {
    readable: options.readable ?? [options.cwd],
    writable: options.writable ?? [],
    scratch: options.scratch ?? []
  }
  return {
    ...isolatedCommand({
      command: options.command,
      args: options.args,
      cwd: options.cwd,
      env,
      view
    }),
    marker
  }
}

/** Kills a process group with SIGKILL; a group already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/**
 * Pids of the running processes whose environment carries `marker` as the sandbox marker, read
 * from /proc/<pid>/environ (Linux). Zombies have no environment left and are not listed. Where
 * there is no /proc the answer is empty: the group kill is all there is.
 */
export function markedProcesses(marker: string): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const needle = Buffer.from(`${SANDBOX_MARKER_VARIABLE}=${marker}\0`)
  const found: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    let environ: Buffer
    try {
      // Readable only for our own user's processes, which are all a sandbox can start.
      environ = readFileSync(`/proc/${entry}/environ`)
    } catch {
      continue
    }
    const at = environ.indexOf(needle)
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(pid)
  }
  return found
}

/**
 * SIGKILLs every process carrying the sandbox marker, scanning again until a scan finds nothing
 * new (at most {@link MARKER_SWEEP_PASSES} scans), so children forked during the kill go too.
 * Returns the pids it killed.
 */
export function killMarked(marker: string): number[] {
  const killed = new Set<number>()
  for (let pass = 0; pass < MARKER_SWEEP_PASSES; pass++) {
    // A process killed in an earlier pass may still be dying: only new ones call for another scan.
    const fresh = markedProcesses(marker).filter((pid) => !killed.has(pid))
    if (fresh.length === 0) break
    for (const pid of fresh) {
      killed.add(pid)
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone already (ESRCH), or no longer ours after a pid reuse (EPERM).
      }
    }
  }
  return [...killed]
}

/**
 * Kills a sandbox started by {@link spawnSandboxed} or {@link runSandboxed}: its process group,
 * then every process that carries its marker, wherever it moved. For a pid that is no live
 * sandbox, only the group. Safe to call twice.
 */
export function killSandbox(pgid: number): void {
  killGroup(pgid)
  const marker = liveSandboxes.get(pgid)
  if (marker !== undefined) killMarked(marker)
}

/**
 * Pids of the group's processes that still run. Zombies do not count: once killed they only wait
 * for init to reap them, which in containers can take a second. Reads /proc where there is one.
 */
export function groupMembers(pgid: number): number[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    try {
      process.kill(-pgid, 0)
      return [pgid]
    } catch {
      return []
    }
  }
  const members: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid)
      members.push(Number(entry))
  }
  return members
}

/** True while any process of the group runs (zombies excluded). */
export function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0
}

/**
 * Spawns a long-lived child in its own process group with a scrubbed environment, for warm
 * workers that serve several runs. The caller owns it: {@link killSandbox} its pid when done;
 * when the leader exits, its group and marked processes are killed anyway.
 * Spawn failures (command not found) surface as the child's `error` event.
 */
export function spawnSandboxed(
  options: Pick<
    SandboxedOptions,
    'command' | 'args' | 'cwd' | 'env' | 'readable' | 'writable' | 'scratch'
  > & {
    ipc?: boolean
  }
): ChildProcess {
  installExitHook()
  const { command, args, env, marker } = sandboxLaunch(options)
  const child = spawn(command, args, {
    cwd: options.cwd,
    env,
    detached: true,
    stdio: options.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
    windowsHide: true
  })
  const pid = child.pid
  if (pid !== undefined) {
    liveSandboxes.set(pid, marker)
    child.once('exit', () => {
      // Whatever the leader left running, in its group or not, goes with it.
      killSandbox(pid)
      liveSandboxes.delete(pid)
    })
  }
  return child
}

/**
 * Runs a command to completion in a sandbox and returns what happened. Rejects only when the
 * command cannot be started at all (a RunnerError); timeouts, aborts and crashes are results.
 */
export function runSandboxed(options: SandboxedOptions): Promise<SandboxedResult> {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  const started = performance.now()
  return new Promise<SandboxedResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({
        status: 'aborted',
        stdout: '',
        stderr: '',
        truncated: false,
        durationMs: 0,
        pid: 0
      })
      return
    }
    installExitHook()
    let child: ChildProcess
    let marker: string
    try {
      const launch = sandboxLaunch(options)
      marker = launch.marker
      child = spawn(launch.command, launch.args, {
        env: launch.env,
        cwd: options.cwd,
        detached: true,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true
      })
    } catch (error) {
      reject(error instanceof RunnerError ? error : spawnError(options, error))
      return
    }
    const pid = child.pid ?? 0
    if (pid) liveSandboxes.set(pid, marker)

    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let outputBytes = 0
    let truncated = false
    let ending: 'timeout' | 'aborted' | undefined
    let exitCode: number | null = null
    let exitSignal: string | null = null
    let settled = false
    let graceTimer: NodeJS.Timeout | undefined

    const stop = (): void => {
      if (pid) killGroup(pid)
    }
    // The group, then whatever left it: at the end of every run, background processes included.
    const sweep = (): void => {
      stop()
      killMarked(marker)
    }
    const collect = (chunks: Buffer[]) => (chunk: Buffer) => {
      if (truncated) return
      const room = maxOutputBytes - outputBytes
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, Math.max(0, room)))
        outputBytes = maxOutputBytes
        truncated = true
        stop()
        return
      }
      chunks.push(chunk)
      outputBytes += chunk.length
    }
    child.stdout?.on('data', collect(stdout))
    child.stderr?.on('data', collect(stderr))

    const timer = setTimeout(() => {
      ending ??= 'timeout'
      stop()
    }, options.timeoutMs)
    const onAbort = (): void => {
      ending ??= 'aborted'
      stop()
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })

    const finish = (): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (graceTimer) clearTimeout(graceTimer)
      options.signal?.removeEventListener('abort', onAbort)
      sweep()
      if (pid) liveSandboxes.delete(pid)
      const base = {
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        truncated,
        durationMs: Math.round(performance.now() - started),
        pid
      }
      if (ending === 'timeout')
        resolve({ ...base, status: 'timeout', timeoutMs: options.timeoutMs })
      else if (ending === 'aborted') resolve({ ...base, status: 'aborted' })
      else resolve({ ...base, status: 'exited', exitCode, signal: exitSignal })
    }

    child.once('error', (error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      if (pid) liveSandboxes.delete(pid)
      reject(spawnError(options, error))
    })
    child.once('exit', (code, signal) => {
      exitCode = code
      exitSignal = signal
      // Kill stragglers now: they may hold our pipes open, and must not outlive the run.
      sweep()
      graceTimer = setTimeout(finish, CLOSE_GRACE_MS)
    })
    child.once('close', finish)

    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {
        // The child may exit without reading its input (EPIPE); its exit tells the story.
      })
      child.stdin.end(options.input)
    }
  })
}

function spawnError(options: SandboxedOptions, error: unknown): RunnerError {
  const message = messageOf(error)
  return new RunnerError(
    'RUNNER_SPAWN_FAILED',
    `could not start '${options.command}' in '${options.cwd}': ${message}`,
    'check that the command is installed and the directory exists',
    { cause: error }
  )
}

/**
 * Arguments that run one of our own child scripts with the current Node: from source (a `.ts` path,
 * under jest or tsx) through the tsx loader, from the bundle (`dist/<name>.js`) directly.
 */
export function nodeScriptArgs(scriptPath: string, args: readonly string[] = []): string[] {
  if (!scriptPath.endsWith('.ts')) return [scriptPath, ...args]
  // Resolved from here, not from the child's cwd (the target repository has no tsx).
  const tsxLoader = createRequire(import.meta.url).resolve('tsx')
  return ['--import', pathToFileURL(tsxLoader).href, scriptPath, ...args]
}
