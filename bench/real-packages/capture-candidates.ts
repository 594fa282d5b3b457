/**
 * Keeps a copy of every test file written during a run, so a candidate the product rejected (and
 * removed) can be run afterwards by the repository's own runner: its error line there is the
 * cause a rejection reason such as "● Test suite failed to run" hides.
 */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs'
import { join, relative } from 'node:path'

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/

export interface CandidateCapture {
  /** Stops watching; returns the last content seen of each test file, by repository path. */
  stop(): Map<string, string>
}

/** Watches the folders where test files are written for a module (not node_modules or .git). */
export function captureCandidates(root: string, folders: readonly string[]): CandidateCapture {
  const seen = new Map<string, string>()
  const watchers: FSWatcher[] = []
  for (const folder of new Set(folders)) {
    const dir = join(root, folder)
    if (!existsSync(dir)) continue
    watchers.push(
      watch(dir, (_event, name) => {
        if (!name || !TEST_FILE.test(name)) return
        try {
          const text = readFileSync(join(dir, name), 'utf8')
          if (text !== '') seen.set(relative(root, join(dir, name)), text)
        } catch {
          // removed before we read it: an earlier event kept its content
        }
      })
    )
  }
  return {
    stop() {
      for (const watcher of watchers) watcher.close()
      return seen
    }
  }
}
