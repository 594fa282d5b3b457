import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { REPO_ROOT } from '../helpers/fixture-project.js'

const run = promisify(execFile)

/*
 * A warm process whose start fails (its cwd does not exist) never sends 'exit'. Stopping it must
 * still settle on its own: awaited from a top-level await with nothing else keeping the event
 * loop alive, an unsettled promise makes Node quit with exit code 13 and no output (the CLI did
 * exactly that when run from a workspace package). Run in a fresh Node process, where jest's own
 * handles cannot keep the loop alive for us.
 */
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tm-warm-start-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

it('a warm process that never started stops, and a top-level await on it settles', async () => {
  const script = join(dir, 'stop-unstarted.mts')
  await writeFile(
    script,
    `import { WarmProcess } from ${JSON.stringify(join(REPO_ROOT, 'src/runner/warm-process.ts'))}
const warm = WarmProcess.start({
  script: ${JSON.stringify(join(dir, 'no-such-script.js'))},
  config: {},
  cwd: ${JSON.stringify(join(dir, 'missing', 'package'))},
  maxOutputBytes: 4096
})
const outcome = await warm.request({}, 60_000)
await warm.stop()
process.stdout.write('settled ' + outcome.end.kind + '\\n')
`
  )
  const result = await run(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    timeout: 120_000
  }).catch((error: { code?: number; stdout?: string; stderr?: string }) => error)
  expect(result).toMatchObject({ stdout: 'settled failed\n' })
})
