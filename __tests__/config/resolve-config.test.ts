import { describe, expect, it } from '@jest/globals'
import { parseConfigText } from '../../src/config/load-config-file.js'
import { resolveConfig } from '../../src/config/resolve-config.js'
import { ConfigError } from '../../src/errors.js'

const file = (text: string) => parseConfigText(text, '.github/testmaster.yml', 'base ref main')

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('resolveConfig', () => {
  it('gives every default when nothing is set', () => {
    const { settings } = resolveConfig({})
    expect(settings.budget.runUsd).toBe(1)
    expect(settings.depth).toBe('medium')
    expect(settings.stabilityRuns).toBe(3)
    expect(settings.llm.baseUrl).toBe('https://api.openai.com/v1')
    expect(Object.isFrozen(settings.budget)).toBe(true)
  })

  it('names the file, the kebab-case key, what was expected and what was found', () => {
    const message = messageOf(() => resolveConfig({ file: file('budget:\n  run-usd: ten\n') }))
    expect(message).toBe('.github/testmaster.yml: budget.run-usd must be a number >= 0, got "ten"')
  })

  it('names both bounds and the integer type when the type is wrong', () => {
    expect(messageOf(() => resolveConfig({ file: file('stability-runs: many\n') }))).toBe(
      '.github/testmaster.yml: stability-runs must be an integer from 1 to 20, got "many"'
    )
    expect(messageOf(() => resolveConfig({ file: file('stability-runs: 2.5\n') }))).toBe(
      '.github/testmaster.yml: stability-runs must be an integer from 1 to 20, got 2.5'
    )
    expect(messageOf(() => resolveConfig({ file: file('budget:\n  time-minutes: soon\n') }))).toBe(
      '.github/testmaster.yml: budget.time-minutes must be a number > 0, got "soon"'
    )
  })

  it('names the bound of a price inside a model table', () => {
    const message = messageOf(() =>
      resolveConfig({
        file: file(
          'llm:\n  prices:\n    my-model:\n      input-per-mtok: free\n      output-per-mtok: 1\n'
        )
      })
    )
    expect(message).toBe(
      '.github/testmaster.yml: llm.prices.my-model.input-per-mtok must be a number >= 0, got "free"'
    )
  })

  it('keeps the plain type for a value that has no bounds', () => {
    const message = messageOf(() => resolveConfig({ file: file('dry-run: 3\n') }))
    expect(message).toBe('.github/testmaster.yml: dry-run must be a boolean, got 3')
  })

  it('reports a negative budget with its bound', () => {
    const message = messageOf(() => resolveConfig({ file: file('budget:\n  run-usd: -3\n') }))
    expect(message).toBe('.github/testmaster.yml: budget.run-usd must be a number >= 0, got -3')
  })

  it('rejects an unknown key and suggests the close one', () => {
    const message = messageOf(() => resolveConfig({ file: file('budget:\n  run-uds: 2\n') }))
    expect(message).toBe(
      '.github/testmaster.yml: unknown key budget.run-uds (did you mean budget.run-usd?)'
    )
  })

  it('lists the known keys when nothing is close', () => {
    const message = messageOf(() => resolveConfig({ file: file('colour: blue\n') }))
    expect(message).toMatch(
      /^\.github\/testmaster\.yml: unknown key colour \(known keys here: repo, base, head, config, llm, budget, explorer, depth/
    )
  })

  it('names enum values', () => {
    const message = messageOf(() => resolveConfig({ file: file('depth: deep\n') }))
    expect(message).toBe(
      '.github/testmaster.yml: depth must be one of "low", "medium", "high", got "deep"'
    )
  })

  it('keeps model names in price tables as they are', () => {
    const { settings } = resolveConfig({
      file: file(
        'llm:\n  prices:\n    my-model-1:\n      input-per-mtok: 1\n      output-per-mtok: 2\n'
      )
    })
    expect(settings.llm.prices['my-model-1']).toEqual({ inputPerMtok: 1, outputPerMtok: 2 })
  })

  it('names the action input at fault', () => {
    const message = messageOf(() =>
      resolveConfig({ flat: { kind: 'input', values: { 'max-cost-usd': 'ten' } } })
    )
    expect(message).toBe('input max-cost-usd must be a number >= 0, got "ten"')
  })

  it('names the CLI flag at fault', () => {
    const message = messageOf(() =>
      resolveConfig({ flat: { kind: 'flag', values: { depth: 'extreme' } } })
    )
    expect(message).toBe('--depth must be one of "low", "medium", "high", got "extreme"')
  })

  it('lets inputs override the file (precedence: defaults < file < inputs)', () => {
    const { settings } = resolveConfig({
      file: file('depth: low\nstability-runs: 5\n'),
      flat: { kind: 'input', values: { depth: 'high', paths: 'src/**, lib/**\npkg/*' } }
    })
    expect(settings.depth).toBe('high')
    expect(settings.stabilityRuns).toBe(5)
    expect(settings.paths).toEqual(['src/**', 'lib/**', 'pkg/*'])
  })

  // SECURITY 14: a `with:` input from a PR-modified workflow cannot exceed a base-config cap.
  it('SECURITY 14: clamps a budget input above the base config cap and reports the clamp', () => {
    const resolved = resolveConfig({
      file: file('budget:\n  run-usd: 2\n  max-calls: 10\n'),
      flat: { kind: 'input', values: { 'max-cost-usd': '50', 'max-calls': '5' } }
    })
    expect(resolved.settings.budget.runUsd).toBe(2)
    expect(resolved.settings.budget.maxCalls).toBe(5)
    expect(resolved.clamps).toEqual([{ option: 'max-cost-usd', requested: 50, cap: 2 }])
  })

  it('SECURITY 40: a command budget is clamped to the workflow input when no config file sets a cap', () => {
    const resolved = resolveConfig({
      flat: { kind: 'input', values: { 'max-cost-usd': '1' } },
      command: { 'max-cost-usd': '100000', depth: 'high' }
    })
    expect(resolved.settings.budget.runUsd).toBe(1)
    expect(resolved.settings.depth).toBe('high')
    expect(resolved.clamps).toEqual([
      { option: 'max-cost-usd', requested: 100000, cap: 1, source: 'command' }
    ])
  })

  it('SECURITY 40: a command budget is clamped to the lower of the input and the base config cap, and may lower it', () => {
    const capped = resolveConfig({
      file: file('budget:\n  run-usd: 2\n'),
      flat: { kind: 'input', values: { 'max-cost-usd': '50' } },
      command: { 'max-cost-usd': '40' }
    })
    expect(capped.settings.budget.runUsd).toBe(2)
    expect(capped.clamps).toEqual([
      { option: 'max-cost-usd', requested: 50, cap: 2 },
      { option: 'max-cost-usd', requested: 40, cap: 2, source: 'command' }
    ])
    const lowered = resolveConfig({
      flat: { kind: 'input', values: { 'max-cost-usd': '3' } },
      command: { 'max-cost-usd': '0.5' }
    })
    expect(lowered.settings.budget.runUsd).toBe(0.5)
    expect(lowered.clamps).toEqual([])
    // Nothing set anywhere: the default is the workflow's value, and the comment cannot pass it.
    const unset = resolveConfig({ command: { 'max-cost-usd': '100000' } })
    expect(unset.settings.budget.runUsd).toBe(1)
  })

  it('ignores empty inputs (unset action inputs arrive as empty strings)', () => {
    const { settings } = resolveConfig({
      flat: { kind: 'input', values: { 'pr-budget-usd': '', 'max-calls': '  ' } }
    })
    expect(settings.budget.prUsd).toBeUndefined()
    expect(settings.budget.maxCalls).toBeUndefined()
  })

  it('digests the effective settings', () => {
    const a = resolveConfig({ flat: { kind: 'flag', values: { depth: 'low' } } })
    const b = resolveConfig({ flat: { kind: 'flag', values: { depth: 'high' } } })
    expect(a.digest).toMatch(/^[0-9a-f]{12}$/)
    expect(a.digest).not.toBe(b.digest)
  })
})

describe('parseConfigText', () => {
  it('reports YAML syntax errors with the line', () => {
    const message = messageOf(() => file('budget:\n  run-usd: [1,\n'))
    expect(message).toMatch(/^\.github\/testmaster\.yml:\d+:\d+: not valid YAML/)
  })

  it('refuses a top level that is not a mapping', () => {
    expect(messageOf(() => file('- a\n- b\n'))).toBe(
      '.github/testmaster.yml: the top level must be a mapping of options, got a list'
    )
  })

  it('refuses camelCase option names (the schema’s own spelling), suggesting the kebab-case one', () => {
    expect(messageOf(() => file('stabilityRuns: 7\n'))).toBe(
      '.github/testmaster.yml: stabilityRuns: option names are kebab-case: did you mean "stability-runs"?'
    )
    expect(messageOf(() => file('Depth: low\n'))).toBe(
      '.github/testmaster.yml: Depth: option names are kebab-case: did you mean "depth"?'
    )
  })

  it('refuses two spellings of one option instead of letting one silently win', () => {
    expect(messageOf(() => file('budget:\n  run-usd: 1\n  run_usd: 50\n'))).toBe(
      '.github/testmaster.yml: budget.run_usd: option names are kebab-case: did you mean "run-usd"?'
    )
  })

  it('keeps model names under prices as they are', () => {
    expect(
      file('llm:\n  prices:\n    My_Model.v2: { input-per-mtok: 1, output-per-mtok: 2 }\n').raw
    ).toEqual({
      llm: { prices: { 'My_Model.v2': { inputPerMtok: 1, outputPerMtok: 2 } } }
    })
  })

  it('treats an empty file as no options', () => {
    expect(file('# nothing\n').raw).toEqual({})
  })
})
