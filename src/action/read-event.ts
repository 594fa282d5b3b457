import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { GitHubError } from '../errors.js'
import { parseTriggerEvent, type TriggerEvent } from '../github/trigger-event.js'

/**
 * GITHUB_EVENT_NAME + GITHUB_EVENT_PATH → a typed TriggerEvent. Read here, at the edge, and
 * nowhere below `action/`.
 */
export async function readEvent(env: NodeJS.ProcessEnv = process.env): Promise<TriggerEvent> {
  const name = env.GITHUB_EVENT_NAME
  const path = env.GITHUB_EVENT_PATH
  if (!name || !path) {
    throw new GitHubError(
      'EVENT_MISSING',
      'GITHUB_EVENT_NAME or GITHUB_EVENT_PATH is not set',
      'run TestMaster as a step of a GitHub Actions workflow, or use the CLI (`testmaster run`)'
    )
  }
  let payload: unknown
  try {
    payload = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new GitHubError(
      'EVENT_UNREADABLE',
      `the event payload ${path} could not be read as JSON`,
      'this is set by the Actions runner; re-run the job',
      { cause: error }
    )
  }
  try {
    return parseTriggerEvent(name, payload)
  } catch (error) {
    if (error instanceof z.ZodError) {
      const issue = error.issues[0]
      const where = issue?.path.join('.') ?? ''
      throw new GitHubError(
        'EVENT_INVALID',
        `the ${name} event payload does not fit: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`,
        'TestMaster handles pull_request, issue_comment on a PR and workflow_dispatch with a pr-number input',
        { cause: error }
      )
    }
    throw error
  }
}
