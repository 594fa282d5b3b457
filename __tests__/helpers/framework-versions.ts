import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Other versions of the test frameworks than the ones in our own node_modules (vitest 4.0 and
 * 4.1, jest 29), installed once into a cache directory outside the repository with npm itself,
 * and reused by every later run: the first run pays an install (about 15 s each), later ones
 * nothing. CI can cache the directory (`TESTMASTER_FRAMEWORK_CACHE`).
 */
export const FRAMEWORK_CACHE =
  process.env.TESTMASTER_FRAMEWORK_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'testmaster-test-frameworks')

/** Installs `packages` (`name@version`) into the cache, once; returns their node_modules. */
export async function installedFrameworks(
  key: string,
  packages: readonly string[]
): Promise<string> {
  const prefix = join(FRAMEWORK_CACHE, key)
  const complete = join(prefix, '.complete')
  const wanted = packages.join(' ')
  if ((await readFile(complete, 'utf8').catch(() => '')) === wanted)
    return join(prefix, 'node_modules')
  await rm(prefix, { recursive: true, force: true })
  await mkdir(prefix, { recursive: true })
  await writeFile(join(prefix, 'package.json'), '{ "private": true }\n')
  try {
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, ...packages],
      { timeout: 600_000, env: { ...process.env, npm_config_cache: join(FRAMEWORK_CACHE, '.npm') } }
    )
  } catch (error) {
    throw new Error(
      `could not install ${wanted} into ${prefix} (the version tests need the npm registry once): ${String(error)}`
    )
  }
  await writeFile(complete, wanted)
  return join(prefix, 'node_modules')
}

/** Points a fixture project's node_modules at an installed set (in place of ours). */
export async function useNodeModules(projectRoot: string, nodeModules: string): Promise<void> {
  await rm(join(projectRoot, 'node_modules'), { recursive: true, force: true })
  await symlink(nodeModules, join(projectRoot, 'node_modules'), 'dir')
}
