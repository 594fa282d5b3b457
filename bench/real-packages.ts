/**
 * TestMaster as a new user meets it, on real npm packages nobody here wrote. Each package of
 * bench/real-packages/package-set.ts becomes a pull-request-shaped git repository with the test
 * setup the package would really have (ts-jest, plain jest on CommonJS, jest + babel, vitest on
 * ESM, a workspace root). `node dist/cli.js run` (no API key: the offline explorer) runs in it as
 * a user would run it; then the delivered test files are run INDEPENDENTLY by the repository's
 * own runner (`npx jest --coverage …` / `npx vitest run --coverage …`, no flags of ours), which
 * decides whether they pass and how much of the changed module they cover.
 *
 *   npm run bench -- real-packages                              every package (needs a built dist/)
 *   npm run bench -- real-packages bytes fecha                  some of them
 *   node --import tsx bench/real-packages.ts bytes fecha        the same, without run-all
 *
 * Environment: BENCH_KEEP=1 keeps the temp repositories; BENCH_CACHE (default: a folder in the
 * temp dir) keeps downloads between runs; the packages taken from GitHub come from
 * bench/real-packages/sources/ (their files at the pinned ref), else from BENCH_GIT_MIRRORS, a folder
 * of git mirrors (`<owner>+<name>/repo`); BENCH_RUN_TIMEOUT_S bounds one `run`
 * (default 900 s); BENCH_JSON writes the rows as JSON to that file.
 *
 * Targets: median >= 60% statements and >= 40% branches, every delivered file passing. Packages
 * run one after another (the runner children already use the machine's cores).
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Report } from '../src/report/report-schema.js'
import { git, median } from './bench-support.js'
import {
  measureDelivered,
  firstErrorLine,
  type FileOutcome
} from './real-packages/measure-delivered.js'
import { PACKAGES, type PackageSpec } from './real-packages/package-set.js'
import { captureCandidates } from './real-packages/capture-candidates.js'
import { prepareRepository } from './real-packages/prepare-repository.js'
import { plain, runCommand } from './real-packages/run-command.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(REPO_ROOT, 'dist', 'cli.js')
const RUN_TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT_S ?? 900) * 1000

/** Published figures of the two earlier approaches (statements %, branches %). */
const BASELINES = [
  { name: 'Nessie', statements: 51.3, branches: 25.6 },
  { name: 'TestPilot', statements: 70.2, branches: 52.8 }
]

interface Row {
  readonly id: string
  readonly version: string
  readonly kind: string
  readonly shape: string
  readonly module: string
  /** False when the repository could not be prepared (a harness problem, not the product's). */
  readonly prepared: boolean
  readonly delivered: readonly FileOutcome[]
  /** Tests in the delivered files, as the repository's runner counted them (passed / total). */
  readonly tests: number
  readonly passedTests: number
  /** Tests the report says it accepted. */
  readonly accepted: number
  readonly statements: number
  readonly branches: number
  readonly runSeconds: number
  readonly runExit: string
  /** Files the run left in the repository besides the delivered tests. */
  readonly strayFiles: readonly string[]
  readonly notes: readonly string[]
}

