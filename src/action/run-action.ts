import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { isGeneratedTestPath } from '../analysis/test-location.js'
import { addRun, emptyLedger, ledgerTotal } from '../budget/ledger.js'
import { loadSettings } from '../config/load-settings.js'
import type { FlatValues, ResolvedConfig } from '../config/resolve-config.js'
import type { Settings } from '../config/schema.js'
import { ConfigError, formatError, isTestMasterError, messageOf } from '../errors.js'
import { EventBus } from '../events/event-bus.js'
import { createProgressListener } from '../events/progress-listener.js'
import { isBotOnlyCommit } from '../git/bot-commits.js'
import { checkoutDetached, fetchPullRequest } from '../git/pull-request-checkout.js'
import { guardRunnerFiles } from './runner-command-files.js'
import { SecretGuard } from '../report/secret-guard.js'
import { recordFailedRunSpend } from './failed-run.js'
import { cancelOnTermination } from '../cancellation.js'
import { currentIsolation, isolationRefusal } from '../runner/isolation.js'
import { checkRunContent, postCheckRun } from '../github/check-run.js'
import { createGitHubClient, statusOf, type GitHubClient } from '../github/client.js'
import { COMMAND_HELP, parseCommentCommand, type Command } from '../github/comment-commands.js'
import { checkCommandPermission } from '../github/permissions.js'
import { getPullRequest, replyOnPullRequest, setLabel } from '../github/pull-requests.js'
import { react } from '../github/reactions.js'
import {
  buildStickyBody,
  commentWanted,
  findStickyComment,
  tokenLogin,
  upsertStickyComment,
  type StickyComment,
  type StickyState
} from '../github/sticky-comment.js'
import type { PullRequestInfo, RepoRef, TriggerEvent } from '../github/trigger-event.js'
import { formatUsd, renderComment } from '../report/render-comment.js'
import { renderSummary } from '../report/render-summary.js'
import type { Report } from '../report/report-schema.js'
import { deliverTests, type Delivered } from './deliver.js'
import { readEvent } from './read-event.js'
import { readInputs, type ActionInputs } from './read-inputs.js'

/**
 * The action: event → (who asked, which PR, which SHA) → config from the base ref → run() →
 * deliver → sticky comment, check run, job summary, outputs. Every phase is a log group.
 */

const RUN_EVENTS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review'])

/** Why the action stopped without running, or what it ran for. */
interface Trigger {
  readonly repo: RepoRef
  readonly number: number
  /** The command that asked, when a comment did. */
  readonly command?: Command
  readonly commentId?: number
  /** The SHA the user pinned (`sha=`, workflow_dispatch `sha`). */
  readonly requestedSha?: string
  readonly eventKind: TriggerEvent['kind']
  readonly action?: string
  /** Flat values from the command (`--budget`, `--depth`, paths) over the inputs. */
  readonly commandFlat: Record<string, string>
}

export interface RunActionOptions {
  readonly env?: NodeJS.ProcessEnv
  /** Test hook: called before each push attempt (races in e2e are made by the fake remote instead). */
  readonly beforePush?: (attempt: number) => Promise<void>
}

/** The entry: never throws; failures end in `core.setFailed`. */
export async function runAction(options: RunActionOptions = {}): Promise<void> {
  try {
    const failure = await execute(options)
    if (failure) core.setFailed(failure)
  } catch (error) {
    core.setFailed(formatError(error, core.isDebug()))
  }
}

function runIdFrom(env: NodeJS.ProcessEnv): string {
  const id = env.GITHUB_RUN_ID
  if (id && /^\d+$/.test(id))
    return `gh-${id}-${/^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1'}`
  return `local-${randomUUID()}`
}

async function group<T>(name: string, work: () => Promise<T>): Promise<T> {
  core.startGroup(name)
  try {
    return await work()
  } finally {
    core.endGroup()
  }
}

