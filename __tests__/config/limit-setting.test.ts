import { describe, expect, it } from '@jest/globals'
import { explorerOnly, modelWithheldFromFork } from '../../src/action/fork-policy.js'
import { limitSettingName } from '../../src/config/limit-setting.js'
import { parseConfigText } from '../../src/config/load-config-file.js'
import { resolveConfig } from '../../src/config/resolve-config.js'

const file = (text: string) => parseConfigText(text, '.github/testmaster.yml', 'base ref main')

describe('limitSettingName: a limit named the way the user set it', () => {
  it('names the action input, the CLI flag, the config key, the command and the default', () => {
    const input = resolveConfig({ flat: { kind: 'input', values: { 'pr-budget-usd': '2' } } })
    expect(limitSettingName('pr-usd', input.layers)).toBe('the input `pr-budget-usd`')
    const flag = resolveConfig({ flat: { kind: 'flag', values: { 'max-calls': '3' } } })
    expect(limitSettingName('max-calls', flag.layers)).toBe('the `--max-calls` flag')
    const config = resolveConfig({ file: file('budget:\n  run-usd: 0.5\n') })
    expect(limitSettingName('run-usd', config.layers)).toBe('`budget.run-usd` in the config file')
    const command = resolveConfig({
      file: file('budget:\n  run-usd: 0.5\n'),
      flat: { kind: 'input', values: {} },
      command: { 'max-cost-usd': '0.1' }
    })
    expect(limitSettingName('run-usd', command.layers)).toBe('the command’s `--budget`')
    expect(limitSettingName('time', resolveConfig({}).layers)).toBe(
      '`budget.time-minutes` (the default)'
    )
    expect(limitSettingName('cancelled', input.layers)).toBeUndefined()
  })

  it('an input over a config value is still the input: it is the layer on top', () => {
    const both = resolveConfig({
      file: file('budget:\n  pr-usd: 5\n'),
      flat: { kind: 'input', values: { 'pr-budget-usd': '1' } }
    })
    expect(both.settings.budget.prUsd).toBe(1)
    expect(limitSettingName('pr-usd', both.layers)).toBe('the input `pr-budget-usd`')
  })
})

describe('fork policy: the model never runs beside fork code unless allowed', () => {
  const resolved = resolveConfig({})
  const allowed = resolveConfig({ file: file('github:\n  allow-forks: true\n') })

  it('withholds the model on a fork PR with a key, unless github.allow-forks', () => {
    expect(modelWithheldFromFork({ isFork: true }, resolved.settings, 'sk-x')).toBe(true)
    expect(modelWithheldFromFork({ isFork: true }, allowed.settings, 'sk-x')).toBe(false)
    expect(modelWithheldFromFork({ isFork: false }, resolved.settings, 'sk-x')).toBe(false)
    // No key, or the explorer already: nothing to withhold, nothing to say.
    expect(modelWithheldFromFork({ isFork: true }, resolved.settings, undefined)).toBe(false)
    const explorer = explorerOnly(resolved)
    expect(explorer.settings.llm.provider).toBe('explorer')
    expect(modelWithheldFromFork({ isFork: true }, explorer.settings, 'sk-x')).toBe(false)
  })
})
