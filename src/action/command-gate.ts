import * as core from '@actions/core'
import { emptyLedger } from '../budget/ledger.js'
import type { Settings } from '../config/schema.js'
import type { GitHubClient } from '../github/client.js'
import { COMMAND_HELP } from '../github/comment-commands.js'
import { checkCommandPermission } from '../github/permissions.js'
import { setLabel } from '../github/pull-requests.js'
import { react } from '../github/reactions.js'
import {
  buildStickyBody,
  findStickyComment,
  tokenLogin,
  upsertStickyComment,
  type StickyState
} from '../github/sticky-comment.js'
import type { PullRequestInfo, TriggerEvent } from '../github/trigger-event.js'
import { formatUsd } from '../report/render-comment.js'
import { finishReaction, tryReply } from './job.js'
import { stickyVisibleText } from './sticky-note.js'
import type { Trigger } from './trigger.js'

/**
 * Commands: permission first (SECURITY 1-3), then help/skip/resume/budget, then the run's own
 * refusals (fork PRs: SECURITY 8). Returns 'run' to go on.
 */
export async function handleCommandGate(
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
    ? stickyVisibleText(sticky)
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