/** A reply that never fails the run (a fork's read-only token answers 403). */
async function tryReply(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  body: string
): Promise<void> {
  try {
    await replyOnPullRequest(client, repo, number, body)
  } catch (error) {
    core.warning(`could not reply on #${number}: ${messageOf(error)}`)
  }
}

async function finishReaction(client: GitHubClient, trigger: Trigger, ok: boolean): Promise<void> {
  if (trigger.commentId !== undefined)
    await react(client, trigger.repo, trigger.commentId, ok ? 'rocket' : 'confused')
}

function commandFlat(command: Command): Record<string, string> {
  const flat: Record<string, string> = {}
  if (command.name === 'regenerate') {
    if (command.budgetUsd !== undefined) flat['max-cost-usd'] = String(command.budgetUsd)
    if (command.depth) flat.depth = command.depth
    if (command.paths.length > 0) flat.paths = command.paths.join(',')
  }
  return flat
}

/** Decides from the event alone whether to go on; returns undefined after a notice when not. */
function triggerFrom(event: TriggerEvent): Trigger | undefined {
  switch (event.kind) {
    case 'unsupported':
      core.notice(
        `TestMaster does not act on the ${event.name} event; use pull_request, issue_comment or workflow_dispatch.`
      )
      return undefined
    case 'pull_request':
    case 'pull_request_target':
      if (!RUN_EVENTS.has(event.action)) {
        core.notice(`TestMaster ignores pull_request action ${event.action}.`)
        return undefined
      }
      return {
        repo: event.repo,
        number: event.pullRequest.number,
        eventKind: event.kind,
        action: event.action,
        commandFlat: {}
      }
    case 'issue_comment': {
      // SECURITY 4, 5, 6: only new comments, on pull requests, by people.
      if (event.action !== 'created') {
        core.notice(`TestMaster ignores ${event.action} comments.`)
        return undefined
      }
      if (!event.isPullRequest) {
        core.notice('TestMaster ignores comments on issues that are not pull requests.')
        return undefined
      }
      if (event.author.type === 'Bot' || event.author.login.endsWith('[bot]')) {
        core.notice(`TestMaster ignores comments by bots (${event.author.login}).`)
        return undefined
      }
      const parsed = parseCommentCommand(event.body)
      if (parsed.kind === 'none') {
        core.notice('The comment is not a /testmaster command.')
        return undefined
      }
      const command: Command = parsed.kind === 'command' ? parsed.command : { name: 'help' }
      return {
        repo: event.repo,
        number: event.issueNumber,
        command,
        commentId: event.commentId,
        eventKind: 'issue_comment',
        commandFlat: commandFlat(command),
        ...(parsed.kind === 'invalid' ? { action: `invalid: ${parsed.reason}` } : {}),
        ...('sha' in command && command.sha ? { requestedSha: command.sha } : {})
      }
    }
    case 'workflow_dispatch':
      if (event.prNumber === undefined) {
        throw new ConfigError(
          'DISPATCH_PR_MISSING',
          'workflow_dispatch needs the pull request number in the input pr-number',
          'add `pr-number` to the workflow_dispatch inputs and pass it'
        )
      }
      return {
        repo: event.repo,
        number: event.prNumber,
        command: { name: 'regenerate', paths: [] },
        eventKind: 'workflow_dispatch',
        commandFlat: {},
        ...(event.sha ? { requestedSha: event.sha } : {})
      }
  }
}

function shaMatches(requested: string | undefined, actual: string): boolean {
  return requested === undefined || actual.toLowerCase().startsWith(requested.toLowerCase())
}