async function benchPackage(spec: PackageSpec): Promise<Row> {
  const workDir = realpathSync(await mkdtemp(join(tmpdir(), `tm-realbench-${spec.id}-`)))
  const empty = {
    id: spec.id,
    version: '?',
    kind: spec.kind,
    shape: spec.shape,
    module: spec.module.to,
    delivered: [],
    tests: 0,
    passedTests: 0,
    accepted: 0,
    statements: 0,
    branches: 0,
    runSeconds: 0,
    runExit: '-',
    strayFiles: []
  }
  try {
    let repo
    try {
      repo = await prepareRepository(spec, workDir, {
        cacheDir: process.env.BENCH_CACHE ?? join(tmpdir(), 'tm-realbench-cache'),
        toolsNodeModules: realpathSync(join(REPO_ROOT, 'node_modules')),
        gitMirrors: process.env.BENCH_GIT_MIRRORS ?? '/work/.mirror'
      })
    } catch (error) {
      return { ...empty, prepared: false, notes: [`not prepared: ${messageOf(error)}`] }
    }
    const reportPath = join(workDir, 'report.json')
    const { OPENAI_API_KEY: _a, TESTMASTER_API_KEY: _b, NODE_OPTIONS: _c, ...env } = process.env
    const capture = captureCandidates(repo.root, candidateFolders(repo.module, repo.packageDir))
    const run = await runCommand(
      process.execPath,
      [CLI, 'run', '--repo', repo.root, '--base', 'main', '--head', 'HEAD', '--json', reportPath],
      { cwd: repo.root, env: { ...env, NO_COLOR: '1' }, timeoutMs: RUN_TIMEOUT_MS }
    )
    const runExit = run.timedOut
      ? `timeout ${Math.round(RUN_TIMEOUT_MS / 1000)} s`
      : String(run.exitCode ?? run.signal)
    const captured = capture.stop()
    const report = await readReport(reportPath)
    const deliveredFiles = (report?.tests ?? [])
      .map((t) => t.path)
      .filter((path) => existsSync(join(repo.root, path)))
    const notes: string[] = []
    if (!report)
      notes.push(`no report (exit ${runExit}): ${lastLines(plain(run.stderr || run.stdout))}`)
    else if (deliveredFiles.length === 0)
      notes.push(`nothing delivered: ${whyNothing(report, repo.module)}`)
    const accepted =
      report?.modules
        .find((m) => m.path === repo.module)
        ?.candidates.filter((c) => c.verdict.status === 'accepted')
        .reduce((n, c) => n + c.tests, 0) ?? 0
    const strayFiles = git(repo.root, 'status', '--porcelain', '--untracked-files=all')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3))
      .filter((path) => !deliveredFiles.includes(path))
    if (deliveredFiles.length === 0) {
      const rejected = await runLastRejected(spec, repo, captured, join(workDir, 'rejected'))
      if (rejected) notes.push(rejected)
      return {
        ...empty,
        version: repo.version,
        module: repo.module,
        prepared: true,
        accepted,
        runSeconds: run.seconds,
        runExit,
        strayFiles,
        notes
      }
    }
    const measured = await measureDelivered(
      spec.shape,
      repo.root,
      repo.module,
      deliveredFiles,
      join(workDir, 'measure')
    )
    if (measured.error) notes.push(`runner: ${measured.error}`)
    return {
      ...empty,
      version: repo.version,
      module: repo.module,
      prepared: true,
      delivered: measured.files,
      tests: measured.tests,
      passedTests: measured.passedTests,
      accepted,
      statements: measured.statements ?? 0,
      branches: measured.branches ?? 0,
      runSeconds: run.seconds,
      runExit,
      strayFiles,
      notes
    }
  } catch (error) {
    return { ...empty, prepared: false, notes: [`bench error: ${messageOf(error)}`] }
  } finally {
    if (process.env.BENCH_KEEP) console.error(`[${spec.id}] kept ${workDir}`)
    else await rm(workDir, { recursive: true, force: true })
  }
}

/** Where the product writes test files for `module`: beside it, or in a tests folder. */
function candidateFolders(module: string, packageDir: string): string[] {
  return [
    dirname(module),
    packageDir,
    ...['__tests__', 'test', 'tests', 'src/__tests__'].map((folder) => join(packageDir, folder))
  ]
}

/**
 * The last candidate the run wrote and removed, run by the repository's own runner: whether it
 * passes there, and the first error line when it does not.
 */
async function runLastRejected(
  spec: PackageSpec,
  repo: { root: string; module: string },
  captured: Map<string, string>,
  outDir: string
): Promise<string | undefined> {
  const last = [...captured].filter(([path]) => !existsSync(join(repo.root, path))).pop()
  if (!last) return undefined
  const [path, code] = last
  await writeFile(join(repo.root, path), code)
  try {
    const measured = await measureDelivered(spec.shape, repo.root, repo.module, [path], outDir)
    const outcome = measured.files[0]
    return outcome?.passed
      ? `last rejected candidate ${path} PASSES under the own runner (${measured.passedTests} tests, ${pct(measured.statements ?? 0)}% statements)`
      : `last rejected candidate ${path} under the own runner: ${outcome?.error ?? measured.error ?? 'failed'}`
  } finally {
    await rm(join(repo.root, path), { force: true })
  }
}

async function readReport(path: string): Promise<Report | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Report
  } catch {
    return undefined
  }
}

/** The report's reason for delivering nothing: the module's status, skip reason or rejections. */
function whyNothing(report: Report, module: string): string {
  const skipped = report.plan.skipped.find((s) => s.path === module)
  if (skipped) return `skipped: ${skipped.reason}`
  const entry = report.modules.find((m) => m.path === module)
  if (!entry)
    return `not in the plan (${report.plan.modules.map((m) => m.path).join(', ') || 'empty plan'})`
  const rejected = entry.candidates.flatMap((c) =>
    c.verdict.status === 'rejected'
      ? [`${c.verdict.gate}: ${firstErrorLine(c.verdict.reason) ?? ''}`]
      : []
  )
  const errors = report.errors.map((e) => `${e.code}: ${e.message}`)
  return [
    entry.status === 'done' ? '' : `${entry.status}${entry.reason ? `: ${entry.reason}` : ''}`,
    rejected.length > 0 ? `${rejected.length} rejected, first ${rejected[0]}` : '',
    ...errors
  ]
    .filter(Boolean)
    .join('; ')
    .slice(0, 400)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 300)
}

