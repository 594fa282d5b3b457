import * as core from '@actions/core'
import { loadSettings } from '../config/load-settings.js'
import type { FlatValues, ResolvedConfig } from '../config/resolve-config.js'
import type { PullRequestInfo } from '../github/trigger-event.js'
import type { ActionInputs } from './read-inputs.js'

/**
 * The settings of a run: the base branch's config, the workflow inputs and a command's flags, each
 * clamped by the one above it (a comment can lower a limit, never raise it).
 */
export async function resolveSettings(
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
export async function raisePrBudget(
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
  const withRaise = await resolveSettings(workspace, pr, inputs, extra, {
    budget: { ...base.settings.budget, prUsd }
  })
  return { ...withRaise, layers: { ...withRaise.layers, 'pr-budget-usd': 'command' } }
}