async function execute(options: RunActionOptions): Promise<string | undefined> {
  const env = options.env ?? process.env
  const inputs = readInputs()
  // Every secret the job holds, searched for in everything that leaves (SECURITY 37).
  const guard = SecretGuard.fromEnvironment(env, [inputs.apiKey, inputs.githubToken])
  const event = await readEvent(env)
  const trigger = triggerFrom(event)
  if (!trigger) return undefined
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const runId = runIdFrom(env)
  const client = createGitHubClient({
    token: inputs.githubToken,
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    log: (m) => core.warning(m)
  })
  const selfLogin = await tokenLogin(client)
  if (
    event.kind === 'issue_comment' &&
    selfLogin &&
    event.author.login.toLowerCase() === selfLogin.toLowerCase()
  ) {
    core.notice('TestMaster ignores its own comments.')
    return undefined
  }

  // Pin the head now (TOCTOU: SECURITY 11); for a pull_request event the payload is the pin.
  const pr: PullRequestInfo =
    event.kind === 'pull_request' || event.kind === 'pull_request_target'
      ? event.pullRequest
      : await group('Read the pull request', () =>
          getPullRequest(client, trigger.repo, trigger.number)
        )
  const pinned = pr.headSha

  // Base and head objects only: fetching never runs the PR's code.
  const fetched = await group('Fetch the pull request', () =>
    fetchPullRequest(workspace, {
      number: pr.number,
      baseRef: pr.baseRef,
      baseSha: pr.baseSha,
      headSha: pinned
    })
  )
  const resolved = await group('Load the configuration (base branch)', () =>
    resolveSettings(workspace, pr, inputs, trigger.commandFlat)
  )
  const settings = resolved.settings

  if (trigger.command) {
    if ((await handleCommandGate(client, trigger, event, pr, settings)) === 'stop') return undefined
  } else {
    const stop = await pullRequestGate(event, pr, settings)
    if (stop) return stop.failure
  }
  const isolationStop = await isolationGate(client, trigger, event, pr, settings, inputs)
  if (isolationStop) return isolationStop
  if (fetched.status === 'head-moved' || !shaMatches(trigger.requestedSha, pinned)) {
    const detail = `the pull request head is ${(fetched.status === 'head-moved' ? fetched.fetchedHeadSha : pinned).slice(0, 12)}, not the ${(trigger.requestedSha ?? pinned).slice(0, 12)} this run was asked for; nothing ran`
    core.warning(detail)
    if (trigger.commentId !== undefined) {
      await tryReply(
        client,
        trigger.repo,
        pr.number,
        `TestMaster stopped: ${detail}. Comment the command again to run on the new head.`
      )
      await finishReaction(client, trigger, false)
    }
    return undefined
  }

  // No loops (SECURITY 28): a head commit of ours (trailer and only generated tests) gets its check run.
  if (
    trigger.eventKind === 'pull_request' &&
    (await isBotOnlyCommit(workspace, pinned, isGeneratedTestPath))
  ) {
    core.notice('The head commit is TestMaster’s own (TestMaster-Run trailer): no new generation.')
    await tryCheckRun(client, trigger.repo, pinned, {
      conclusion: 'success',
      title: 'Tests committed by TestMaster',
      summary: 'The head commit carries the TestMaster-Run trailer, so no new generation ran.'
    })
    return undefined
  }

  let ledgerUnreadable: string | undefined
  const sticky = await group('Read the PR ledger', async () => {
    try {
      return await findStickyComment(client, trigger.repo, pr.number, selfLogin)
    } catch (error) {
      ledgerUnreadable = messageOf(error)
      core.warning(ledgerUnreadable)
      return undefined
    }
  })
  if (sticky?.stateUnreadable)
    ledgerUnreadable = 'the ledger block of the TestMaster comment is missing or damaged'
  const state: StickyState = sticky?.state ?? { ledger: emptyLedger() }
  const raised =
    state.prBudgetUsd !== undefined
      ? await raisePrBudget(workspace, pr, inputs, trigger.commandFlat, state.prBudgetUsd)
      : resolved
  // What earlier runs spent is unknown: an LLM run could pass the PR budget, the explorer cannot.
  const explorerOnly = ledgerUnreadable !== undefined && raised.settings.budget.prUsd !== undefined
  const effective: ResolvedConfig = explorerOnly
    ? {
        ...raised,
        settings: { ...raised.settings, llm: { ...raised.settings.llm, provider: 'explorer' } }
      }
    : raised
  const prSpentBeforeUsd = ledgerTotal(state.ledger, runId)

  await group('Check out the pull request head', () => checkoutDetached(workspace, pinned))
  const events = new EventBus()
  events.subscribe(
    createProgressListener('actions', { write: (text) => process.stdout.write(text) })
  )
  // What the run has spent or holds for calls in flight, kept here in case run() throws.
  let spentUpToUsd = 0
  const trackSpend = (budget: { spentUsd: number; reservedUsd: number }): void => {
    spentUpToUsd = budget.spentUsd + budget.reservedUsd
  }
  events.subscribe({
    'budget:reserved': trackSpend,
    'budget:settled': trackSpend,
    'budget:released': trackSpend
  })
  let report: Report
  const guardedFiles = await guardRunnerFiles(env, workspace)
  let unrestored: string[] = []
  const cancellation = cancelOnTermination((signal) =>
    core.warning(
      `${signal}: the job is being cancelled; stopping the run, keeping the accepted tests and recording the spend.`
    )
  )
  try {
    // Loaded only when a run happens: refusals and notices never load the pipeline (TypeScript etc.).
    const { run } = await import('../run.js')
    report = await run({
      resolved: effective,
      secrets: inputs.apiKey ? { apiKey: inputs.apiKey } : {},
      events,
      runId,
      prSpentBeforeUsd,
      headSha: pinned,
      mode: trigger.command?.name === 'heal' ? 'heal' : 'generate',
      signal: cancellation.signal,
      secretGuard: guard
    })
  } catch (error) {
    if (spentUpToUsd > 0) {
      await recordFailedRunSpend(client, trigger.repo, pr.number, sticky, state, {
        runId,
        message: messageOf(error),
        spentUsd: spentUpToUsd,
        prBudgetUsd: effective.settings.budget.prUsd,
        secrets: [inputs.apiKey, inputs.githubToken]
      })
    }
    await finishReaction(client, trigger, false)
    throw error
  } finally {
    unrestored = (await guardedFiles.restore()).failed
  }

  const runReport = report
  const delivered = await group('Deliver the tests', () =>
    deliverTests({
      report,
      settings: effective.settings,
      client,
      repo: trigger.repo,
      pullRequest: pr,
      pinnedSha: pinned,
      workspace,
      runId,
      secretGuard: guard,
      ...(trigger.command
        ? {
            currentHeadSha: async () =>
              (await getPullRequest(client, trigger.repo, pr.number)).headSha
          }
        : {}),
      ...(options.beforePush ? { beforePush: options.beforePush } : {})
    }).catch((error: unknown) => deliveryFailed(runReport, effective.settings, error))
  )
  report = delivered.report
  events.emit('delivery', report.delivery)
  const ledger = addRun(state.ledger, {
    id: runId,
    costUsd: report.budget.spentUsd,
    at: new Date().toISOString()
  })
  const prSpentUsd = ledgerTotal(ledger)
  const prBudgetUsd = effective.settings.budget.prUsd
  const notes = [...delivered.notes]
  if (explorerOnly) {
    notes.push(
      `The PR ledger could not be read (${ledgerUnreadable}), so what earlier runs spent is unknown: this run used the free explorer only, to stay within the PR budget.`
    )
  }
  if (trigger.command?.name === 'heal') notes.push(healNote(report))
  const context = {
    prSpentUsd,
    ...(prBudgetUsd !== undefined ? { prBudgetUsd } : {}),
    prRuns: ledger.runs.length,
    includeTests: delivered.testsInComment
  }

  const commentUrl = await group('Update the TestMaster comment', () =>
    writeStickyComment(
      client,
      trigger.repo,
      pr.number,
      sticky,
      report,
      { ...context, notes },
      { ...state, ledger },
      effective.settings,
      notes,
      guard
    )
  )
  await group('Post the budget gate check run', () =>
    tryCheckRun(
      client,
      trigger.repo,
      pinned,
      guard.redactDeep(checkRunContent(report), 'check run')
    )
  )
  await core.summary
    .addRaw(guard.redact(renderSummary(report, { ...context, notes }), 'job summary'))
    .write()
  const reportPath = await writeReport(report, effective.settings, env, workspace, guard)
  setOutputs(report, reportPath, commentUrl)
  await finishReaction(
    client,
    trigger,
    report.delivery.status !== 'failed' && report.delivery.status !== 'head-moved'
  )
  if (report.delivery.status === 'failed' || report.delivery.status === 'head-moved')
    core.warning(
      `TestMaster did not deliver the tests: ${report.delivery.detail ?? report.delivery.status}`
    )
  if (unrestored.length > 0)
    return `TestMaster could not undo what the tests changed in ${unrestored.join('; ')}: later steps of this job must not be trusted`
  if (report.gate.failed) return `TestMaster gate failed: ${report.gate.reasons.join('; ')}`
  return undefined
}

