/**
 * LLM mode on real npm packages with a stand-in model behind an OpenAI-compatible relay
 * (../shared/LLM-STAND-IN.md). For each package: a PR-shaped git repository (base without the
 * module, head adding it, so every line of it is changed) with vitest as its test runner and our
 * node_modules symlinked in; a base config giving the slow stand-in time; then the real CLI,
 * `node dist/cli.js run --provider openai --model gpt-4o-mini --base-url <relay>`, one package
 * after another. When all have run it touches RELAY/DONE (the stand-in stops), and measures what
 * each run delivered with the repository's own runner and coverage, not with our report alone.
 *
 *   node ../shared/tools/model-relay.mjs /tmp/relay-X > /tmp/relay-X.port &     (the relay)
 *   node --import tsx bench/llm-standin.ts --relay /tmp/relay-X [--port-file F] [--work DIR] [pkg…]
 *   node --import tsx bench/llm-standin.ts --measure DIR        (measure an earlier run again)
 *
 * Prints per package: statement and branch coverage of the module by the delivered tests, LLM
 * calls, tokens, cost at gpt-4o-mini prices, the funnel (answered / compiles / passes / stable /
 * adds coverage / kills a mutant / kept after merge), heal rounds and heal success, and passing
 * tests lost at merge; then the medians against the targets (median statements >= 80%, <= $0.05
 * per module, >= 60% of generate calls yield a kept test, 0 passing tests lost at merge). Without
 * --relay or --measure it prints how to run it and exits (so `npm run bench` skips it).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Funnel, Report } from '../src/report/report-schema.js'
import { git, median, unpackFromRegistry } from './bench-support.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** gpt-4o-mini, USD per million tokens. */
const PRICE = { input: 0.15, output: 0.6 }

interface PackageSpec {
  readonly name: string
  readonly version: string
  /** The module the PR adds, relative to the package root. */
  readonly main: string
  readonly shape: string
}

/** Packages of different shapes, pinned; fetched with `npm pack` (none is our own fixture). */
const PACKAGES: readonly PackageSpec[] = [
  {
    name: '@jridgewell/trace-mapping',
    version: '0.3.31',
    main: 'src/trace-mapping.ts',
    shape: 'TypeScript class module (ESM source)'
  },
  {
    // Its hand-written source: umd/index.js is generated from it (and says so), so it is skipped.
    name: 'long',
    version: '5.3.2',
    main: 'index.js',
    shape: 'ES5 constructor + prototype (ESM), over 1,500 lines'
  },
  {
    name: 'tinycolor2',
    version: '1.4.2',
    main: 'tinycolor.js',
    shape: 'UMD wrapper around an ES5 factory + prototype, over 1,000 lines'
  },
  { name: 'fill-range', version: '7.1.1', main: 'index.js', shape: 'CommonJS function module' },
  { name: 'camelcase', version: '8.0.0', main: 'index.js', shape: 'ESM function module' },
  { name: 'ms', version: '2.1.3', main: 'index.js', shape: 'string parser (CommonJS)' }
]

/** Also available by name: a second ES5 constructor module. */
const EXTRA: readonly PackageSpec[] = [
  {
    name: 'minimatch',
    version: '3.1.5',
    main: 'minimatch.js',
    shape: 'CommonJS ES5 constructor + prototype'
  }
]

const BASE_CONFIG = `# The stand-in model answers by hand: give every call and the run time.
llm:
  timeout-seconds: 1200
  max-retries: 0
budget:
  time-minutes: 120
test-framework: vitest
`

function args(): {
  relay?: string
  portFile?: string
  work: string
  measure?: string
  names: string[]
} {
  const argv = process.argv.slice(2)
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag)
    if (index < 0) return undefined
    const found = argv[index + 1]
    argv.splice(index, 2)
    return found
  }
  const relay = value('--relay')
  const portFile = value('--port-file')
  const measure = value('--measure')
  const work = value('--work') ?? '/tmp/tm-llm-standin'
  return {
    ...(relay ? { relay: resolve(relay) } : {}),
    ...(portFile ? { portFile: resolve(portFile) } : {}),
    ...(measure ? { measure: resolve(measure) } : {}),
    work: resolve(work),
    names: argv
  }
}

