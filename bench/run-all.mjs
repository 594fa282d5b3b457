// Runs every benchmark in bench/ (or those named on the command line) one after another and
// prints their figures. Benchmarks print; they never assert on time.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('.', import.meta.url).pathname
const wanted = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort()

let failed = 0
for (const file of files) {
  console.log(`\n=== bench/${file}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], {
    stdio: 'inherit'
  })
  if (result.status !== 0) {
    failed++
    console.log(`bench/${file} exited with ${result.status ?? result.signal}`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