/** What `/testmaster heal` did to the tests TestMaster committed earlier. */
function healNote(report: Report): string {
  // Modules whose earlier tests TestMaster re-ran and ended with this verdict.
  const previousEnded = (status: 'accepted' | 'rejected') =>
    report.modules.filter((m) =>
      m.candidates.some((c) => c.id === 'previous' && c.verdict.status === status)
    )
  const failedEarlier = previousEnded('rejected')
  const replaced = failedEarlier.filter((m) => m.testFile).map((m) => m.path)
  const stillFailing = failedEarlier.filter((m) => !m.testFile).map((m) => m.path)
  const parts = [
    'Heal only: the tests TestMaster committed earlier were re-run; no tests were generated for other modules.'
  ]
  // A previous candidate is reported only when something happened to it: healed, or failing.
  const healed = previousEnded('accepted').map((m) => m.path)
  if (healed.length > 0) parts.push(`The tests of ${healed.join(', ')} failed and were healed.`)
  if (healed.length === 0 && failedEarlier.length === 0) parts.push('They all still pass.')
  if (replaced.length > 0)
    parts.push(
      `The tests of ${replaced.join(', ')} now failed and could not be healed, so they were replaced by new explorer tests of the code as it is now.`
    )
  if (stillFailing.length > 0)
    parts.push(
      `The tests of ${stillFailing.join(', ')} now fail and could not be healed or replaced (see the rejected candidates), so they are still on the branch as they were.`
    )
  return parts.join(' ')
}

