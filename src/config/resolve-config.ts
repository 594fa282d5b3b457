import { createHash } from 'node:crypto'
import { ConfigError } from '../errors.js'
import { formatKeyPath, valueAtPath } from './config-keys.js'
import { configErrorFrom } from './describe-config-error.js'
import { coerceFlatValue, FLAT_OPTION_BY_PATH, FLAT_OPTIONS, setAtPath } from './flat-options.js'
import type { LoadedConfigFile } from './load-config-file.js'
import { SettingsSchema, type Settings } from './schema.js'

/** A flat value as given by an action input or a CLI flag, before conversion. */
export interface FlatValues {
  /** `input` for action inputs, `flag` for CLI flags: used in messages ("input max-cost-usd"). */
  readonly kind: 'input' | 'flag'
  readonly values: Readonly<Record<string, string | undefined>>
}

/**
 * A budget limit asked above its ceiling: an input or flag above the base config's value, or a
 * comment command (`/testmaster regenerate --budget`) above what the workflow and the base config
 * give (`source: 'command'`).
 */
export interface Clamp {
  readonly option: string
  readonly requested: number
  readonly cap: number
  readonly source?: 'command'
}

export interface ResolvedConfig {
  readonly settings: Readonly<Settings>
  readonly clamps: readonly Clamp[]
  /** Short digest of the effective settings, kept in the report. */
  readonly digest: string
  /** Where the config file came from, if any. */
  readonly fileOrigin?: string
  /** Which layer set each flat option that is set (by its flat name), to name it to the user. */
  readonly layers?: Readonly<Record<string, SettingLayer>>
}

/** Where a value came from: the config file, an action input, a CLI flag, or a comment command. */
export type SettingLayer = 'config' | 'input' | 'flag' | 'command'

function prefix(kind: FlatValues['kind'], name: string): string {
  return kind === 'input' ? `input ${name}` : `--${name}`
}

function validateLayer(
  raw: Record<string, unknown>,
  place: string,
  nameFor?: (p: readonly PropertyKey[]) => string
): void {
  const result = SettingsSchema.safeParse(raw)
  if (!result.success) throw configErrorFrom(result.error, raw, place, SettingsSchema, nameFor)
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const current = out[key]
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
    ) {
      out[key] = deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
    } else {
      out[key] = value
    }
  }
  return out
}

/**
 * Precedence: schema defaults < config file < inputs/flags < comment command, except budget
 * limits: a value in the (base-branch) config file is a ceiling, and a larger input is clamped to
 * it and reported; a command's budget limit is clamped to the value without the command (the
 * workflow's input, the config file or the default), so a comment can lower a cap, never raise it
 * (SECURITY 40).
 */
export function resolveConfig(options: {
  file?: LoadedConfigFile
  flat?: FlatValues
  /** Flat values from a comment command (`max-cost-usd` from `--budget`, `depth`, `paths`). */
  command?: Readonly<Record<string, string | undefined>>
  /** Values set by the entry itself (repo path, refs), applied last. */
  overrides?: Record<string, unknown>
}): ResolvedConfig {
  const fileRaw = options.file?.raw ?? {}
  if (options.file) validateLayer(fileRaw, options.file.place)

  const flatRaw: Record<string, unknown> = {}
  const clamps: Clamp[] = []
  const flat =
    options.flat ?? (options.command ? { kind: 'input' as const, values: {} } : undefined)
  if (flat) {
    for (const option of FLAT_OPTIONS) {
      const raw = flat.values[option.name]
      if (raw === undefined || raw.trim() === '') continue
      let value = coerceFlatValue(option, raw)
      const cap = option.cap ? valueAtPath(fileRaw, option.path) : undefined
      if (typeof value === 'number' && typeof cap === 'number' && value > cap) {
        clamps.push({ option: option.name, requested: value, cap })
        value = cap
      }
      setAtPath(flatRaw, option.path, value)
    }
    if (options.command) {
      const withoutCommand = SettingsSchema.safeParse(deepMerge(fileRaw, flatRaw))
      for (const option of FLAT_OPTIONS) {
        const raw = options.command[option.name]
        if (raw === undefined || raw.trim() === '') continue
        let value = coerceFlatValue(option, raw)
        const ceiling =
          option.cap && withoutCommand.success
            ? valueAtPath(withoutCommand.data, option.path)
            : undefined
        if (typeof value === 'number' && typeof ceiling === 'number' && value > ceiling) {
          clamps.push({ option: option.name, requested: value, cap: ceiling, source: 'command' })
          value = ceiling
        }
        setAtPath(flatRaw, option.path, value)
      }
    }
    const nameFor = (path: readonly PropertyKey[]): string => {
      const option = FLAT_OPTION_BY_PATH.get(path.join('.'))
      return option ? prefix(flat.kind, option.name) : formatKeyPath(path)
    }
    const result = SettingsSchema.safeParse(deepMerge(fileRaw, flatRaw))
    if (!result.success) {
      // Report against the layer the user wrote: the flat values when the bad path is one of them.
      const error = configErrorFrom(
        result.error,
        deepMerge(fileRaw, flatRaw),
        '',
        SettingsSchema,
        nameFor
      )
      throw new ConfigError(error.code, error.message.replace(/^: /gm, ''), error.hint)
    }
  }

  const layers = settingLayers(fileRaw, flat, options.command)
  const merged = deepMerge(deepMerge(fileRaw, flatRaw), options.overrides ?? {})
  const parsed = SettingsSchema.safeParse(merged)
  if (!parsed.success) throw configErrorFrom(parsed.error, merged, 'settings', SettingsSchema)
  const settings = deepFreeze(parsed.data)
  const digest = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12)
  return { settings, clamps, digest, fileOrigin: options.file?.origin, layers }
}

/** The top layer that set each flat option: command over input or flag over config file. */
function settingLayers(
  fileRaw: Record<string, unknown>,
  flat: FlatValues | undefined,
  command: Readonly<Record<string, string | undefined>> | undefined
): Record<string, SettingLayer> {
  const layers: Record<string, SettingLayer> = {}
  const given = (value: string | undefined): boolean => value !== undefined && value.trim() !== ''
  for (const option of FLAT_OPTIONS) {
    if (given(command?.[option.name])) layers[option.name] = 'command'
    else if (flat && given(flat.values[option.name])) layers[option.name] = flat.kind
    else if (valueAtPath(fileRaw, option.path) !== undefined) layers[option.name] = 'config'
  }
  return layers
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