/** The package as a PR: base without `main` (with the config), head adding it. */
async function buildRepository(spec: PackageSpec, root: string): Promise<void> {
  const scratch = `${root}.scratch`
  await rm(scratch, { recursive: true, force: true })
  await mkdir(scratch, { recursive: true })
  await cp(unpackFromRegistry(spec.name, spec.version, scratch), root, { recursive: true })
  await rm(scratch, { recursive: true, force: true })
  const mainSource = await readFile(join(root, spec.main))
  await rm(join(root, spec.main))
  // vitest is the repository's runner (these packages test with mocha or tap, which TestMaster
  // does not drive); its own include, so the package's old test files stay out of the runs.
  await writeFile(
    join(root, 'vitest.config.mjs'),
    "export default { test: { include: ['**/*.test.{js,mjs,cjs,ts}'], exclude: ['**/node_modules/**'] } }\n"
  )
  await writeFile(join(root, '.gitignore'), 'node_modules\ncoverage\n.testmaster\n')
  await mkdir(join(root, '.github'), { recursive: true })
  await writeFile(join(root, '.github', 'testmaster.yml'), BASE_CONFIG)
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  git(root, 'init', '--quiet', '--initial-branch=main')
  git(root, 'add', '--all', '--force', ':!node_modules')
  git(root, 'commit', '--quiet', '--no-verify', '--message', 'base: the package without the module')
  git(root, 'checkout', '--quiet', '-b', 'feature')
  await writeFile(join(root, spec.main), mainSource)
  git(root, 'add', '--force', spec.main)
  git(root, 'commit', '--quiet', '--no-verify', '--message', `add ${spec.main}`)
}

async function relayPort(relay: string, portFile: string): Promise<number> {
  for (let waited = 0; waited < 60; waited++) {
    if (existsSync(portFile)) {
      const port = Number(readFileSync(portFile, 'utf8').trim())
      if (port > 0) return port
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(
    `no port in ${portFile}: start the relay first (node ../shared/tools/model-relay.mjs ${relay} > ${portFile} &)`
  )
}

/** `node dist/cli.js run …` against the relay; output to the terminal and run.log. */
async function runCli(
  root: string,
  port: number,
  log: string
): Promise<{ code: number; seconds: number }> {
  const started = performance.now()
  const cliArgs = [
    join(REPO_ROOT, 'dist', 'cli.js'),
    'run',
    '--repo',
    root,
    '--base',
    'main',
    '--provider',
    'openai',
    '--model',
    'gpt-4o-mini',
    '--base-url',
    `http://127.0.0.1:${port}/v1`,
    '--json',
    join(root, '..', `${basenameOf(root)}.report.json`),
    '--verbose',
    '--concurrency',
    '1'
  ]
  const child = spawn(process.execPath, cliArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, OPENAI_API_KEY: 'sk-relay' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const chunks: string[] = []
  const keep = (data: Buffer, to: NodeJS.WriteStream) => {
    chunks.push(data.toString('utf8'))
    to.write(data)
  }
  child.stdout.on('data', (d: Buffer) => keep(d, process.stdout))
  child.stderr.on('data', (d: Buffer) => keep(d, process.stderr))
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)))
  writeFileSync(log, chunks.join(''))
  return { code, seconds: (performance.now() - started) / 1000 }
}

function basenameOf(path: string): string {
  return path.split('/').pop() ?? path
}

function dirNameOf(spec: PackageSpec): string {
  return spec.name.replace(/^@/, '').replace(/\//g, '-')
}

interface Measured {
  statements?: number
  branches?: number
  passed: number
  failed: number
  note: string
}

/** Coverage of `main` by the delivered test files, from vitest's own istanbul summary. */
function measure(root: string, main: string, testFiles: readonly string[]): Measured {
  if (testFiles.length === 0) return { passed: 0, failed: 0, note: 'no test delivered' }
  const coverageDir = join(root, 'coverage')
  const result = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      ...testFiles,
      '--root',
      root,
      '--coverage.enabled',
      '--coverage.provider=istanbul',
      '--coverage.reporter=json-summary',
      `--coverage.reportsDirectory=${coverageDir}`,
      `--coverage.include=${main}`
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', CI: '1', NO_COLOR: '1' },
      timeout: 300_000
    }
  )
  const output = `${result.stdout}\n${result.stderr}`
  const tests = /Tests\s+(?:(\d+) failed \| )?(\d+) passed/.exec(output)
  const failed = Number(tests?.[1] ?? /Tests\s+(\d+) failed/.exec(output)?.[1] ?? 0)
  const passed = Number(tests?.[2] ?? 0)
  const note =
    result.status === 0
      ? ''
      : `vitest exit ${result.status}: ${/(FAIL.*|Error: .*)/.exec(output)?.[1] ?? ''}`.slice(
          0,
          160
        )
  try {
    const summary = JSON.parse(
      readFileSync(join(coverageDir, 'coverage-summary.json'), 'utf8')
    ) as Record<string, { statements: { pct: number }; branches: { pct: number } }>
    const entry = Object.entries(summary).find(
      ([file]) => file !== 'total' && file.endsWith(`/${main}`)
    )?.[1]
    return {
      statements: entry?.statements.pct ?? 0,
      branches: entry?.branches.pct ?? 0,
      passed,
      failed,
      note
    }
  } catch {
    return { statements: 0, branches: 0, passed, failed, note: note || 'no coverage summary' }
  }
}

