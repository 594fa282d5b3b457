import * as core from '@actions/core'
import { ConfigError } from '../errors.js'
import { parseCommentCommand, type Command } from '../github/comment-commands.js'
import type { RepoRef, TriggerEvent } from '../github/trigger-event.js'

/** The pull_request actions a run happens on; the others (closed, labeled…) end with a notice. */
const RUN_EVENTS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review'])

/** What the action runs for: which PR, asked by whom and how. */
export interface Trigger {
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

/** Decides from the event alone whether to go on; returns undefined after a notice when not. */
export function triggerFrom(event: TriggerEvent): Trigger | undefined {
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
    case 'issue_comment':
      return commentTrigger(event)
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

/** SECURITY 4, 5, 6: only new comments, on pull requests, by people. */
function commentTrigger(
  event: Extract<TriggerEvent, { kind: 'issue_comment' }>
): Trigger | undefined {
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

function commandFlat(command: Command): Record<string, string> {
  const flat: Record<string, string> = {}
  if (command.name === 'regenerate') {
    if (command.budgetUsd !== undefined) flat['max-cost-usd'] = String(command.budgetUsd)
    if (command.depth) flat.depth = command.depth
    if (command.paths.length > 0) flat.paths = command.paths.join(',')
  }
  return flat
}
