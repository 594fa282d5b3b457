import { parseDocument } from 'yaml'
import { ConfigError } from '../errors.js'
import { camelizeKeys, type KeySpellingProblem } from './config-keys.js'

/** Reads a file's text at some revision, or undefined when it does not exist there. */
export type FileAtRef = (path: string) => Promise<string | undefined>

export interface LoadedConfigFile {
  /** The file's path as shown in messages (`.github/testmaster.yml`). */
  readonly place: string
  /** Where it was read from (`base ref origin/main`, `working tree`). */
  readonly origin: string
  /** Parsed content with camelCase keys, not yet validated. */
  readonly raw: Record<string, unknown>
}

/**
 * Parses the YAML config. It is read from the base ref when there is one (security model: a PR
 * must not raise its own budget), by the caller's `readFile`.
 */
export async function loadConfigFile(
  path: string,
  readFile: FileAtRef,
  origin: string
): Promise<LoadedConfigFile | undefined> {
  const text = await readFile(path)
  if (text === undefined) return undefined
  return parseConfigText(text, path, origin)
}

export function parseConfigText(text: string, place: string, origin: string): LoadedConfigFile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  const first = doc.errors[0]
  if (first) {
    const line = first.linePos?.[0]
    const at = line ? `:${line.line}:${line.col}` : ''
    throw new ConfigError(
      'CONFIG_YAML',
      `${place}${at}: not valid YAML: ${first.message.split('\n')[0] ?? first.code}`,
      'fix the YAML syntax (indentation, quoting) at that line'
    )
  }
  const value: unknown = doc.toJS()
  if (value === null || value === undefined) return { place, origin, raw: {} }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      'CONFIG_SHAPE',
      `${place}: the top level must be a mapping of options, got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`,
      'write options as `key: value` lines, e.g. `depth: medium`'
    )
  }
  const problems: KeySpellingProblem[] = []
  const raw = camelizeKeys(value, problems) as Record<string, unknown>
  const problem = problems[0]
  if (problem) {
    throw new ConfigError(
      'CONFIG_KEY',
      `${place}: ${problem.path}: ${problem.message}`,
      problems.length > 1
        ? `also: ${problems
            .slice(1)
            .map((p) => `${p.path} (${p.message})`)
            .join('; ')}`
        : 'see the configuration keys in the README'
    )
  }
  return { place, origin, raw }
}
