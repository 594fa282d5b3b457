/**
 * The explorer on real npm packages we did not write: each package is copied to a temp dir (our
 * node_modules symlinked beside it for its dependencies), its main module is treated as changed,
 * analysed, explored, and the proposed test file is run for real with vitest and istanbul coverage.
 *
 *   npx tsx bench/explorer.ts [package ...]
 *
 * Prints statement and branch coverage of the main module (as vitest measures it running the kept
 * tests), tests kept (passing), and the explorer's wall time. Targets: median statements >= 60%,
 * branches >= 40%, < 60 s per package.
 */
import { spawnSync } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyzeModules } from '../src/analysis/analyze-modules.js'
import {
  DEFAULT_EXPLORE_OPTIONS,
  exploreModule
} from '../src/generate/strategies/explorer/explore-module.js'

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
  const packed = spawnSync(
    'npm',
    ['pack', `${name}@${version}`, '--silent', '--pack-destination', scratch],
    { encoding: 'utf8' }
  )
  const tarball = packed.stdout.trim().split('\n').pop()
  if (packed.status !== 0 || !tarball)
    throw new Error(`npm pack ${name}@${version} failed: ${packed.stderr}`)
  spawnSync('tar', ['xzf', join(scratch, tarball), '-C', scratch])
  return join(scratch, 'package')
}

interface Row {
  readonly name: string
  readonly version: string
  readonly statements: number | undefined
  readonly branches: number | undefined
  readonly explorerStatements: number
  readonly explorerBranches: number
  readonly kept: number
  readonly proposed: number
  readonly seconds: number
  readonly note: string
}

interface SummaryEntry {
  statements: { pct: number }
  branches: { pct: number }
}

const pct = (covered: number, total: number) => (total === 0 ? 100 : (100 * covered) / total)

async function benchPackage(name: string, version: string, main: string): Promise<Row> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `tm-bench-explorer-${name}-`)))
  try {
    const root = join(dir, name)
    const scratch = join(dir, 'scratch')
    await mkdir(scratch)
    await cp(await locatePackage(name, version, scratch), root, { recursive: true })
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      version?: string
    }
    const [module] = await analyzeModules(
      root,
      [{ path: main, status: 'modified', binary: false, lines: [{ start: 1, end: 1_000_000 }] }],
      {
        framework: 'vitest',
        testDir: 'test'
      }
    )
    if (!module) throw new Error(`no analysis of ${name}/${main}`)
    const source = await readFile(join(root, main), 'utf8')
    const started = performance.now()
    const result = await exploreModule(module, root, source, DEFAULT_EXPLORE_OPTIONS)
    const seconds = (performance.now() - started) / 1000
    if (process.env.BENCH_DEBUG)
      console.error(
        JSON.stringify({ ...result, code: undefined }),
        result.status === 'explored' ? result.code : ''
      )
    if (result.status !== 'explored') {
      return {
        name,
        version: manifest.version ?? '?',
        statements: undefined,
        branches: undefined,
        explorerStatements: 0,
        explorerBranches: 0,
        kept: 0,
        proposed: 0,
        seconds,
        note: result.reason
      }
    }
    const testPath = module.placement.testPath
      .replace(/\.[cm]?[jt]s$/, '.mjs')
      .replace(/\.test\.mjs$/, '.test.mjs')
    const testFile = join(root, testPath)
    await mkdir(dirname(testFile), { recursive: true })
    await writeFile(testFile, result.code)
    await writeFile(
      join(root, 'vitest.config.mjs'),
      'export default { test: { include: ["**/*.testmaster.test.*"] } }\n'
    )
    const coverageDir = join(dir, 'coverage')
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
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
    const output = `${run.stdout}\n${run.stderr}`
    const passed = Number(/Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(output)?.[1] ?? 0)
    let statements: number | undefined
    let branches: number | undefined
    try {
      const summary = JSON.parse(
        await readFile(join(coverageDir, 'coverage-summary.json'), 'utf8')
      ) as Record<string, SummaryEntry>
      const entry = Object.entries(summary).find(
        ([file]) => file !== 'total' && file.endsWith(`/${main}`)
      )?.[1]
      statements = entry?.statements.pct
      branches = entry?.branches.pct
    } catch {
      // no summary: reported as n/a
    }
    return {
      name,
      version: manifest.version ?? '?',
      statements,
      branches,
      explorerStatements: pct(result.statements.covered, result.statements.total),
      explorerBranches: pct(result.branches.covered, result.branches.total),
      kept: passed,
      proposed: result.tests,
      seconds,
      note:
        run.status === 0
          ? ''
          : `vitest exit ${run.status}: ${/(FAIL.*|Error: .*)/.exec(output)?.[1] ?? ''}`.slice(
              0,
              120
            )
    }
  } finally {
    if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true })
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length === 0
    ? NaN
    : sorted.length % 2
      ? (sorted[mid] ?? NaN)
      : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
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
      `${name}: ${fmt(row.statements)}% statements, ${fmt(row.branches)}% branches, ${row.kept}/${row.proposed} tests, ${row.seconds.toFixed(1)} s ${row.note}`
    )
  }
  console.log('')
  console.log(
    '| package | module | statements % | branches % | explorer-measured stmts/branches % | tests kept / proposed | time (s) |'
  )
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const row of rows) {
    const main = packages.find((p) => p.name === row.name)?.main ?? ''
    console.log(
      `| ${row.name}@${row.version} | ${main} | ${fmt(row.statements)} | ${fmt(row.branches)} | ${fmt(row.explorerStatements)} / ${fmt(row.explorerBranches)} | ${row.kept} / ${row.proposed} | ${row.seconds.toFixed(1)} |`
    )
  }
  const statements = rows.map((r) => r.statements ?? 0)
  const branches = rows.map((r) => r.branches ?? 0)
  console.log(
    `| **median** | | ${fmt(median(statements))} | ${fmt(median(branches))} | | | ${median(rows.map((r) => r.seconds)).toFixed(1)} |`
  )
  const notes = rows.filter((r) => r.note !== '')
  for (const row of notes) console.log(`note ${row.name}: ${row.note}`)
}

await main()
