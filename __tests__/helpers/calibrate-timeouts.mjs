// jest globalSetup: measures how long one real jest run of a small fixture takes on this machine
// now, and exports the ratio to an unloaded runner as TESTMASTER_TEST_TIME_SCALE. Test timeouts
// are that many times their nominal value (see time-budget.ts and scaled-timeout.mjs), so a busy
// 2-core runner gets longer limits instead of failing tests that would pass at normal load.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * One jest run of the jest-babel-cjs fixture's passing test on an unloaded 2-core machine (the
 * same run took 2.9 to 3.3 s at a load average of 17 to 20 on 2 cores).
 */
export const REFERENCE_RUN_MS = 1500
/** Limits never shrink below nominal, and a wild measurement cannot make them endless. */
const MIN_SCALE = 1
const MAX_SCALE = 10

export default async function calibrateTimeouts() {
  if (process.env.TESTMASTER_TEST_TIME_SCALE) return
  const dir = await mkdtemp(join(tmpdir(), 'tm-calibrate-'))
  try {
    await cp(join(REPO_ROOT, '__tests__/fixtures/projects/jest-babel-cjs'), dir, {
      recursive: true
    })
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
    const jest = join(REPO_ROOT, 'node_modules/jest/bin/jest.js')
    const args = [
      jest,
      '--ci',
      '--silent',
      '--cacheDirectory',
      join(dir, '.jest-cache'),
      'tests/pass.test.js'
    ]
    // The first run fills the transform cache, as the suite's own first runs do; the second is timed.
    await run(process.execPath, args, { cwd: dir, timeout: 600_000 })
    const started = performance.now()
    await run(process.execPath, args, { cwd: dir, timeout: 600_000 })
    const measured = performance.now() - started
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, measured / REFERENCE_RUN_MS))
    process.env.TESTMASTER_TEST_TIME_SCALE = scale.toFixed(2)
    process.stderr.write(
      `\ntest time scale ${scale.toFixed(2)}: one fixture jest run took ${Math.round(measured)} ms (${REFERENCE_RUN_MS} ms unloaded)\n`
    )
  } catch (error) {
    // A failed calibration must not stop the suite: nominal limits, and say so.
    process.env.TESTMASTER_TEST_TIME_SCALE = String(MIN_SCALE)
    process.stderr.write(`\ntest time calibration failed (${String(error)}); nominal timeouts\n`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