interface Row {
  spec: PackageSpec
  measured: Measured
  report?: Report
  generateCalls: number
  healCalls: number
  tokensIn: number
  tokensOut: number
  costUsd: number
  funnel?: Funnel
  /** Tests that passed alone in candidates accepted before the merge. */
  passedAlone: number
  lostAtMerge: number
  seconds?: number
  session?: string
}

async function rowFor(spec: PackageSpec, work: string, seconds?: number): Promise<Row> {
  const root = join(work, dirNameOf(spec))
  const reportFile = join(work, `${dirNameOf(spec)}.report.json`)
  const report = existsSync(reportFile)
    ? (JSON.parse(readFileSync(reportFile, 'utf8')) as Report)
    : undefined
  const module = report?.modules.find((m) => m.path === spec.main)
  const delivered = report?.tests.filter((t) => t.module === spec.main).map((t) => t.path) ?? []
  const measured = measure(root, spec.main, delivered)
  const calls = report?.llmCalls.filter((c) => c.outcome !== 'refused-by-budget') ?? []
  const tokensIn = calls.reduce((n, c) => n + c.promptTokens, 0)
  const tokensOut = calls.reduce((n, c) => n + c.completionTokens, 0)
  const passedAlone = (module?.candidates ?? [])
    .filter((c) => c.reached === 'asserts')
    .reduce((n, c) => n + c.tests, 0)
  const sessionDir = join(root, '.testmaster')
  const sessions = existsSync(sessionDir)
    ? (await readdir(sessionDir)).filter((f) => f.startsWith('session-'))
    : []
  return {
    spec,
    measured,
    ...(report ? { report } : {}),
    generateCalls: calls.filter((c) => c.purpose === 'generate').length,
    healCalls: calls.filter((c) => c.purpose === 'heal').length,
    tokensIn,
    tokensOut,
    costUsd: (tokensIn * PRICE.input + tokensOut * PRICE.output) / 1e6,
    ...(module?.funnel ? { funnel: module.funnel } : {}),
    passedAlone,
    lostAtMerge: Math.max(0, passedAlone - measured.passed),
    ...(seconds === undefined ? {} : { seconds }),
    ...(sessions[0] ? { session: join(sessionDir, sessions[0]) } : {})
  }
}