const pct = (value: number) => value.toFixed(1).padStart(5)

function allPass(row: Row): string {
  if (row.delivered.length === 0) return '-'
  const failing = row.delivered.filter((f) => !f.passed).length
  return failing === 0 ? 'yes' : `no (${failing}/${row.delivered.length})`
}

function printTable(rows: readonly Row[]): void {
  console.log('')
  console.log(
    '| package | shape | module | delivered files | all pass (own runner) | statements % | branches % | tests passed / run (accepted) | run time (s) |'
  )
  console.log('| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: |')
  for (const row of rows)
    console.log(
      `| ${row.id}@${row.version} | ${row.shape} | ${row.module} | ${row.delivered.length} | ${row.prepared ? allPass(row) : 'not prepared'} | ${pct(row.statements)} | ${pct(row.branches)} | ${row.passedTests} / ${row.tests} (${row.accepted}) | ${row.runSeconds.toFixed(1)} |`
    )
  const measured = rows.filter((r) => r.prepared)
  const statements = median(measured.map((r) => r.statements))
  const branches = median(measured.map((r) => r.branches))
  // What the user's CI keeps: a package whose delivered files do not all pass counts as 0.
  const passing = measured.map((r) =>
    r.delivered.every((f) => f.passed) ? r : { ...r, statements: 0, branches: 0 }
  )
  console.log(
    `| **median** (${measured.length} packages) | | | | | ${pct(statements)} | ${pct(branches)} | | ${median(measured.map((r) => r.runSeconds)).toFixed(1)} |`
  )
  for (const b of BASELINES)
    console.log(`| ${b.name} (published) | | | | | ${pct(b.statements)} | ${pct(b.branches)} | | |`)
  console.log('')
  const filesDelivered = measured.flatMap((r) => r.delivered)
  const filesFailing = filesDelivered.filter((f) => !f.passed).length
  const verdict = (value: number, target: number) =>
    `${value.toFixed(1)}% (target >= ${target}%: ${value >= target ? 'met' : 'missed'})`
  console.log(
    `median statements ${verdict(statements, 60)}, branches ${verdict(branches, 40)}; ` +
      `delivered files failing under the own runner: ${filesFailing} of ${filesDelivered.length} ` +
      `(target 0: ${filesFailing === 0 ? 'met' : 'missed'})`
  )
  console.log(
    `median counting a package with a failing delivered file as 0: statements ${pct(median(passing.map((r) => r.statements)))}%, branches ${pct(median(passing.map((r) => r.branches)))}%`
  )
  for (const row of rows) {
    const lines = [
      ...row.notes,
      ...row.delivered.filter((f) => !f.passed).map((f) => `${f.file} fails: ${f.error ?? ''}`),
      ...(row.strayFiles.length > 0
        ? [`left in the repo: ${row.strayFiles.slice(0, 5).join(', ')}`]
        : []),
      ...(row.runExit !== '0' && row.runExit !== '-' ? [`run exit ${row.runExit}`] : [])
    ]
    for (const line of lines) console.log(`note ${row.id}: ${line}`)
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`)
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !PACKAGES.some((p) => p.id === w))
  if (unknown.length > 0)
    throw new Error(
      `unknown package '${unknown.join("', '")}': choose from ${PACKAGES.map((p) => p.id).join(', ')}`
    )
  const packages = wanted.length > 0 ? PACKAGES.filter((p) => wanted.includes(p.id)) : PACKAGES
  // The figures belong to the dist/ that ran: say which commit it was built from.
  console.log(
    `testmaster ${git(REPO_ROOT, 'rev-parse', '--short', 'HEAD')}, dist/cli.js built ${statSync(CLI).mtime.toISOString()}`
  )
  const rows: Row[] = []
  for (const spec of packages) {
    const row = await benchPackage(spec)
    rows.push(row)
    console.error(
      `${row.id}: ${row.delivered.length} delivered, all pass ${row.prepared ? allPass(row) : 'not prepared'}, ${pct(row.statements)}% statements, ${pct(row.branches)}% branches, ${row.passedTests}/${row.tests} tests, run ${row.runSeconds.toFixed(1)} s (exit ${row.runExit}) ${row.notes.join('; ')}`
    )
  }
  printTable(rows)
  if (process.env.BENCH_JSON) {
    await mkdir(dirname(resolve(process.env.BENCH_JSON)), { recursive: true })
    await writeFile(resolve(process.env.BENCH_JSON), `${JSON.stringify(rows, null, 2)}\n`)
  }
}

await main()
