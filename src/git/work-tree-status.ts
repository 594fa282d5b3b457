import { tryGit } from './git-command.js'

/** What the work tree holds beyond the commit it is at: the content the tests really run on. */
export interface WorkTreeStatus {
  /** Tracked files with uncommitted changes (staged or not), repo-relative. */
  readonly modified: readonly string[]
  /** Files git does not track (ignored ones left out), repo-relative. */
  readonly untracked: readonly string[]
}

/**
 * `git status --porcelain=v1 -z` of the repository at `root`. Tests read the modules from the
 * work tree, so uncommitted edits are what gets tested; the caller says so. An unreadable status
 * (git failing) is reported as a clean tree: this is a warning, never a reason to stop.
 */
export async function readWorkTreeStatus(root: string): Promise<WorkTreeStatus> {
  const result = await tryGit(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])
  if (result.exitCode !== 0) return { modified: [], untracked: [] }
  const modified: string[] = []
  const untracked: string[] = []
  const fields = result.stdout.split('\0')
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] ?? ''
    if (entry.length < 4) continue
    const code = entry.slice(0, 2)
    const path = entry.slice(3)
    if (code === '??') untracked.push(path)
    else if (code !== '!!') modified.push(path)
    // A rename or copy is followed by its source path, which is not a second entry.
    if (code.includes('R') || code.includes('C')) i++
  }
  return { modified, untracked }
}
