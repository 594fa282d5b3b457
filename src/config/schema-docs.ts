import { toJSONSchema, type z } from 'zod'
import { camelToKebab } from './config-keys.js'
import { ENTRY_ONLY_KEYS, SettingsSchema } from './schema.js'

/**
 * Reads the settings schema as documentation: the README's configuration table and the bounds
 * quoted in error messages both come from here, through zod's JSON Schema output (input side, so
 * defaults show and nothing with a default is required).
 */

/** The part of JSON Schema that zod emits for the settings. */
export interface JsonSchemaNode {
  readonly type?: string
  readonly description?: string
  readonly default?: unknown
  readonly enum?: readonly unknown[]
  readonly format?: string
  readonly minimum?: number
  readonly maximum?: number
  readonly exclusiveMinimum?: number
  readonly exclusiveMaximum?: number
  readonly minItems?: number
  readonly items?: JsonSchemaNode
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>
  readonly required?: readonly string[]
  readonly additionalProperties?: JsonSchemaNode | boolean
}

/** One row of the configuration table: a key of `.github/testmaster.yml`. */
export interface ConfigKeyDoc {
  /** kebab-case path as written in the file (`budget.run-usd`, `llm.prices.<model>.input-per-mtok`). */
  readonly key: string
  /** Type or allowed values, in Markdown (`number >= 0`, `` `low`, `medium`, `high` ``). */
  readonly type: string
  /** Default in Markdown, `required`, or empty when the option is unset by default. */
  readonly default: string
  readonly description: string | undefined
}

const cache = new WeakMap<z.ZodType, JsonSchemaNode>()

export function jsonSchemaOf(schema: z.ZodType): JsonSchemaNode {
  let node = cache.get(schema)
  if (!node) {
    node = toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode
    cache.set(schema, node)
  }
  return node
}

/** The node at a schema path (camelCase keys; numbers index arrays; record keys are data). */
export function nodeAtPath(
  root: JsonSchemaNode,
  path: readonly PropertyKey[]
): JsonSchemaNode | undefined {
  let current: JsonSchemaNode | undefined = root
  for (const part of path) {
    if (!current) return undefined
    if (typeof part === 'number') current = current.items
    else {
      const named: JsonSchemaNode | undefined = current.properties?.[String(part)]
      const rest = current.additionalProperties
      current = named ?? (typeof rest === 'object' ? rest : undefined)
    }
  }
  return current
}

/** Bounds at ±2^53 are zod's safe-integer range, not a limit anyone chose. */
function chosen(bound: number | undefined): bound is number {
  return bound !== undefined && Math.abs(bound) < Number.MAX_SAFE_INTEGER
}

/**
 * `number >= 0`, `integer from 1 to 20`, `number > 0`, `integer`; undefined for a node that is
 * not a number.
 */
export function numberType(node: JsonSchemaNode): string | undefined {
  if (node.type !== 'number' && node.type !== 'integer') return undefined
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = node
  if (chosen(minimum) && chosen(maximum)) {
    return `${node.type} from ${String(minimum)} to ${String(maximum)}`
  }
  const bounds = [
    chosen(minimum) ? `>= ${String(minimum)}` : undefined,
    chosen(exclusiveMinimum) ? `> ${String(exclusiveMinimum)}` : undefined,
    chosen(maximum) ? `<= ${String(maximum)}` : undefined,
    chosen(exclusiveMaximum) ? `< ${String(exclusiveMaximum)}` : undefined
  ].filter((b) => b !== undefined)
  return [node.type, bounds.join(' and ')].filter(Boolean).join(' ')
}

function code(value: unknown): string {
  return `\`${String(value)}\``
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map(code).join(', ')
  const number = numberType(node)
  if (number) return number
  if (node.type === 'string') return node.format === 'uri' ? 'URL' : 'string'
  if (node.type === 'array') {
    const items = node.items?.enum ? node.items.enum.map(code).join(', ') : 'strings'
    const atLeast = node.minItems ? ` (at least ${String(node.minItems)})` : ''
    return `list of ${items}${atLeast}`
  }
  if (node.type === 'object') return 'map'
  return node.type ?? 'any'
}

/** A default as YAML would show it: `[write, maintain, admin]`, `{}`, `gpt-5-mini`. */
function yamlish(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlish).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${camelToKebab(k)}: ${yamlish(v)}`)
    return entries.length ? `{ ${entries.join(', ')} }` : '{}'
  }
  return String(value)
}

/** What stands for a data key (a model name) in a key path. */
const DATA_KEY_NAMES: Readonly<Record<string, string>> = { prices: '<model>' }

function collect(
  node: JsonSchemaNode,
  at: readonly string[],
  required: boolean,
  out: ConfigKeyDoc[]
): void {
  const key = at.map(camelToKebab).join('.')
  if (node.properties) {
    for (const [name, inner] of Object.entries(node.properties)) {
      if (at.length === 0 && ENTRY_ONLY_KEYS.has(name)) continue
      collect(inner, [...at, name], node.required?.includes(name) ?? false, out)
    }
    return
  }
  out.push({
    key,
    type: typeOf(node),
    default: node.default !== undefined ? code(yamlish(node.default)) : required ? 'required' : '',
    description: node.description
  })
  if (typeof node.additionalProperties === 'object') {
    const name = DATA_KEY_NAMES[at.at(-1) ?? ''] ?? '<name>'
    collect(node.additionalProperties, [...at, name], false, out)
  }
}

/** Every key the config file can set, in schema order. */
export function configKeyDocs(schema: z.ZodType = SettingsSchema): ConfigKeyDoc[] {
  const out: ConfigKeyDoc[] = []
  collect(jsonSchemaOf(schema), [], false, out)
  return out
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** The README's configuration table (Markdown, no trailing newline). */
export function renderConfigTable(docs: readonly ConfigKeyDoc[] = configKeyDocs()): string {
  const lines = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |']
  for (const doc of docs) {
    const cells = [code(doc.key), doc.type, doc.default, doc.description ?? '']
    lines.push(`| ${cells.map(cell).join(' | ')} |`)
  }
  return lines.join('\n')
}
