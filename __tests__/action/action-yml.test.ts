import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { FLAT_OPTIONS } from '../../src/config/flat-options.js'
import { SettingsSchema } from '../../src/config/schema.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/**
 * The runner sets INPUT_* for every input that has a default, so a non-empty default would always
 * beat `.github/testmaster.yml`. Inputs that the config file can set default to '' and state the
 * schema's default in their description instead.
 */
const action = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>
}
const defaults = SettingsSchema.parse({}) as Record<string, unknown>

function schemaDefault(path: readonly string[]): unknown {
  let value: unknown = defaults
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key]
  return value
}

const configurable = FLAT_OPTIONS.filter((o) => o.name !== 'config' && o.name in action.inputs)

describe('action.yml defaults', () => {
  it('covers the inputs the issue lists', () => {
    expect(configurable.map((o) => o.name)).toEqual(
      expect.arrayContaining(['model', 'max-cost-usd', 'depth', 'delivery', 'fail-on', 'dry-run'])
    )
  })

  it.each(configurable.map((o) => [o.name, o.path] as const))(
    '%s has an empty default, so the config file is not overridden',
    (name, path) => {
      const input = action.inputs[name]
      expect(input?.default ?? '').toBe('')
      const stated = /Default: (.+), unless the config file sets it\.$/.exec(
        input?.description ?? ''
      )
      const value = schemaDefault(path)
      if (value === undefined || (Array.isArray(value) && value.length === 0)) {
        expect(stated).toBeNull()
      } else {
        expect(stated?.[1]).toBe(
          typeof value === 'object'
            ? JSON.stringify(value)
            : `${value as string | number | boolean}`
        )
      }
    }
  )
})
