import { realpathSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { CoverageMapData } from 'istanbul-lib-coverage'
import { RunnerError } from '../errors.js'

/**
 * Paths and packages of the target repository as the frameworks see them. Frameworks report real
 * paths (symlinks resolved: /tmp on macOS, symlinked workspaces), callers may hold others, so every
 * comparison goes through {@link canonicalPath}.
 */

/** The real path of `path` when it exists, else its resolved form. */
export function canonicalPath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** Maps reported paths back to the caller's spelling of the same files. */
export function pathTranslator(requested: readonly string[]): (reported: string) => string {
  const byCanonical = new Map(requested.map((path) => [canonicalPath(path), path]))
  return (reported) => byCanonical.get(canonicalPath(reported)) ?? reported
}

/** A glob (relative to `root`) matching exactly `file`: picomatch/micromatch specials escaped. */
export function exactGlob(root: string, file: string): string {
  const rel = relative(canonicalPath(root), canonicalPath(file)).split(sep).join('/')
  return rel.replace(/[*?[\]{}()!+@\\]/g, (char) => `\\${char}`)
}

/**
 * Resolves a file of a package installed in the target repository (its own jest or vitest, never a
 * copy bundled with us).
 */
export function resolveTargetPackageFile(
  packageRoot: string,
  packageName: string,
  file: string
): string {
  const require = createRequire(join(packageRoot, 'package.json'))
  try {
    return join(dirname(require.resolve(`${packageName}/package.json`)), file)
  } catch (error) {
    throw new RunnerError(
      'RUNNER_FRAMEWORK_NOT_INSTALLED',
      `${packageName} is not installed in '${packageRoot}'`,
      `install the repository's dependencies (npm ci) before running TestMaster, or set the framework in the config`,
      { cause: error }
    )
  }
}

/**
 * Reads an istanbul `coverage-final.json` and keeps the entries of the requested source files,
 * keyed (and `path`-ed) by the caller's spelling of each. Missing file: undefined.
 */
export async function readCoverageFor(
  coverageFile: string,
  sources: readonly string[]
): Promise<CoverageMapData | undefined> {
  let raw: string
  try {
    raw = await readFile(coverageFile, 'utf8')
  } catch {
    return undefined
  }
  const all = JSON.parse(raw) as CoverageMapData
  const translate = pathTranslator(sources)
  const wanted = new Set(sources)
  const kept: CoverageMapData = {}
  for (const [key, fileCoverage] of Object.entries(all)) {
    const path = translate(key)
    if (wanted.has(path)) kept[path] = { ...fileCoverage, path }
  }
  return kept
}