const pct = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(1)}`)

function print(rows: readonly Row[]): void {
  console.log('')
  console.log(
    '| package | shape | module | statements % | branches % | gen calls | heal calls | tokens in / out | cost (gpt-4o-mini) | funnel: answered / compiles / passes / stable / adds cov / kills mutant / kept | heal: healed / tried (rounds) | passed alone / delivered passing / lost at merge | time (s) |'
  )
  console.log(
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |'
  )
  for (const r of rows) {
    const f = r.funnel
    const funnel = f
      ? `${f.calls} → ${f.answered} / ${f.compiles} / ${f.passes} / ${f.stable} / ${f.addsCoverage} / ${f.killsMutant} / ${f.kept}`
      : 'n/a'
    const heal = f ? `${f.healed} / ${f.healAttempted} (${f.healRounds})` : 'n/a'
    console.log(
      `| ${r.spec.name}@${r.spec.version} | ${r.spec.shape} | ${r.spec.main} | ${pct(r.measured.statements)} | ${pct(r.measured.branches)} | ${r.generateCalls} | ${r.healCalls} | ${r.tokensIn} / ${r.tokensOut} | $${r.costUsd.toFixed(4)} | ${funnel} | ${heal} | ${r.passedAlone} / ${r.measured.passed} / ${r.lostAtMerge} | ${r.seconds?.toFixed(0) ?? '-'} |`
    )
  }
  const statements = median(rows.map((r) => r.measured.statements ?? 0))
  const cost = median(rows.map((r) => r.costUsd))
  const generate = rows.reduce((n, r) => n + (r.funnel?.calls ?? 0), 0)
  const kept = rows.reduce((n, r) => n + (r.funnel?.kept ?? 0), 0)
  const lost = rows.reduce((n, r) => n + r.lostAtMerge, 0)
  const healTried = rows.reduce((n, r) => n + (r.funnel?.healAttempted ?? 0), 0)
  const healed = rows.reduce((n, r) => n + (r.funnel?.healed ?? 0), 0)
  const rounds = rows.reduce((n, r) => n + (r.funnel?.healRounds ?? 0), 0)
  const met = (ok: boolean) => (ok ? 'met' : 'missed')
  console.log('')
  console.log(
    `median statements ${statements.toFixed(1)}% (target >= 80%: ${met(statements >= 80)})`
  )
  console.log(
    `median cost per module $${cost.toFixed(4)}, highest $${Math.max(...rows.map((r) => r.costUsd)).toFixed(4)} (target <= $0.05: ${met(rows.every((r) => r.costUsd <= 0.05))})`
  )
  console.log(
    `generate calls yielding a kept test: ${kept} of ${generate} = ${generate ? ((100 * kept) / generate).toFixed(0) : 'n/a'}% (target >= 60%: ${met(generate > 0 && kept / generate >= 0.6)})`
  )
  console.log(`passing tests lost at merge: ${lost} (target 0: ${met(lost === 0)})`)
  console.log(`healing: ${healed} of ${healTried} candidate(s) healed in ${rounds} round(s)`)
  for (const r of rows) {
    const notes = [
      r.measured.note,
      r.report ? '' : 'no report (the run failed: see run.log)',
      ...(r.report?.errors.map((e) => `${e.code}: ${e.message}`) ?? []),
      r.report?.modules.find((m) => m.path === r.spec.main)?.llmStoppedBecause
        ? `no further call: ${r.report.modules.find((m) => m.path === r.spec.main)?.llmStoppedBecause}`
        : ''
    ].filter(Boolean)
    if (notes.length > 0) console.log(`note ${r.spec.name}: ${notes.join('; ')}`)
    if (r.session) console.log(`session ${r.spec.name}: ${r.session}`)
  }
}

async function main(): Promise<void> {
  const options = args()
  const all = [...PACKAGES, ...EXTRA]
  const chosen =
    options.names.length > 0 ? all.filter((p) => options.names.includes(p.name)) : PACKAGES
  if (options.measure) {
    print(await Promise.all(chosen.map((spec) => rowFor(spec, options.measure!))))
    return
  }
  if (!options.relay) {
    console.log(
      'bench/llm-standin.ts needs a relay and a stand-in model (../shared/LLM-STAND-IN.md): node --import tsx bench/llm-standin.ts --relay DIR [--port-file DIR.port] [--work DIR] [package…]; skipped.'
    )
    return
  }
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) throw new Error('build first: npm run build')
  const port = await relayPort(options.relay, options.portFile ?? `${options.relay}.port`)
  await rm(options.work, { recursive: true, force: true })
  await mkdir(options.work, { recursive: true })
  const seconds = new Map<string, number>()
  try {
    for (const spec of chosen) {
      const root = join(options.work, dirNameOf(spec))
      console.error(`\n=== ${spec.name}@${spec.version} ${spec.main} (${spec.shape})`)
      await buildRepository(spec, root)
      const run = await runCli(root, port, join(options.work, `${dirNameOf(spec)}.run.log`))
      seconds.set(spec.name, run.seconds)
      console.error(`=== ${spec.name}: exit ${run.code} after ${run.seconds.toFixed(0)} s`)
    }
  } finally {
    // The stand-in stops when DONE exists.
    writeFileSync(join(options.relay, 'DONE'), `${new Date().toISOString()}\n`)
  }
  print(await Promise.all(chosen.map((spec) => rowFor(spec, options.work, seconds.get(spec.name)))))
}

await main()
