/**
 * The package a module belongs to, for monorepos: its root (the nearest package.json), package
 * manager (lockfile, or the `packageManager` field), module type and test framework (jest or
 * vitest, from the package's scripts, config files and dependencies, then the workspace root's).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import type { Framework, PackageInfo } from './module-model.js'

interface PackageJson {
  name?: string
  type?: string
  packageManager?: string
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  jest?: unknown
}

const JEST_CONFIG = /^jest\.config\.(?:[cm]?[jt]s|json)$/
const VITEST_CONFIG = /^vitest\.(?:config|workspace)\.[cm]?[jt]s$/
const VITE_CONFIG = /^vite\.config\.[cm]?[jt]s$/

const LOCKFILES: readonly [string, PackageInfo['packageManager']][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lockb', 'bun'],
  ['bun.lock', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm']
]

/** Caches package lookups of one analysis run (many modules share a package). */
export class PackageDetector {
  private readonly byDir = new Map<string, PackageInfo>()
  private readonly jsonCache = new Map<string, PackageJson | undefined>()

  constructor(
    /** Absolute repository root. */
    readonly repoRoot: string,
    private readonly frameworkChoice: 'auto' | Framework = 'auto'
  ) {}

  /** The package of a repo-relative file path. */
  forFile(path: string): PackageInfo {
    return this.forDir(posix.dirname(path) === '.' ? '' : posix.dirname(path))
  }

  private forDir(dir: string): PackageInfo {
    const cached = this.byDir.get(dir)
    if (cached) return cached
    const info =
      this.readPackageJson(dir) !== undefined || dir === ''
        ? this.describe(dir)
        : this.forDir(posix.dirname(dir) === '.' ? '' : posix.dirname(dir))
    this.byDir.set(dir, info)
    return info
  }

  private describe(root: string): PackageInfo {
    const pkg = this.readPackageJson(root)
    const rootPkg = this.readPackageJson('')
    const framework =
      this.frameworkChoice !== 'auto'
        ? this.frameworkChoice
        : (this.frameworkOf(root, pkg) ?? (root !== '' ? this.frameworkOf('', rootPkg) : undefined))
    return {
      root,
      ...(pkg?.name ? { name: pkg.name } : {}),
      packageManager: this.packageManager(root, pkg ?? rootPkg),
      framework,
      moduleType: pkg?.type === 'module' ? 'esm' : 'cjs'
    }
  }

  /** Strongest evidence first: the test script, config files, then dependencies. */
  private frameworkOf(root: string, pkg: PackageJson | undefined): Framework | undefined {
    const scripts = Object.values(pkg?.scripts ?? {}).join('\n')
    const testScript = pkg?.scripts?.test ?? ''
    if (/\bvitest\b/.test(testScript)) return 'vitest'
    if (/\bjest\b/.test(testScript)) return 'jest'
    const files = this.list(root)
    if (files.some((file) => VITEST_CONFIG.test(file))) return 'vitest'
    if (files.some((file) => JEST_CONFIG.test(file)) || pkg?.jest !== undefined) return 'jest'
    const deps = { ...pkg?.peerDependencies, ...pkg?.dependencies, ...pkg?.devDependencies }
    // vite-plus runs vitest (`vp test`).
    if ('vitest' in deps || 'vite-plus' in deps) return 'vitest'
    if ('jest' in deps || 'ts-jest' in deps || 'babel-jest' in deps || '@jest/globals' in deps)
      return 'jest'
    if (/\bvitest\b/.test(scripts)) return 'vitest'
    if (/\bjest\b/.test(scripts)) return 'jest'
    for (const file of files.filter((name) => VITE_CONFIG.test(name))) {
      // A vite config with a `test` block configures vitest.
      if (/\btest\s*:/.test(this.read(join(root, file)) ?? '')) return 'vitest'
    }
    return undefined
  }

  private packageManager(
    root: string,
    pkg: PackageJson | undefined
  ): PackageInfo['packageManager'] {
    const declared = pkg?.packageManager?.split('@')[0]
    if (declared === 'pnpm' || declared === 'yarn' || declared === 'bun' || declared === 'npm')
      return declared
    // Lockfiles live at the workspace root in monorepos: look from the package up to the repo root.
    let dir = root
    for (;;) {
      const files = this.list(dir)
      for (const [lockfile, manager] of LOCKFILES) if (files.includes(lockfile)) return manager
      if (dir === '') break
      dir = posix.dirname(dir) === '.' ? '' : posix.dirname(dir)
    }
    const rootDeclared = this.readPackageJson('')?.packageManager?.split('@')[0]
    if (rootDeclared === 'pnpm' || rootDeclared === 'yarn' || rootDeclared === 'bun')
      return rootDeclared
    return 'npm'
  }

  private readPackageJson(dir: string): PackageJson | undefined {
    if (this.jsonCache.has(dir)) return this.jsonCache.get(dir)
    const text = this.read(join(dir, 'package.json'))
    let value: PackageJson | undefined
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text)
        value = parsed && typeof parsed === 'object' ? parsed : {}
      } catch {
        // A broken package.json still marks a package root.
        value = {}
      }
    }
    this.jsonCache.set(dir, value)
    return value
  }

  private read(rel: string): string | undefined {
    try {
      return readFileSync(join(this.repoRoot, rel), 'utf8')
    } catch {
      return undefined
    }
  }

  private list(rel: string): string[] {
    try {
      return readdirSync(join(this.repoRoot, rel))
    } catch {
      return []
    }
  }
}

/** One-off lookup of the package of `path` (repo-relative) in `repoRoot`. */
export function detectPackage(
  repoRoot: string,
  path: string,
  framework: 'auto' | Framework = 'auto'
): PackageInfo {
  return new PackageDetector(repoRoot, framework).forFile(path)
}