/**
 * A delivery that threw (git or API trouble): the run's tests are not lost, they go folded into
 * the comment and the report, and the failure is reported there.
 */
function deliveryFailed(report: Report, settings: Readonly<Settings>, error: unknown): Delivered {
  const detail = formatError(error).split('\n')[0] ?? 'delivery failed'
  core.warning(detail)
  return {
    report: {
      ...report,
      delivery: {
        mode: settings.delivery,
        status: 'failed',
        detail,
        files: report.tests.map((t) => t.path)
      }
    },
    testsInComment: true,
    notes: []
  }
}

async function resolveSettings(
  workspace: string,
  pr: PullRequestInfo,
  inputs: ActionInputs,
  extra: Record<string, string>,
  overrides: Record<string, unknown> = {}
): Promise<ResolvedConfig> {
  const flat: FlatValues = { kind: 'input', values: inputs.flat.values }
  const resolved = await loadSettings({
    repoRoot: workspace,
    baseRef: pr.baseSha,
    flat,
    // A comment's budget is clamped to the workflow's inputs as well as the base config (SECURITY 40).
    command: extra,
    overrides: { repo: workspace, base: pr.baseSha, head: pr.headSha, ...overrides }
  })
  for (const clamp of resolved.clamps)
    core.notice(
      clamp.source === 'command'
        ? `the command asked for ${clamp.option} ${clamp.requested}; clamped to ${clamp.cap}, the workflow's value (a comment can lower a budget limit, never raise it)`
        : `input ${clamp.option} asked for ${clamp.requested}; clamped to ${clamp.cap} by the base branch config`
    )
  core.debug(`settings: ${JSON.stringify(resolved.settings)}`)
  return resolved
}

