import { randomUUID } from 'node:crypto'
import { mkdir, realpath, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Command, CommanderError, Option } from 'commander'
import { cancelOnTermination } from '../cancellation.js'
import { loadSettings } from '../config/load-settings.js'
import type { FlatValues } from '../config/resolve-config.js'
import { EXIT_CODES, exitCodeFor, formatError } from '../errors.js'
import { EventBus } from '../events/event-bus.js'
import { createProgressListener, detectProgressMode } from '../events/progress-listener.js'
import { estimatedPlanCost } from '../analysis/plan.js'
import { GitRepository } from '../git/repository.js'
import { renderComment } from '../report/render-comment.js'
import { renderTerminal } from '../report/render-terminal.js'
import type { Report } from '../report/report-schema.js'
import { planChange, run } from '../run.js'
import { TOOL_VERSION } from '../version.js'
import { createDemoRepository } from './demo-repository.js'

/** What the CLI touches outside itself, injectable so tests run it in-process. */
export interface CliDeps {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean }
  readonly stderr: { write(text: string): unknown }
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
}

const defaultDeps = (): CliDeps => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd()
})

interface CommonFlags {
  repo?: string
  base?: string
  head?: string
  json?: string
  verbose?: boolean
  comment?: boolean
  [flag: string]: unknown
}

/** Flags that map one-to-one onto settings (see config/flat-options.ts). */
const RUN_FLAGS: readonly [name: string, description: string][] = [
  ['provider', 'explorer (offline, free), openai (any OpenAI-compatible endpoint) or replay'],
  ['model', 'model name'],
  ['base-url', 'OpenAI-compatible endpoint URL'],
  ['max-cost-usd', 'hard cap on LLM spend for this run, in USD'],
  ['max-calls', 'maximum LLM calls in this run'],
  ['time-budget-minutes', 'wall-time budget in minutes'],
  ['depth', 'low, medium or high'],
  ['paths', 'comma-separated globs restricting the changed files considered'],
  ['exclude', 'comma-separated globs of files to leave alone'],
  ['test-framework', 'auto, jest or vitest'],
  ['test-dir', 'directory generated tests must be written under'],
  ['max-healing-rounds', 'healing rounds per failing candidate'],
  ['stability-runs', 'consecutive passing runs required'],
  ['concurrency', 'modules processed at once'],
  ['fail-on', 'never, budget-exceeded or coverage-below'],
  ['patch-coverage-threshold', 'patch coverage percentage for fail-on coverage-below'],
  ['config', 'config file path inside the repository (default .github/testmaster.yml)']
]

const PLAN_FLAGS = new Set([
  'model',
  'depth',
  'paths',
  'exclude',
  'test-framework',
  'test-dir',
  'config'
])

function addRepoOptions(command: Command): Command {
  return command
    .option('--repo <dir>', 'repository to work on', '.')
    .option('--base <ref>', "base ref of the change (default: the head's first parent)")
    .option('--head <ref>', 'head ref of the change', 'HEAD')
    .option('--json <file>', 'write the JSON report (run) or plan (plan) to this file')
    .option('--verbose', 'print every candidate and call, and stacks of errors')
}

function flatValues(flags: CommonFlags): FlatValues {
  const values: Record<string, string | undefined> = {}
  for (const [name] of RUN_FLAGS) {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    const value = flags[key]
    if (typeof value === 'string') values[name] = value
  }
  if (flags.dryRun) values['dry-run'] = 'true'
  return { kind: 'flag', values }
}

function apiKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  return env.TESTMASTER_API_KEY || env.OPENAI_API_KEY || undefined
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, 'utf8')
}

/**
 * The CLI delivers to the work tree: run() wrote the accepted tests there, and nothing is committed.
 * The report says so rather than "not run".
 */
function deliveredToWorkTree(report: Report): Report {
  const written = !report.settings.dryRun && report.tests.length > 0
  return {
    ...report,
    delivery: {
      mode: 'none',
      status: written ? 'delivered' : 'nothing-to-deliver',
      ...(written ? { detail: 'written to the work tree; the CLI does not commit' } : {}),
      files: report.tests.map((t) => t.path)
    },
    stages: report.stages.map((stage) =>
      stage.name === 'deliver'
        ? { name: 'deliver', status: written ? 'ran' : 'skipped', detail: 'work tree' }
        : stage
    )
  }
}

/**
 * The root of the git work tree holding `--repo` (default: the current directory), found as git
 * finds it, so the CLI works from any subdirectory or workspace package: changed paths are
 * repository-relative, and so is everything built from them.
 */
