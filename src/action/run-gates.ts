import * as core from '@actions/core'
import type { Settings } from '../config/schema.js'
import { hasCheckRun } from '../github/check-run.js'
import type { GitHubClient } from '../github/client.js'
import type { PullRequestInfo, TriggerEvent } from '../github/trigger-event.js'
import { currentIsolation, isolationRefusal } from '../runner/isolation.js'
import { isGeneratedTestPath } from '../analysis/test-location.js'
import { isBotOnlyCommit } from '../git/bot-commits.js'
import type { FetchOutcome } from '../git/pull-request-checkout.js'
import type { ActionInputs } from './read-inputs.js'
import { modelWithheldFromFork } from './fork-policy.js'
import { finishReaction, tryCheckRun, tryReply, type PinnedJob } from './job.js'
import { noteStopOnPullRequest } from './sticky-note.js'
import type { Trigger } from './trigger.js'

/** Stops a pull_request run that should not run; returns the failure text when it must fail. */
export async function pullRequestGate(
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
export async function isolationGate(
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
    // A fork without allow-forks never gets the key (fork-policy), so it is no reason to refuse.
    llmKey:
      Boolean(inputs.apiKey) &&
      settings.llm.provider !== 'explorer' &&
      !modelWithheldFromFork(pr, settings, inputs.apiKey),
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
 * The head moved since the run was asked for, or the SHA it was asked for is not the head: nothing
 * runs. Returns true when the run stops.
 */
export async function headMovedGate(job: PinnedJob, fetched: FetchOutcome): Promise<boolean> {
  const { client, trigger, pr, pinnedSha } = job
  if (fetched.status !== 'head-moved' && shaMatches(trigger.requestedSha, pinnedSha)) return false
  const actual = fetched.status === 'head-moved' ? fetched.fetchedHeadSha : pinnedSha
  const detail = `the pull request head is ${actual.slice(0, 12)}, not the ${(trigger.requestedSha ?? pinnedSha).slice(0, 12)} this run was asked for; nothing ran`
  core.warning(detail)
  if (trigger.commentId !== undefined) {
    await tryReply(
      client,
      trigger.repo,
      pr.number,
      `TestMaster stopped: ${detail}. Comment the command again to run on the new head.`
    )
    await finishReaction(client, trigger, false)
  } else {
    await noteStopOnPullRequest(
      job,
      `${detail}. ${trigger.eventKind === 'workflow_dispatch' ? 'Dispatch the workflow again with the new head’s sha.' : 'The run for the new head reports here.'}`
    )
  }
  return true
}

function shaMatches(requested: string | undefined, actual: string): boolean {
  return requested === undefined || actual.toLowerCase().startsWith(requested.toLowerCase())
}

/**
 * No loops (SECURITY 28): a head commit of ours (trailer and only generated tests) gets its check
 * run and no new generation. Returns true when the run stops.
 */
export async function botCommitGate(job: PinnedJob): Promise<boolean> {
  if (
    job.trigger.eventKind !== 'pull_request' ||
    !(await isBotOnlyCommit(job.workspace, job.pinnedSha, isGeneratedTestPath))
  )
    return false
  core.notice('The head commit is TestMaster’s own (TestMaster-Run trailer): no new generation.')
  // The run that pushed it put its own gate there; a success here would hide a failing one.
  const posted = await hasCheckRun(job.client, job.trigger.repo, job.pinnedSha).catch(() => false)
  if (posted) return true
  await tryCheckRun(job, job.pinnedSha, {
    conclusion: 'success',
    title: 'Tests committed by TestMaster',
    summary: 'The head commit carries the TestMaster-Run trailer, so no new generation ran.'
  })
  return true
}