/** The PR budget raised by `/testmaster budget`, never above the base config's maximum. */
async function raisePrBudget(
  workspace: string,
  pr: PullRequestInfo,
  inputs: ActionInputs,
  extra: Record<string, string>,
  raised: number
): Promise<ResolvedConfig> {
  const base = await resolveSettings(workspace, pr, inputs, extra)
  const max = base.settings.budget.maxPrUsd
  if (max === undefined) return base
  const prUsd = Math.min(raised, max)
  return resolveSettings(workspace, pr, inputs, extra, {
    budget: { ...base.settings.budget, prUsd }
  })
}

/** Stops a pull_request run that should not run; returns the failure text when it must fail. */
async function pullRequestGate(
  event: TriggerEvent,
  pr: PullRequestInfo,
  settings: Readonly<Settings>
): Promise<{ failure?: string } | undefined> {
  if (event.kind === 'pull_request_target' && !settings.github.allowPullRequestTarget) {
    // SECURITY 10: pull_request_target runs with the base repo's secrets and a write token; running
    // the PR's code there would hand both to whoever opened the PR.
    const why =
      'TestMaster refuses to run under pull_request_target: that event carries the repository secrets and a write token, and generating tests executes the pull request code. Use the pull_request event (fork PRs then get a read-only token and no secrets), or set github.allow-pull-request-target in the base branch config if you accept the risk.'
    await core.summary.addRaw(`## TestMaster\n\n${why}\n`).write()
    return { failure: why }
  }
  if (pr.labels.includes(settings.github.skipLabel)) {
    core.notice(
      `The pull request has the ${settings.github.skipLabel} label: TestMaster is off for it.`
    )
    return {}
  }
  if (pr.draft && settings.github.skipDrafts) {
    core.notice('The pull request is a draft: TestMaster runs when it is ready for review.')
    return {}
  }
  return undefined
}

/**
 * No PR code runs with secrets it could take without a sandbox: modes that hand them to fork code
 * refuse to start there (SECURITY 31-33). A same-repo PR still runs (its author can change the
 * workflow anyway) with a warning here and in the comment. Returns the failure when refused.
 */
async function isolationGate(
  client: GitHubClient,
  trigger: Trigger,
  event: TriggerEvent,
  pr: PullRequestInfo,
  settings: Readonly<Settings>,
  inputs: ActionInputs
): Promise<string | undefined> {
  const isolation = currentIsolation()
  core.info(isolation.mechanism === 'none' ? 'Sandbox: none' : `Sandbox: ${isolation.detail}`)
  // A dry run plans and estimates only: no code of the PR runs.
  if (settings.dryRun) return undefined
  const refusal = isolationRefusal(isolation, {
    fork: pr.isFork,
    llmKey: Boolean(inputs.apiKey) && settings.llm.provider !== 'explorer',
    // A comment run carries the secrets and a write token; a fork's pull_request run has neither.
    allowForks: trigger.command !== undefined && settings.github.allowForks,
    pullRequestTarget: event.kind === 'pull_request_target'
  })
  if (!refusal) {
    if (isolation.mechanism === 'none')
      core.warning(`The tests run without a sandbox: ${isolation.detail}.`)
    return undefined
  }
  await core.summary.addRaw(`## TestMaster\n\n${refusal}\n`).write()
  if (trigger.commentId !== undefined) {
    await tryReply(client, trigger.repo, pr.number, refusal)
    await finishReaction(client, trigger, false)
  }
  return refusal
}

/**
 * Commands: permission first (SECURITY 1-3), then help/skip/resume/budget, then the run's own
 * refusals (fork PRs: SECURITY 8). Returns 'run' to go on.
 */