async function repositoryRoot(deps: CliDeps, flags: CommonFlags): Promise<string> {
  const start = resolve(deps.cwd, flags.repo ?? '.')
  const root = (await GitRepository.open(start)).root
  if (resolve(root) !== resolve(start) && !(await sameDirectory(root, start))) {
    deps.stderr.write(`repository root: ${root} (the change is planned across the repository)\n`)
  }
  return root
}

async function sameDirectory(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b))
  } catch {
    return false
  }
}

async function runCommand(
  flags: CommonFlags,
  deps: CliDeps,
  forced?: { provider?: string }
): Promise<Report> {
  const repoRoot = await repositoryRoot(deps, flags)
  const flat = flatValues({ ...flags, ...(forced?.provider ? { provider: forced.provider } : {}) })
  const resolved = await loadSettings({
    repoRoot,
    baseRef: flags.base,
    flat,
    overrides: {
      repo: repoRoot,
      ...(flags.base ? { base: flags.base } : {}),
      head: flags.head ?? 'HEAD',
      ...(flags.json ? { reportPath: resolve(deps.cwd, flags.json) } : {})
    }
  })
  const events = new EventBus()
  const mode = detectProgressMode(deps.env, Boolean(deps.stdout.isTTY))
  events.subscribe(
    createProgressListener(
      mode === 'actions' ? 'plain' : mode,
      { write: (t) => deps.stderr.write(t) },
      { verbose: Boolean(flags.verbose) }
    )
  )
  for (const clamp of resolved.clamps) {
    deps.stderr.write(
      `note: --${clamp.option} ${clamp.requested} is above the config file's cap; using ${clamp.cap}\n`
    )
  }
  const cancellation = cancelOnTermination((signal) =>
    deps.stderr.write(
      `${signal}: stopping; the tests accepted so far are kept (press Ctrl-C again to quit at once)\n`
    )
  )
  let ran: Report
  try {
    ran = await run({
      resolved,
      secrets: { apiKey: apiKeyFrom(deps.env) },
      events,
      runId: randomUUID(),
      signal: cancellation.signal
    })
  } finally {
    cancellation.dispose()
  }
  const report = deliveredToWorkTree(ran)
  events.emit('delivery', report.delivery)
  if (flags.json) await writeJson(resolve(deps.cwd, flags.json), report)
  const color = Boolean(deps.stdout.isTTY) && !deps.env.NO_COLOR && deps.env.TERM !== 'dumb'
  deps.stdout.write(
    flags.comment
      ? `${renderComment(report)}\n`
      : `${renderTerminal(report, { color, verbose: Boolean(flags.verbose) })}\n`
  )
  return report
}

async function planCommand(flags: CommonFlags, deps: CliDeps): Promise<void> {
  const repoRoot = await repositoryRoot(deps, flags)
  const resolved = await loadSettings({
    repoRoot,
    baseRef: flags.base,
    flat: flatValues(flags),
    overrides: { repo: repoRoot }
  })
  const { settings } = resolved
  const head = flags.head ?? 'HEAD'
  const plan = await planChange(
    await GitRepository.open(repoRoot),
    settings,
    flags.base ?? `${head}~1`,
    head
  )
  const out = {
    baseSha: plan.baseSha,
    headSha: plan.headSha,
    mergeBase: plan.mergeBase,
    model: settings.llm.model,
    estimatedCostUsd: estimatedPlanCost(plan),
    modules: plan.modules.map((m) => ({
      priority: m.priority,
      estimate: m.estimate,
      ...m.analysis
    })),
    skipped: plan.skipped,
    included: plan.included
  }
  if (flags.json) await writeJson(resolve(deps.cwd, flags.json), out)
  const unpriced = plan.modules.some((m) => m.estimate.priced === false)
  const cost = unpriced
    ? `no price known for ${settings.llm.model}, so no cost estimate (give one under llm.prices)`
    : `estimated $${out.estimatedCostUsd.toFixed(4)} with ${settings.llm.model}`
  const lines = [
    `Plan ${plan.mergeBase.slice(0, 8)}..${plan.headSha.slice(0, 8)}: ${plan.modules.length} module(s), ${cost}`
  ]
  for (const m of plan.modules) {
    const changed = m.analysis.exports.filter((e) => e.changed).map((e) => e.name)
    lines.push(
      `  ${m.analysis.path}  [${m.analysis.package.framework ?? 'no framework'}]  exports: ${m.analysis.exports.map((e) => e.name).join(', ') || '-'}${changed.length ? `  changed: ${changed.join(', ')}` : ''}  ~${m.estimate.promptTokens} tokens`
    )
    if (flags.verbose) {
      for (const e of m.analysis.exports) {
        for (const s of e.signatures ?? []) lines.push(`      ${s.text}`)
        const ctor = e.constructorSignature?.text
        if (ctor) lines.push(`      ${ctor.startsWith('new ') ? ctor : `new ${e.name}${ctor}`}`)
      }
    }
  }
  for (const s of plan.skipped) lines.push(`  skipped ${s.path}: ${s.reason}`)
  for (const i of plan.included)
    lines.push(
      `  included ${i.path} by the configured paths, although the rule "${i.rule}" skips it`
    )
  deps.stdout.write(`${lines.join('\n')}\n`)
}

