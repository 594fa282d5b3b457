// Runs every benchmark in bench/ (or those named on the command line) one after another and
// prints their figures. Benchmarks print; they never assert on time. Arguments that name no
// benchmark are passed on to the chosen ones (`npm run bench -- real-packages bytes fecha`).
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const dir = new URL('.', import.meta.url).pathname
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .sort()
const args = process.argv.slice(2)
const wanted = args.filter((a) => all.some((f) => f.includes(a)))
const passed = args.filter((a) => !wanted.includes(a))
const files = all.filter((f) => args.length === 0 || wanted.some((w) => f.includes(w)))

let failed = 0
for (const file of files) {
  console.log(`\n=== bench/${file}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file), ...passed], {
    stdio: 'inherit'
  })
  if (result.status !== 0) {
    failed++
    console.log(`bench/${file} exited with ${result.status ?? result.signal}`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
