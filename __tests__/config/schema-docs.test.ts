import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { z } from 'zod'
import { camelToKebab } from '../../src/config/config-keys.js'
import { ENTRY_ONLY_KEYS, SettingsSchema } from '../../src/config/schema.js'
import { configKeyDocs, renderConfigTable } from '../../src/config/schema-docs.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'

/**
 * The schema is the configuration's documentation: every field carries a description at run
 * time, and the README's table has a row for every key the file can set, so a new key cannot be
 * left out of it.
 */

interface Field {
  readonly path: readonly string[]
  readonly schema: z.ZodType
}

type Def = {
  type: string
  innerType?: z.ZodType
  shape?: Record<string, z.ZodType>
  valueType?: z.ZodType
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def
}

/** Optional and default wrappers hide the field's own schema. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let current = schema
  for (let def = defOf(current); def.innerType; def = defOf(current)) current = def.innerType
  return current
}

/** Every field at every level, walking the zod schema itself (not the table's JSON Schema). */
function fieldsOf(schema: z.ZodType, at: readonly string[] = []): Field[] {
  const def = defOf(unwrapped(schema))
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([name, inner]) => [
      { path: [...at, name], schema: inner },
      ...fieldsOf(inner, [...at, name])
    ])
  }
  if (def.type === 'record' && def.valueType) return fieldsOf(def.valueType, [...at, '<model>'])
  return []
}

const fields = fieldsOf(SettingsSchema)
const isObject = (f: Field) => defOf(unwrapped(f.schema)).type === 'object'
const keyOf = (f: Field) => f.path.map(camelToKebab).join('.')
const fileKeys = fields
  .filter((f) => !isObject(f) && !ENTRY_ONLY_KEYS.has(f.path[0] ?? ''))
  .map(keyOf)

function readmeBlock(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('<!-- config-table:start -->')
  const end = readme.indexOf('<!-- config-table:end -->')
  if (start < 0 || end < start) throw new Error('README has no config-table block')
  const section = readme.slice(
    readme.indexOf('## Configuration file'),
    readme.indexOf('## The CLI')
  )
  expect(section).toContain(readme.slice(start, end))
  return readme.slice(start, end)
}

describe('the settings schema as documentation', () => {
  it('gives every field a description at run time', () => {
    const missing = fields.filter((f) => !f.schema.description).map(keyOf)
    expect(missing).toEqual([])
    expect(fields.length).toBeGreaterThan(40)
  })

  it('has one table row per key the file can set, each with a description', () => {
    const docs = configKeyDocs()
    expect(docs.map((d) => d.key)).toEqual(fileKeys)
    expect(docs.filter((d) => !d.description).map((d) => d.key)).toEqual([])
    for (const key of ['test-dir', 'llm.timeout-seconds', 'github.skip-label', 'include-covered'])
      expect(fileKeys).toContain(key)
  })

  it('leaves out the keys the entry sets after reading the file', () => {
    const keys = configKeyDocs().map((d) => d.key)
    for (const key of ENTRY_ONLY_KEYS) expect(keys).not.toContain(key)
  })

  it('lists every key in the README table, as generated', () => {
    const block = readmeBlock()
    for (const key of fileKeys) expect(block).toContain(`| \`${key}\` |`)
    expect(block).toContain(renderConfigTable())
  })

  it('shows the type with its bounds or values, the default and the description', () => {
    const rows = renderConfigTable().split('\n')
    expect(rows).toContain(
      '| `budget.run-usd` | number >= 0 | `1` | Hard cap on LLM spend for one run, in USD. |'
    )
    expect(rows).toContain(
      '| `stability-runs` | integer from 1 to 20 | `3` | Consecutive passing runs required to accept a candidate. |'
    )
    expect(rows).toContainEqual(
      expect.stringMatching(/^\| `depth` \| `low`, `medium`, `high` \| `medium` \|/)
    )
    expect(rows).toContainEqual(
      expect.stringMatching(
        /^\| `github\.command-permissions` \| .* \| `\[write, maintain, admin\]` \|/
      )
    )
    expect(rows).toContainEqual(
      expect.stringMatching(/^\| `budget\.pr-usd` \| number >= 0 \| {2}\|/)
    )
    expect(rows).toContainEqual(
      expect.stringMatching(
        /^\| `llm\.prices\.<model>\.input-per-mtok` \| number >= 0 \| required \|/
      )
    )
  })
})
