/**
 * The explorer on real npm packages we did not write, through the whole pipeline: each package is
 * copied to a temp dir and made a git repository whose base commit lacks the package's main module
 * and whose head commit adds it (so every line of it is changed), with our node_modules symlinked
 * beside it for its dependencies and vitest. `run()` then plans, measures the baseline, explores,
 * gates (passes, stable, adds coverage, asserts) and writes the kept test file, exactly as
 * `testmaster run` with no API key does.
 *
 *   npm run bench -- explorer                          every package
 *   node --import tsx bench/explorer.ts ms semver      some (BENCH_DEBUG=1: verdicts; BENCH_KEEP=1)
 *
 * Prints, per package: statement and branch coverage of the main module by the KEPT tests (vitest
 * with istanbul, run by us on the file run() wrote), the report's coverage-after (lines / branches,
 * the pipeline's own measure), tests kept after the gates / proposed by the explorer, and the wall
 * time of run(). Targets: median statements >= 60%, branches >= 40%, < 60 s per package.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveConfig } from '../src/config/resolve-config.js'
import { EventBus } from '../src/events/event-bus.js'
import type { Report } from '../src/report/report-schema.js'
import { run } from '../src/run.js'
import { git, median, unpackFromRegistry } from './bench-support.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Packages pinned to a version, with the module treated as changed. Taken from our node_modules
 * (any depth) when that version is there, else fetched with `npm pack` into a temp dir.
 */
const PACKAGES: readonly { name: string; version: string; main: string }[] = [
  { name: 'ms', version: '2.1.3', main: 'index.js' },
  { name: 'camelcase', version: '5.3.1', main: 'index.js' },
  { name: 'brace-expansion', version: '1.1.12', main: 'index.js' },
  { name: 'to-regex-range', version: '5.0.1', main: 'index.js' },
  { name: 'fill-range', version: '7.1.1', main: 'index.js' },
  { name: 'jsesc', version: '3.1.0', main: 'jsesc.js' },
  { name: 'lru-cache', version: '5.1.1', main: 'index.js' },
  { name: 'fastest-levenshtein', version: '1.0.16', main: 'mod.js' },
  { name: 'natural-compare', version: '1.4.0', main: 'index.js' },
  { name: 'semver', version: '6.3.2', main: 'semver.js' }
]

/** A directory holding `name@version`: ours if we have it, else unpacked from the registry. */
async function locatePackage(name: string, version: string, scratch: string): Promise<string> {
  const found = spawnSync(
    'find',
    [
      join(REPO_ROOT, 'node_modules'),
      '-maxdepth',
      '7',
      '-path',
      `*/node_modules/${name}/package.json`
    ],
    {
      encoding: 'utf8'
    }
  )
  for (const manifest of found.stdout.split('\n').filter(Boolean)) {
    try {
      if (
        (JSON.parse(await readFile(manifest, 'utf8')) as { version?: string }).version === version
      )
        return dirname(manifest)
    } catch {
      // unreadable manifest: keep looking
    }
  }
  return unpackFromRegistry(name, version, scratch)
}

interface Row {
  readonly name: string
  readonly version: string
  readonly statements: number | undefined
  readonly branches: number | undefined
  /** The report's coverage-after of the module (lines, branches). */
  readonly reportLines: number | undefined
  readonly reportBranches: number | undefined
  readonly kept: number
  readonly proposed: number
  readonly seconds: number
  readonly note: string
}

interface SummaryEntry {
  statements: { pct: number }
  branches: { pct: number }
}

/** The package as a repository: base without `main`, head (checked out) adding it. */
async function buildRepository(packageDir: string, root: string, main: string): Promise<void> {
  await cp(packageDir, root, { recursive: true })
  const mainSource = await readFile(join(root, main))
  await rm(join(root, main))
  await writeFile(
    join(root, 'vitest.config.mjs'),
    'export default { test: { include: ["**/*.testmaster.test.*"] } }\n'
  )
  await writeFile(join(root, '.gitignore'), 'node_modules\ncoverage\n.testmaster\n')
  git(root, 'init', '--quiet', '--initial-branch=main')
  git(root, 'add', '--all', '--force')
  git(
    root,
    'commit',
    '--quiet',
    '--no-verify',
    '--message',
    'base: the package without its main module'
  )
  git(root, 'checkout', '--quiet', '-b', 'feature')
  await writeFile(join(root, main), mainSource)
  git(root, 'add', '--force', main)
  git(root, 'commit', '--quiet', '--no-verify', '--message', `add ${main}`)
}

/** Statement and branch coverage of `main` by these test files, measured by vitest (istanbul). */
function measureKept(
  root: string,
  main: string,
  testFiles: readonly string[],
  coverageDir: string
): { statements?: number; branches?: number; passed: number; note: string } {
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
      `--coverage.include=${main}`,
      '--coverage.allowExternal'
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', CI: '1', NO_COLOR: '1' },
      timeout: 180_000
    }
  )
  const output = `${result.stdout}\n${result.stderr}`
  const passed = Number(/Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(output)?.[1] ?? 0)
  const note =
    result.status === 0
      ? ''
      : `vitest exit ${result.status}: ${/(FAIL.*|Error: .*)/.exec(output)?.[1] ?? ''}`.slice(
          0,
          120
        )
  try {
    const summary = JSON.parse(
      readFileSync(join(coverageDir, 'coverage-summary.json'), 'utf8')
    ) as Record<string, SummaryEntry>
    const entry = Object.entries(summary).find(
      ([file]) => file !== 'total' && file.endsWith(`/${main}`)
    )?.[1]
    return { statements: entry?.statements.pct, branches: entry?.branches.pct, passed, note }
  } catch {
    return { passed, note: note || 'no coverage summary' }
  }
}