async function handleCommandGate(
  client: GitHubClient,
  trigger: Trigger,
  event: TriggerEvent,
  pr: PullRequestInfo,
  settings: Readonly<Settings>
): Promise<'run' | 'stop'> {
  const command = trigger.command
  if (!command) return 'run'
  const repo = trigger.repo
  if (event.kind === 'issue_comment') {
    const check = await checkCommandPermission(
      client,
      repo,
      event.author.login,
      settings.github.commandPermissions
    )
    if (!check.allowed) {
      core.notice(`@${event.author.login} (${check.role}) may not run TestMaster commands.`)
      await tryReply(
        client,
        repo,
        pr.number,
        `Sorry, only users with ${settings.github.commandPermissions.join(', ')} permission on this repository can run TestMaster commands. Nothing was run.`
      )
      return 'stop'
    }
  }
  if (trigger.commentId !== undefined) await react(client, repo, trigger.commentId, 'eyes')
  if (trigger.action?.startsWith('invalid: ')) {
    await tryReply(
      client,
      repo,
      pr.number,
      `TestMaster did not understand that: ${trigger.action.slice('invalid: '.length)}.\n\n${COMMAND_HELP}`
    )
    await finishReaction(client, trigger, false)
    return 'stop'
  }
  switch (command.name) {
    case 'help':
      await tryReply(client, repo, pr.number, COMMAND_HELP)
      await finishReaction(client, trigger, true)
      return 'stop'
    case 'skip':
    case 'resume':
      await setLabel(client, repo, pr.number, settings.github.skipLabel, command.name === 'skip')
      await tryReply(
        client,
        repo,
        pr.number,
        command.name === 'skip'
          ? `TestMaster is off for this pull request (label ${settings.github.skipLabel}). Comment \`/testmaster resume\` to turn it on again.`
          : 'TestMaster is on again for this pull request.'
      )
      await finishReaction(client, trigger, true)
      return 'stop'
    case 'budget':
      await raiseBudgetCommand(client, trigger, pr, settings, command.usd)
      return 'stop'
    case 'regenerate':
    case 'heal':
      break
  }
  if (pr.labels.includes(settings.github.skipLabel)) {
    await tryReply(
      client,
      repo,
      pr.number,
      `TestMaster is off for this pull request (label ${settings.github.skipLabel}); comment \`/testmaster resume\` first.`
    )
    await finishReaction(client, trigger, false)
    return 'stop'
  }
  if (pr.isFork && !settings.github.allowForks) {
    // SECURITY 8: a comment run carries the repository's secrets and a write token; a fork's code
    // must not run there unless the base config says so.
    await tryReply(
      client,
      repo,
      pr.number,
      'TestMaster does not run commands on pull requests from forks: a comment-triggered run has the repository secrets and a write token, and generating tests executes the pull request code. The pull_request workflow still runs on this PR with a read-only token. A maintainer can enable fork commands with `github.allow-forks: true` in the base branch config.'
    )
    await finishReaction(client, trigger, false)
    return 'stop'
  }
  return 'run'
}

async function raiseBudgetCommand(
  client: GitHubClient,
  trigger: Trigger,
  pr: PullRequestInfo,
  settings: Readonly<Settings>,
  usd: number
): Promise<void> {
  const max = settings.budget.maxPrUsd
  if (max === undefined || usd > max) {
    const why =
      max === undefined
        ? 'no maximum is set (`budget.max-pr-usd` in the base branch config)'
        : `the maximum is ${formatUsd(max)} (\`budget.max-pr-usd\`)`
    await tryReply(
      client,
      trigger.repo,
      pr.number,
      `TestMaster cannot raise this pull request's budget to ${formatUsd(usd)}: ${why}.`
    )
    await finishReaction(client, trigger, false)
    return
  }
  const sticky = await findStickyComment(client, trigger.repo, pr.number, await tokenLogin(client))
  const state: StickyState = { ledger: sticky?.state.ledger ?? emptyLedger(), prBudgetUsd: usd }
  const visible = sticky
    ? sticky.body
        .split('\n')
        .slice(1)
        .join('\n')
        .replace(/\n*<!-- testmaster:state [^>]*-->\s*$/, '')
    : `ℹ️ **TestMaster**: the budget of this pull request is ${formatUsd(usd)}.`
  await upsertStickyComment(
    client,
    trigger.repo,
    pr.number,
    buildStickyBody(visible, state),
    sticky
  )
  await tryReply(
    client,
    trigger.repo,
    pr.number,
    `TestMaster: the budget of this pull request is now ${formatUsd(usd)}. Comment \`/testmaster regenerate\` to run with it.`
  )
  await finishReaction(client, trigger, true)
}