/** Where to look after the demo: the repository is left for the reader to open. */
function demoEpilogue(root: string, report: Report): string {
  const lines = ['', `The demo repository is kept at ${root}`, `  cd ${root}`]
  lines.push('  git log --oneline --stat     # the base commit and the pull request')
  for (const test of report.tests) lines.push(`  cat ${test.path}`)
  lines.push('  git status                   # the generated tests, written but not committed')
  lines.push(`Remove it with: rm -rf ${root}`, '')
  return `${lines.join('\n')}\n`
}

/** Builds the CLI program; `run` and friends are injected through `deps` for tests. */
export function buildProgram(deps: CliDeps, setExit: (code: number) => void): Command {
  const program = new Command('testmaster')
    .description(
      'Generates reliable, coverage-adding unit tests for the changed modules of a change, under a hard cost budget.'
    )
    .version(TOOL_VERSION, '-V, --version')
    .configureOutput({
      writeOut: (t) => deps.stdout.write(t),
      writeErr: (t) => deps.stderr.write(t)
    })
    .exitOverride()
    .showHelpAfterError()

  const withRunFlags = (command: Command): Command => {
    addRepoOptions(command)
    for (const [name, description] of RUN_FLAGS)
      command.addOption(new Option(`--${name} <value>`, description))
    return command
      .option('--dry-run', 'plan and estimate only: no LLM call, no test written')
      .option('--comment', 'print the PR comment markdown instead of the terminal summary')
  }

  const gateExit = (report: Report): void =>
    setExit(report.gate.failed ? EXIT_CODES.gateFailed : EXIT_CODES.ok)

  withRunFlags(
    program
      .command('run')
      .description('generate tests for the changed modules between --base and --head')
  ).action(async (flags: CommonFlags) => {
    gateExit(await runCommand(flags, deps))
  })
  withRunFlags(
    program.command('explore').description('run the offline explorer only (no API key, zero cost)')
  ).action(async (flags: CommonFlags) => {
    gateExit(await runCommand(flags, deps, { provider: 'explorer' }))
  })
  const plan = addRepoOptions(
    program
      .command('plan')
      .description('list the changed modules, their exports and the estimated cost')
  )
  // The flags that change what is planned or what it costs.
  for (const [name, description] of RUN_FLAGS.filter(([name]) => PLAN_FLAGS.has(name)))
    plan.addOption(new Option(`--${name} <value>`, description))
  plan.action(async (flags: CommonFlags) => {
    await planCommand(flags, deps)
  })
  program
    .command('demo')
    .description(
      'create the demo repository in a temp dir, run the offline explorer on its pull request, and keep the repository to look at'
    )
    .option('--clean', 'remove the demo repository afterwards')
    .option('--keep', 'keep the demo repository (the default; kept for older scripts)')
    .option('--json <file>', 'write the JSON report to this file')
    .option('--comment', 'print the PR comment markdown instead of the terminal summary')
    .option('--verbose', 'print every candidate')
    .action(
      async (flags: { clean?: boolean; json?: string; verbose?: boolean; comment?: boolean }) => {
        const demo = await createDemoRepository()
        let report: Report | undefined
        try {
          deps.stderr.write(
            `Demo repository: ${demo.root} (base ${demo.base.slice(0, 8)}, PR head ${demo.head.slice(0, 8)})\n`
          )
          report = await runCommand(
            {
              repo: demo.root,
              base: demo.base,
              head: 'HEAD',
              json: flags.json,
              verbose: flags.verbose,
              comment: flags.comment
            },
            deps,
            { provider: 'explorer' }
          )
          gateExit(report)
        } finally {
          if (flags.clean) await demo.remove()
        }
        if (!flags.clean) deps.stdout.write(demoEpilogue(demo.root, report))
      }
    )
  return program
}

/** Runs the CLI; returns the exit code (documented in the README). */
export async function main(
  argv: readonly string[],
  deps: CliDeps = defaultDeps()
): Promise<number> {
  let exitCode: number = EXIT_CODES.ok
  const program = buildProgram(deps, (code) => (exitCode = code))
  const verbose = argv.includes('--verbose')
  try {
    await program.parseAsync([...argv])
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage
    }
    deps.stderr.write(`${formatError(error, verbose)}\n`)
    return exitCodeFor(error)
  }
}
