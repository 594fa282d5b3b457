/**
 * Turns one package's run of bench/llm-standin.ts into a replay fixture under
 * __tests__/fixtures/replay/<name>/, so the suite replays real model answers at no cost
 * (__tests__/run/run-replay-fixtures.int.test.ts):
 *
 *   node --import tsx bench/standin-to-fixture.ts /tmp/tm-llm-standin/ms ms
 *
 * The fixture holds the repository as the run saw it at its head (`repo/`, without node_modules
 * and the run's own outputs), the session record of the run (`session.json`: every prompt and
 * answer; it never holds the API key), and `fixture.json` saying where it came from: the package
 * and version, the module the PR added, the model that answered (a stand-in behind the relay) and
 * the TestMaster commit that recorded it. Replay matches requests exactly, so a fixture recorded
 * before a prompt change no longer matches: the replay test then says to record it again.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile, copyFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Report } from '../src/report/report-schema.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
  })
  if (result.status !== 0)
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`)
  return result.stdout
}

async function main(): Promise<void> {
  const [source, name] = process.argv.slice(2)
  if (!source || !name || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    console.error(
      'usage: node --import tsx bench/standin-to-fixture.ts <bench work dir>/<package dir> <fixture-name (a-z0-9-)>'
    )
    process.exitCode = 2
    return
  }
  const repo = resolve(source)
  const reportFile = `${repo}.report.json`
  if (!existsSync(reportFile)) throw new Error(`no report beside the repository: ${reportFile}`)
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report
  const sessions = (await readdir(join(repo, '.testmaster'))).filter((f) =>
    f.startsWith('session-')
  )
  const session = sessions[0]
  if (!session) throw new Error(`no session record in ${join(repo, '.testmaster')}`)
  // The module the PR added: the head commit's one file.
  const added = git(repo, 'diff', '--name-only', 'main', 'HEAD').trim().split('\n').filter(Boolean)
  if (added.length !== 1)
    throw new Error(`expected one file added by the PR, found: ${added.join(', ')}`)
  const module = added[0]!
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    name?: string
    version?: string
  }

  const target = join(REPO_ROOT, '__tests__', 'fixtures', 'replay', name)
  await rm(target, { recursive: true, force: true })
  await mkdir(join(target, 'repo'), { recursive: true })
  // The head tree as committed: what the run analysed, with no generated test or record.
  for (const file of git(repo, 'ls-tree', '-r', '--name-only', 'HEAD')
    .split('\n')
    .filter(Boolean)) {
    await mkdir(dirname(join(target, 'repo', file)), { recursive: true })
    const blob = spawnSync('git', ['show', `HEAD:${file}`], {
      cwd: repo,
      maxBuffer: 64 * 1024 * 1024
    })
    if (blob.status !== 0) throw new Error(`git show HEAD:${file} failed in ${repo}`)
    await writeFile(join(target, 'repo', file), blob.stdout)
  }
  await copyFile(join(repo, '.testmaster', session), join(target, 'session.json'))
  const testmasterCommit = git(REPO_ROOT, 'rev-parse', 'HEAD').trim()
  const conversations = (
    JSON.parse(readFileSync(join(target, 'session.json'), 'utf8')) as {
      conversations: { purpose: string }[]
    }
  ).conversations
  await writeFile(
    join(target, 'fixture.json'),
    `${JSON.stringify(
      {
        package: manifest.name,
        version: manifest.version,
        module,
        answeredBy:
          'a stand-in model (a capable coding model answering our real prompts through the relay of ../shared/LLM-STAND-IN.md), sent as gpt-4o-mini',
        recordedBy: `TestMaster ${testmasterCommit} (bench/llm-standin.ts)`,
        recordedAt: report.startedAt,
        calls: {
          generate: conversations.filter((c) => c.purpose === 'generate').length,
          heal: conversations.filter((c) => c.purpose === 'heal').length
        },
        funnel: report.modules.find((m) => m.path === module)?.funnel
      },
      null,
      2
    )}\n`
  )
  console.log(`wrote ${target} (${module}, ${conversations.length} recorded call(s))`)
}

await main()
