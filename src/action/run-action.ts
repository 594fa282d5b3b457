import * as core from '@actions/core'
import type { Settings } from '../config/schema.js'
import { formatError } from '../errors.js'
import { createGitHubClient } from '../github/client.js'
import { getPullRequest } from '../github/pull-requests.js'
import { tokenLogin } from '../github/sticky-comment.js'
import { fetchPullRequest, type FetchOutcome } from '../git/pull-request-checkout.js'
import { SecretGuard } from '../report/secret-guard.js'
import { resolveSettings } from './action-settings.js'
import { handleCommandGate } from './command-gate.js'
import { deliverPhase } from './deliver-phase.js'
import { group, runIdFrom, type Job, type PinnedJob } from './job.js'
import { readPrLedger } from './pr-ledger.js'
import { publishPhase } from './publish-phase.js'
import { readEvent } from './read-event.js'
import { readInputs } from './read-inputs.js'
import { botCommitGate, headMovedGate, isolationGate, pullRequestGate } from './run-gates.js'
import { testPhase } from './test-phase.js'
import { triggerFrom } from './trigger.js'

/**
 * The action: event → (who asked, which PR, which SHA) → config from the base ref → gates → run()
 * → deliver → sticky comment, check run, job summary, outputs. Every phase is a log group.
 */

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

/** The phases of one job, top to bottom. Returns the job's failure, if it fails. */
async function execute(options: RunActionOptions): Promise<string | undefined> {
  const job = await startJob(options.env ?? process.env)
  if (!job) return undefined
  const { pinned, fetched } = await pinPullRequest(job)
  const resolved = await group('Load the configuration (base branch)', () =>
    resolveSettings(job.workspace, pinned.pr, job.inputs, job.trigger.commandFlat)
  )
  const admission = await admit(pinned, fetched, resolved.settings)
  if (admission.stop) return admission.failure
  const ledger = await readPrLedger(pinned, resolved)
  const tested = await testPhase(pinned, ledger)
  const delivered = await deliverPhase(
    pinned,
    tested.report,
    ledger.effective.settings,
    options.beforePush
  )
  return publishPhase(pinned, ledger, delivered, tested.events, tested.unrestored)
}

/** Inputs, event and client; undefined when the event is not for us (after a notice). */
async function startJob(env: NodeJS.ProcessEnv): Promise<Job | undefined> {
  const inputs = readInputs()
  const guard = SecretGuard.fromEnvironment(env, [inputs.apiKey, inputs.githubToken])
  const event = await readEvent(env)
  const trigger = triggerFrom(event)
  if (!trigger) return undefined
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
  return {
    env,
    inputs,
    guard,
    event,
    trigger,
    client,
    selfLogin,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runId: runIdFrom(env)
  }
}

/**
 * The head pinned now (TOCTOU: SECURITY 11; for a pull_request event the payload is the pin), and
 * the base and head objects fetched: fetching never runs the PR's code.
 */
async function pinPullRequest(job: Job): Promise<{ pinned: PinnedJob; fetched: FetchOutcome }> {
  const { event, trigger } = job
  const pr =
    event.kind === 'pull_request' || event.kind === 'pull_request_target'
      ? event.pullRequest
      : await group('Read the pull request', () =>
          getPullRequest(job.client, trigger.repo, trigger.number)
        )
  const fetched = await group('Fetch the pull request', () =>
    fetchPullRequest(job.workspace, {
      number: pr.number,
      baseRef: pr.baseRef,
      baseSha: pr.baseSha,
      headSha: pr.headSha
    })
  )
  return { pinned: { ...job, pr, pinnedSha: pr.headSha }, fetched }
}

/**
 * Whether this run may go on: a command's permission and its own work (help, skip, budget…), the
 * pull request's labels and draft state, the sandbox, the head, and our own commits.
 */
async function admit(
  job: PinnedJob,
  fetched: FetchOutcome,
  settings: Readonly<Settings>
): Promise<{ stop: false } | { stop: true; failure?: string }> {
  const { client, trigger, event, pr } = job
  if (trigger.command) {
    if ((await handleCommandGate(client, trigger, event, pr, settings)) === 'stop')
      return { stop: true }
  } else {
    const stop = await pullRequestGate(event, pr, settings)
    if (stop) return { stop: true, ...(stop.failure ? { failure: stop.failure } : {}) }
  }
  const refusal = await isolationGate(client, trigger, event, pr, settings, job.inputs)
  if (refusal) return { stop: true, failure: refusal }
  if (await headMovedGate(job, fetched)) return { stop: true }
  if (await botCommitGate(job)) return { stop: true }
  return { stop: false }
}
