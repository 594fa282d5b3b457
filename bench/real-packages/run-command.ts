import { spawn } from 'node:child_process'

export interface CommandResult {
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  readonly stdout: string
  readonly stderr: string
  readonly seconds: number
}

const OUTPUT_CAP = 4_000_000

/**
 * Runs a command in its own process group and waits for it. On timeout the whole group is killed
 * (a jest or vitest child of the command would otherwise keep a core busy). Never throws for a
 * failing command: the exit code is part of the result.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }
): Promise<CommandResult> {
  const started = performance.now()
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_CAP) stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_CAP) stderr += chunk.toString('utf8')
    })
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal)
      } catch {
        // the group is already gone
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      killGroup('SIGTERM')
      setTimeout(() => killGroup('SIGKILL'), 5_000).unref()
    }, options.timeoutMs)
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer)
      // Leftover grandchildren (a watchman, a worker) must not outlive the measurement.
      killGroup('SIGKILL')
      resolve({
        exitCode,
        signal,
        timedOut,
        stdout,
        stderr,
        seconds: (performance.now() - started) / 1000
      })
    }
    child.on('error', (error) => {
      stderr += `\n${error.message}`
      finish(null, null)
    })
    child.on('close', finish)
  })
}

/** Strips terminal colour codes so error lines can be quoted. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}