/** Why the module kept no test: its status and reason, or its candidates' rejections. */
function rejections(module: Report['modules'][number] | undefined): string {
  if (!module) return 'not in the plan'
  const rejected = module.candidates.flatMap((c) =>
    c.verdict.status === 'rejected' ? [`${c.verdict.gate}: ${c.verdict.reason}`] : []
  )
  return [module.status === 'done' ? '' : `${module.status}: ${module.reason ?? ''}`, ...rejected]
    .filter(Boolean)
    .join('; ')
    .slice(0, 240)
}

async function benchPackage(name: string, version: string, main: string): Promise<Row> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `tm-bench-explorer-${name}-`)))
  try {
    const root = join(dir, name)
    const scratch = join(dir, 'scratch')
    await mkdir(scratch)
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
    await buildRepository(await locatePackage(name, version, scratch), root, main)
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      version?: string
    }
    const events = new EventBus()
    if (process.env.BENCH_DEBUG)
      events.subscribe({
        log: ({ level, message }) => console.error(`[${name}] ${level}: ${message}`),
        'candidate:verdict': (v) => console.error(`[${name}] ${JSON.stringify(v)}`)
      })
    const resolved = resolveConfig({
      overrides: {
        repo: root,
        base: 'main',
        head: 'HEAD',
        llm: { provider: 'explorer' },
        testFramework: 'vitest'
      }
    })
    const started = performance.now()
    const report = await run({ resolved, secrets: {}, events, runId: `bench-${name}` })
    const seconds = (performance.now() - started) / 1000
    const module = report.modules.find((m) => m.path === main)
    const candidates = module?.candidates.filter((c) => c.strategy === 'explorer') ?? []
    const kept = candidates
      .filter((c) => c.verdict.status === 'accepted')
      .reduce((n, c) => n + c.tests, 0)
    const proposed = candidates.reduce((n, c) => n + c.tests, 0)
    const testFile = report.tests.find((t) => t.module === main)?.path
    const measured = testFile
      ? measureKept(root, main, [testFile], join(dir, 'coverage'))
      : { passed: 0, note: '' }
    const errors = report.errors.map((e) => `${e.code}: ${e.message}`).join('; ')
    return {
      name,
      version: manifest.version ?? '?',
      statements: testFile ? (measured.statements ?? 0) : 0,
      branches: testFile ? (measured.branches ?? 0) : 0,
      reportLines: module?.coverageAfter?.lines.pct,
      reportBranches: module?.coverageAfter?.branches.pct,
      kept,
      proposed,
      seconds,
      note: [
        testFile ? '' : `no test kept (${rejections(module)})`,
        measured.note,
        testFile && measured.passed !== kept
          ? `vitest ran ${measured.passed} of the ${kept} kept tests`
          : '',
        errors
      ]
        .filter(Boolean)
        .join('; ')
    }
  } finally {
    if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true })
  }
}

const fmt = (value: number | undefined) =>
  value === undefined ? '  n/a' : value.toFixed(1).padStart(5)

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const packages = wanted.length > 0 ? PACKAGES.filter((p) => wanted.includes(p.name)) : PACKAGES
  const rows: Row[] = []
  for (const { name, version, main } of packages) {
    const row = await benchPackage(name, version, main)
    rows.push(row)
    console.error(
      `${name}: ${fmt(row.statements)}% statements, ${fmt(row.branches)}% branches, ${row.kept}/${row.proposed} tests kept, ${row.seconds.toFixed(1)} s ${row.note}`
    )
  }
  console.log('')
  console.log(
    '| package | module | statements % | branches % | report coverage-after lines/branches % | tests kept / proposed | time (s) |'
  )
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const row of rows) {
    const main = packages.find((p) => p.name === row.name)?.main ?? ''
    console.log(
      `| ${row.name}@${row.version} | ${main} | ${fmt(row.statements)} | ${fmt(row.branches)} | ${fmt(row.reportLines)} / ${fmt(row.reportBranches)} | ${row.kept} / ${row.proposed} | ${row.seconds.toFixed(1)} |`
    )
  }
  const statements = rows.map((r) => r.statements ?? 0)
  const branches = rows.map((r) => r.branches ?? 0)
  console.log(
    `| **median** | | ${fmt(median(statements))} | ${fmt(median(branches))} | | | ${median(rows.map((r) => r.seconds)).toFixed(1)} |`
  )
  // A package with no kept test counts as 0%: its main module is never loaded by a kept test.
  const verdict = (value: number, target: number) =>
    `${value.toFixed(2)}% (target >= ${target}%: ${value >= target ? 'met' : 'missed'})`
  console.log(
    `median statements ${verdict(median(statements), 60)}, branches ${verdict(median(branches), 40)}; ` +
      `slowest package ${Math.max(...rows.map((r) => r.seconds)).toFixed(1)} s (target < 60 s)`
  )
  const notes = rows.filter((r) => r.note !== '')
  for (const row of notes) console.log(`note ${row.name}: ${row.note}`)
}

await main()
