import * as core from '@actions/core'
import { FLAT_OPTIONS } from '../config/flat-options.js'
import type { FlatValues } from '../config/resolve-config.js'

/**
 * INPUT_* → the flat values the config layer resolves (with the base config's caps), plus the two
 * secrets, which are not settings and are masked the moment they are read.
 */
export interface ActionInputs {
  readonly flat: FlatValues
  readonly githubToken: string
  readonly apiKey?: string
}

export function readInputs(): ActionInputs {
  const githubToken = core.getInput('github-token').trim()
  if (githubToken) core.setSecret(githubToken)
  const apiKey = core.getInput('api-key').trim()
  if (apiKey) core.setSecret(apiKey)
  const values: Record<string, string | undefined> = {}
  for (const option of FLAT_OPTIONS) {
    const value = core.getInput(option.name)
    if (value.trim() !== '') values[option.name] = value
  }
  return { flat: { kind: 'input', values }, githubToken, ...(apiKey ? { apiKey } : {}) }
}
