import type { ResolvedConfig } from '../config/resolve-config.js'
import type { Settings } from '../config/schema.js'
import type { PullRequestInfo } from '../github/trigger-event.js'

/**
 * A fork's code never runs beside the model's API key unless the base config says
 * `github.allow-forks: true`: whatever the event, and whether or not the key reached the job.
 */
export function modelWithheldFromFork(
  pr: Pick<PullRequestInfo, 'isFork'>,
  settings: Readonly<Settings>,
  apiKey: string | undefined
): boolean {
  return (
    pr.isFork &&
    !settings.github.allowForks &&
    Boolean(apiKey) &&
    settings.llm.provider !== 'explorer'
  )
}

/** The same settings with the free offline explorer as the only strategy. */
export function explorerOnly(resolved: ResolvedConfig): ResolvedConfig {
  const { settings } = resolved
  return { ...resolved, settings: { ...settings, llm: { ...settings.llm, provider: 'explorer' } } }
}

export const FORK_WITHOUT_MODEL_NOTE =
  'This pull request comes from a fork and `github.allow-forks` is off, so the model was not used (the fork’s code never runs beside the API key): the free offline explorer wrote the tests. A maintainer can allow it with `github.allow-forks: true` in the base branch config.'
