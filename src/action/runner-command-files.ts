import * as core from '@actions/core'
import { readFile, rm, writeFile } from 'node:fs/promises'

/**
 * The runner's file commands (SECURITY 19). `$GITHUB_ENV` and friends are scrubbed from the test
 * sandbox, but the files sit at a guessable path under `$RUNNER_TEMP`, so PR code could still
 * append `NODE_OPTIONS=...` for the later steps of the job. Their content is taken before any
 * untrusted code runs and put back afterwards; our own outputs and summary are written later.
 */

const COMMAND_FILES = [
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY'
] as const

interface Snapshot {
  readonly variable: string
  readonly path: string
  readonly content: Buffer | undefined
}

export interface CommandFilesGuard {
  /** Puts every file back as it was; returns the variables whose file had been changed. */
  restore(): Promise<string[]>
}

export async function guardRunnerCommandFiles(env: NodeJS.ProcessEnv): Promise<CommandFilesGuard> {
  const snapshots: Snapshot[] = []
  for (const variable of COMMAND_FILES) {
    const path = env[variable]
    if (!path) continue
    snapshots.push({ variable, path, content: await readIfPresent(path) })
  }
  return {
    async restore() {
      const changed: string[] = []
      for (const { variable, path, content } of snapshots) {
        const now = await readIfPresent(path)
        if (sameContent(now, content)) continue
        changed.push(variable)
        if (content === undefined) await rm(path, { force: true })
        else await writeFile(path, content)
      }
      if (changed.length > 0)
        core.warning(
          `Code run during the tests changed ${changed.map((v) => `$${v}`).join(', ')}; the change was undone so later steps do not see it.`
        )
      return changed
    }
  }
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function sameContent(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.equals(b)
}