/** Dry run: the estimate against what is left of the PR budget (the run budget is in report.gate). */
async function writeStickyComment(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  sticky: StickyComment | undefined,
  report: Report,
  context: Parameters<typeof renderComment>[1],
  state: StickyState,
  settings: Readonly<Settings>,
  notes: string[],
  guard: SecretGuard
): Promise<string | undefined> {
  if (sticky && !commentWanted(settings.github.commentMode, true, report)) {
    core.info('Nothing changed since the last comment (comment-mode on-change).')
    return sticky.htmlUrl
  }
  try {
    const outcome = await upsertStickyComment(
      client,
      repo,
      number,
      guard.redact(buildStickyBody(renderComment(report, context), state), 'comment'),
      sticky
    )
    core.info(`TestMaster comment ${outcome.status}: ${outcome.htmlUrl}`)
    return outcome.htmlUrl
  } catch (error) {
    // A fork PR's token cannot comment (403): the job summary is then our voice (SECURITY 9).
    const status = statusOf(isTestMasterError(error) ? error.cause : error)
    const text =
      status === 403
        ? 'The token cannot comment on this pull request (a fork PR has a read-only token): the result is in this job summary.'
        : `The TestMaster comment could not be written: ${messageOf(error)}`
    core.warning(text)
    notes.push(text)
    return undefined
  }
}

async function tryCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  sha: string,
  content: ReturnType<typeof checkRunContent>
): Promise<void> {
  try {
    await postCheckRun(client, repo, sha, content)
  } catch (error) {
    core.warning(`${messageOf(error)} (the job status carries the gate instead)`)
  }
}

async function writeReport(
  report: Report,
  settings: Readonly<Settings>,
  env: NodeJS.ProcessEnv,
  workspace: string,
  guard: SecretGuard
): Promise<string> {
  const path = settings.reportPath
    ? isAbsolute(settings.reportPath)
      ? settings.reportPath
      : join(workspace, settings.reportPath)
    : join(env.RUNNER_TEMP || tmpdir(), `testmaster-report-${report.runId}.json`)
  await mkdir(dirname(path), { recursive: true })
  const redacted = guard.redactDeep(report, 'report')
  // The report says where secrets were found, its own copy included.
  const findings = guard.findings()
  const written = findings.length > 0 ? { ...redacted, secretsRedacted: findings } : redacted
  await writeFile(path, `${JSON.stringify(written, null, 2)}\n`)
  if (findings.length > 0)
    core.warning(
      `A secret value was found and redacted in: ${findings.map((f) => `${f.surface} (${f.count})`).join(', ')}`
    )
  return path
}

function setOutputs(report: Report, reportPath: string, commentUrl: string | undefined): void {
  const t = report.totals
  const out = (name: string, value: string | number | boolean | undefined): void => {
    const text = value === undefined ? '' : String(value)
    core.setOutput(name, text)
    core.info(`output ${name}=${text}`)
  }
  out('tests-accepted', t.accepted)
  out('tests-rejected', t.rejected)
  out('cost-usd', report.budget.spentUsd.toFixed(6))
  out('coverage-before', t.coverageBefore?.lines.pct)
  out('coverage-after', t.coverageAfter?.lines.pct)
  out('patch-coverage-before', t.patchCoverageBefore?.lines.pct)
  out('patch-coverage-after', t.patchCoverageAfter?.lines.pct)
  out('budget-exceeded', report.budget.exceeded)
  out('report-path', reportPath)
  out('comment-url', commentUrl)
  out('commit-sha', report.delivery.commitSha)
}
