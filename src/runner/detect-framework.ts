import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Framework } from '../analysis/module-model.js'

const JEST_CONFIG = /^jest\.config\.(c|m)?(js|ts)$|^jest\.config\.json$/
const VITEST_CONFIG = /^vitest\.(config|workspace)\.(c|m)?(js|ts)$/

interface PackageJson {
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  jest?: unknown
}

/**
 * Which framework the package at `packageRoot` tests with, from the strongest evidence down:
 * the `test` script, a framework config file (or a `jest` key in package.json), then the declared
 * dependencies. Undefined when nothing points to either.
 */
export async function detectFramework(packageRoot: string): Promise<Framework | undefined> {
  const pkg = await readPackageJson(packageRoot)
  const testScript = pkg?.scripts?.test ?? ''
  if (/\bvitest\b/.test(testScript)) return 'vitest'
  if (/\bjest\b/.test(testScript)) return 'jest'

  const files = await readdir(packageRoot).catch(() => [] as string[])
  if (files.some((file) => VITEST_CONFIG.test(file))) return 'vitest'
  if (files.some((file) => JEST_CONFIG.test(file)) || pkg?.jest !== undefined) return 'jest'

  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies }
  if ('vitest' in deps) return 'vitest'
  if ('jest' in deps || 'ts-jest' in deps || 'babel-jest' in deps) return 'jest'

  // A vite config with a `test` block is vitest's too.
  for (const file of files.filter((name) => /^vite\.config\.(c|m)?(js|ts)$/.test(name))) {
    const text = await readFile(join(packageRoot, file), 'utf8').catch(() => '')
    if (/\btest\s*:/.test(text)) return 'vitest'
  }
  return undefined
}

async function readPackageJson(packageRoot: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}
