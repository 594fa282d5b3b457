import { readFile } from 'node:fs/promises'
import { isAbsolute, join, normalize } from 'node:path'
import { ConfigError } from '../errors.js'
import { GitRepository } from '../git/repository.js'
import { loadConfigFile, type FileAtRef } from './load-config-file.js'
import { resolveConfig, type FlatValues, type ResolvedConfig } from './resolve-config.js'
import { SettingsSchema } from './schema.js'

export interface LoadSettingsOptions {
  readonly repoRoot: string
  /**
   * The PR's base ref. When given, the config file is read from it and never from the head or the
   * work tree: a pull request must not raise its own budget or widen its own permissions.
   */
  readonly baseRef?: string
  readonly flat?: FlatValues
  /** Flat values from a comment command; budget limits among them can only lower the caps. */
  readonly command?: Readonly<Record<string, string | undefined>>
  /** Values the entry sets itself (repo, refs, report path), applied last. */
  readonly overrides?: Record<string, unknown>
  /** Reads the config at the base ref; defaults to `git show <base>:<path>`. */
  readonly readAtBase?: FileAtRef
}

function configPathFrom(options: LoadSettingsOptions): string {
  const fromFlat = options.flat?.values.config?.trim()
  const fromOverride = options.overrides?.config
  const path =
    typeof fromOverride === 'string' && fromOverride
      ? fromOverride
      : fromFlat || SettingsSchema.shape.config.parse(undefined)
  const clean = normalize(path).replace(/\\/g, '/')
  if (isAbsolute(clean) || clean.startsWith('../') || clean === '..') {
    const name = options.flat?.kind === 'flag' ? '--config' : 'input config'
    throw new ConfigError(
      'CONFIG_PATH',
      `${name} must be a path inside the repository, got ${JSON.stringify(path)}`,
      'give a repository-relative path such as .github/testmaster.yml'
    )
  }
  return clean
}

/** Loads the YAML config (from the base ref when there is one) and resolves the settings. */
export async function loadSettings(options: LoadSettingsOptions): Promise<ResolvedConfig> {
  const path = configPathFrom(options)
  let reader: FileAtRef
  let origin: string
  if (options.baseRef) {
    const baseRef = options.baseRef
    origin = `base ref ${baseRef}`
    reader =
      options.readAtBase ??
      (async (p) => (await GitRepository.open(options.repoRoot)).showFile(baseRef, p))
  } else {
    origin = 'working tree'
    reader = async (p) => {
      try {
        return await readFile(join(options.repoRoot, p), 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    }
  }
  const file = await loadConfigFile(path, reader, origin)
  return resolveConfig({
    file,
    flat: options.flat,
    ...(options.command ? { command: options.command } : {}),
    overrides: { ...options.overrides, config: path }
  })
}
