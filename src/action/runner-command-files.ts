import * as core from '@actions/core'
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { messageOf } from '../errors.js'

/**
 * Files that PR code must not leave changed behind it (SECURITY 19). `$GITHUB_ENV` and friends are
 * scrubbed from the test sandbox, but the files sit at a guessable path under `$RUNNER_TEMP`, so PR
 * code could still append `NODE_OPTIONS=...` for the later steps of the job; and the workspace's
 * `.git/config` decides what our own git commands run (`core.fsmonitor`, filters). Their content is
 * taken before any untrusted code runs and put back afterwards, before our git and our outputs.
 */

const COMMAND_FILES = [
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY'
] as const

interface Snapshot {
  readonly name: string
  readonly path: string
  readonly content: Buffer | undefined
}

export interface FilesGuard {
  /**
   * Puts every file back as it was. Never throws: what could not be put back is returned in
   * `failed` (the caller fails the job once the run's work is saved).
   */
  restore(): Promise<{ changed: string[]; failed: string[] }>
}

/** Guards the runner's file commands and the workspace's git config. */
export async function guardRunnerFiles(
  env: NodeJS.ProcessEnv,
  workspace: string
): Promise<FilesGuard> {
  const targets: { name: string; path: string }[] = []
  for (const variable of COMMAND_FILES) {
    const path = env[variable]
    if (path) targets.push({ name: `$${variable}`, path })
  }
  targets.push({ name: '.git/config', path: join(workspace, '.git', 'config') })
  // Hooks run on our own checkout, commit and push: every file there is guarded, new ones removed.
  const hooksDir = join(workspace, '.git', 'hooks')
  const hookNames = new Set(await readdir(hooksDir).catch(() => [] as string[]))
  for (const name of hookNames)
    targets.push({ name: `.git/hooks/${name}`, path: join(hooksDir, name) })
  const snapshots: Snapshot[] = []
  for (const target of targets) {
    try {
      snapshots.push({ ...target, content: await readRegularFile(target.path) })
    } catch {
      // Not a plain file before any PR code ran (a worktree's `.git` file): nothing to guard.
    }
  }
  return {
    async restore() {
      const changed: string[] = []
      const failed: string[] = []
      // A hooks directory swapped for a link (or a file) is removed as such, never followed.
      const hooksNow = await lstat(hooksDir).catch(() => undefined)
      if (hooksNow ? !hooksNow.isDirectory() : hookNames.size > 0) {
        changed.push('.git/hooks')
        await rm(hooksDir, { force: true })
          .then(() => mkdir(hooksDir))
          .catch((error: unknown) => failed.push(`.git/hooks (${messageOf(error)})`))
      }
      for (const name of await readdir(hooksDir).catch(() => [] as string[])) {
        if (hookNames.has(name)) continue
        changed.push(`.git/hooks/${name}`)
        await rm(join(hooksDir, name), { recursive: true, force: true }).catch((error: unknown) =>
          failed.push(`.git/hooks/${name} (${messageOf(error)})`)
        )
      }
      for (const { name, path, content } of snapshots) {
        try {
          const now = await readRegularFile(path).catch(() => null)
          if (now !== null && sameContent(now, content)) continue
          changed.push(name)
          // Whatever stands there now (a file, a directory, a symlink) goes; ours comes back.
          await rm(path, { recursive: true, force: true })
          if (content !== undefined) await writeFile(path, content, { flag: 'wx' })
        } catch (error) {
          failed.push(`${name} (${messageOf(error)})`)
        }
      }
      if (changed.length > 0)
        core.warning(
          `Code run during the tests changed ${changed.join(', ')}; the change was undone so later steps and our own git commands do not see it.`
        )
      if (failed.length > 0)
        core.error(`Could not put back what the tests changed: ${failed.join('; ')}`)
      return { changed, failed }
    }
  }
}

/**
 * The content of a regular file, undefined when nothing is there; throws for anything else
 * (a directory, a symlink, an unreadable file), which `restore` treats as changed.
 */
async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let stats
  try {
    stats = await lstat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (!stats.isFile()) throw new Error(`${path} is not a regular file`)
  return readFile(path)
}

function sameContent(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.equals(b)
}
