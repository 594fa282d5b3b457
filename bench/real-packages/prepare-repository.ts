/**
 * A package of the set as a pull-request-shaped git repository: the base commit without the
 * changed module (or with its older version), the head commit (checked out on `feature`) adding
 * or changing it, and around it the test setup the package's own `npm test` would use. The tools
 * (jest, ts-jest, babel-jest, vitest) come from a node_modules symlink, as after `npm ci`; runtime
 * dependencies from a cache outside the repository.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PackageSpec, Shape, Source } from './package-set.js'
import { git } from '../bench-support.js'

export interface PreparedRepository {
  /** The repository root (where the user runs `npx jest` / `npx vitest`). */
  readonly root: string
  /** The changed module, repository-relative. */
  readonly module: string
  /** The package's folder, repository-relative ('' at the root). */
  readonly packageDir: string
  readonly version: string
}

export interface PrepareOptions {
  /** Downloads and dependency installs, kept between runs. */
  readonly cacheDir: string
  /** node_modules holding jest 30, ts-jest, babel-jest, vitest and @vitest/coverage-v8. */
  readonly toolsNodeModules: string
  /** Folder of git mirrors of GitHub repositories, laid out as `<owner>+<name>/repo`. */
  readonly gitMirrors: string
}

interface Manifest {
  name?: string
  version?: string
  description?: string
  main?: string
  types?: string
  dependencies?: Record<string, string>
}

/** Builds the repository for `spec` under `workDir`; throws with the reason when it cannot. */
export async function prepareRepository(
  spec: PackageSpec,
  workDir: string,
  options: PrepareOptions
): Promise<PreparedRepository> {
  const source = await materialise(spec.source, options)
  const root = join(workDir, 'repo')
  const packageDir = spec.workspace ? join(root, spec.workspace) : root
  const moduleSource = join(source, spec.module.from)
  if (!existsSync(moduleSource))
    throw new Error(`${spec.module.from} is not in ${label(spec.source)}`)
  const manifest = await readManifest(source)

  await copyOtherFiles(spec, source, packageDir)
  await writeSetup(spec, source, root, packageDir, manifest)
  await symlink(await nodeModules(spec, options), join(root, 'node_modules'), 'dir')

  const moduleTarget = join(packageDir, spec.module.to)
  await mkdir(dirname(moduleTarget), { recursive: true })
  if (spec.base)
    await cp(join(await materialise(spec.base, options), spec.module.from), moduleTarget)
  git(root, 'init', '--quiet', '--initial-branch=main')
  git(root, 'add', '--all')
  git(root, 'commit', '--quiet', '--no-verify', '--message', 'base')
  git(root, 'checkout', '--quiet', '-b', 'feature')
  await cp(moduleSource, moduleTarget)
  const module = relative(root, moduleTarget)
  git(root, 'add', module)
  git(
    root,
    'commit',
    '--quiet',
    '--no-verify',
    '--message',
    `${spec.base ? 'update' : 'add'} ${module}`
  )
  return { root, module, packageDir: spec.workspace ?? '', version: manifest.version ?? '?' }
}

function label(source: Source): string {
  return 'npm' in source ? source.npm : `${source.github}@${source.ref}`
}

/** The source's files in the cache: an unpacked npm tarball or a GitHub tree at a tag. */
async function materialise(source: Source, options: PrepareOptions): Promise<string> {
  const dir = join(options.cacheDir, 'sources', label(source).replace(/[/@]/g, '+'))
  if (existsSync(join(dir, '.complete'))) return join(dir, 'tree')
  await rm(dir, { recursive: true, force: true })
  await mkdir(join(dir, 'tree'), { recursive: true })
  if ('npm' in source) {
    const packed = spawnSync('npm', ['pack', source.npm, '--silent', '--pack-destination', dir], {
      encoding: 'utf8'
    })
    const tarball = packed.stdout.trim().split('\n').pop()
    if (packed.status !== 0 || !tarball)
      throw new Error(`npm pack ${source.npm} failed: ${lastLine(packed.stderr)}`)
    tar(['xzf', join(dir, tarball), '-C', join(dir, 'tree'), '--strip-components=1'])
  } else if (existsSync(vendored(source))) {
    tar(['xzf', vendored(source), '-C', join(dir, 'tree')])
  } else {
    const mirror = join(options.gitMirrors, source.github.replace('/', '+'), 'repo')
    if (!existsSync(mirror))
      throw new Error(`no git mirror of ${source.github} at ${mirror} (set BENCH_GIT_MIRRORS)`)
    const archive = join(dir, 'tree.tar')
    const result = spawnSync(
      'git',
      ['--git-dir', mirror, 'archive', '--output', archive, source.ref],
      {
        encoding: 'utf8'
      }
    )
    if (result.status !== 0)
      throw new Error(
        `git archive ${source.github}@${source.ref} failed: ${lastLine(result.stderr)}`
      )
    tar(['xf', archive, '-C', join(dir, 'tree')])
  }
  await writeFile(join(dir, '.complete'), '')
  return join(dir, 'tree')
}

/**
 * The files of a GitHub source that the set uses, archived beside this file at the pinned ref
 * (`git archive <ref> -- <paths>`), so the benchmark needs no GitHub access; a source not
 * archived there is taken from a local git mirror.
 */
function vendored(source: { github: string; ref: string }): string {
  return join(VENDORED, `${source.github.replace('/', '+')}@${source.ref}.tar.gz`)
}

const VENDORED = join(dirname(fileURLToPath(import.meta.url)), 'sources')

function tar(args: string[]): void {
  const result = spawnSync('tar', args, { encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`tar ${args.join(' ')} failed: ${lastLine(result.stderr)}`)
}

/** Installs packages once per set of them (into the cache); returns their node_modules. */
async function installDependencies(
  dependencies: Readonly<Record<string, string>>,
  options: PrepareOptions
): Promise<string> {
  const specs = Object.entries(dependencies).map(([name, version]) => `${name}@${version}`)
  const key = createHash('sha256').update(specs.sort().join(' ')).digest('hex').slice(0, 12)
  const dir = join(options.cacheDir, 'dependencies', key)
  if (existsSync(join(dir, '.complete'))) return join(dir, 'node_modules')
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), '{ "private": true }\n')
  const result = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', ...specs],
    { cwd: dir, encoding: 'utf8' }
  )
  if (result.status !== 0)
    throw new Error(`npm install ${specs.join(' ')} failed: ${lastLine(result.stderr)}`)
  await writeFile(join(dir, '.complete'), '')
  return join(dir, 'node_modules')
}

async function readManifest(source: string): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as Manifest
  } catch {
    return {}
  }
}

/** Everything but the module and package.json: the listed files, or the whole npm tarball. */
async function copyOtherFiles(
  spec: PackageSpec,
  source: string,
  packageDir: string
): Promise<void> {
  const pairs =
    spec.files ??
    listFiles(source)
      .filter((file) => file !== spec.module.from && file !== 'package.json')
      .map((file) => [file, file] as const)
  for (const [from, to] of pairs) {
    const target = join(packageDir, to)
    await mkdir(dirname(target), { recursive: true })
    await cp(join(source, from), target)
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name
    return entry.isDirectory() ? listFiles(dir, path) : [path]
  })
}

/**
 * The repository's node_modules, as `npm ci` would leave it (inside the repository, where a
 * sandbox that shows only the repository still finds it): ours when the shape's tools are all it
 * needs, else the shape's tools and the package's runtime dependencies installed together into
 * the cache. ts-jest projects always get their own: TypeScript 5, which the packages of the set
 * declare (TypeScript 6, ours, no longer includes every @types package by default, so `describe`
 * would not type-check under their tsconfig files).
 */
async function nodeModules(spec: PackageSpec, options: PrepareOptions): Promise<string> {
  if (spec.shape !== 'ts-jest' && !spec.dependencies) return options.toolsNodeModules
  return installDependencies({ ...TOOLS[spec.shape], ...spec.dependencies }, options)
}

/** The versions of our node_modules, and TypeScript 5 with ts-jest. */
const TOOLS: Record<Shape, Record<string, string>> = {
  'ts-jest': { jest: '30.5.2', 'ts-jest': '29.4.15', typescript: '5.9.3', '@types/jest': '30.0.0' },
  jest: { jest: '30.5.2' },
  'babel-jest': {
    jest: '30.5.2',
    'babel-jest': '30.5.2',
    '@babel/core': '7.29.13',
    '@babel/preset-env': '7.29.14'
  },
  vitest: { vitest: '5.1.1', '@vitest/coverage-v8': '5.1.1' }
}

const DEV_DEPENDENCIES: Record<Shape, Record<string, string>> = {
  'ts-jest': {
    jest: '^30.0.0',
    'ts-jest': '^29.4.0',
    typescript: '^5.9.0',
    '@types/jest': '^30.0.0'
  },
  jest: { jest: '^30.0.0' },
  'babel-jest': {
    jest: '^30.0.0',
    'babel-jest': '^30.0.0',
    '@babel/core': '^7.29.0',
    '@babel/preset-env': '^7.29.0'
  },
  vitest: { vitest: '^5.1.0', '@vitest/coverage-v8': '^5.1.0' }
}

/** What `tsc --init` writes, the setup of a TypeScript package that brings no tsconfig. */
const TYPICAL_TSCONFIG = {
  compilerOptions: {
    target: 'es2016',
    module: 'commonjs',
    esModuleInterop: true,
    forceConsistentCasingInFileNames: true,
    strict: true,
    skipLibCheck: true
  }
}

/** package.json, the jest/babel/tsconfig files and .gitignore of the shape. */
async function writeSetup(
  spec: PackageSpec,
  source: string,
  root: string,
  packageDir: string,
  manifest: Manifest
): Promise<void> {
  const testScript = spec.shape === 'vitest' ? 'vitest run' : 'jest'
  const ownJest =
    spec.shape === 'ts-jest' || spec.workspace ? undefined : { testEnvironment: 'node' }
  await mkdir(packageDir, { recursive: true })
  await writeJson(join(packageDir, 'package.json'), {
    name: manifest.name ?? spec.id,
    version: manifest.version ?? '0.0.0',
    ...(manifest.description ? { description: manifest.description } : {}),
    ...(spec.esm ? { type: 'module' } : {}),
    ...(manifest.main ? { main: manifest.main } : {}),
    ...(manifest.types ? { types: manifest.types } : {}),
    ...(spec.workspace ? {} : { scripts: { test: testScript } }),
    ...(manifest.dependencies ? { dependencies: manifest.dependencies } : {}),
    ...(spec.workspace ? {} : { devDependencies: DEV_DEPENDENCIES[spec.shape] }),
    ...(ownJest ? { jest: ownJest } : {})
  })
  if (spec.workspace)
    await writeJson(join(root, 'package.json'), {
      name: `${spec.id}-workspace`,
      private: true,
      workspaces: [`${dirname(spec.workspace)}/*`],
      scripts: { test: testScript },
      devDependencies: DEV_DEPENDENCIES[spec.shape],
      jest: { testEnvironment: 'node' }
    })
  if (spec.shape === 'ts-jest') {
    await writeFile(
      join(root, 'jest.config.js'),
      "module.exports = {\n  preset: 'ts-jest',\n  testEnvironment: 'node'\n}\n"
    )
    if (spec.tsconfig) await cp(join(source, spec.tsconfig), join(root, 'tsconfig.json'))
    else await writeJson(join(root, 'tsconfig.json'), TYPICAL_TSCONFIG)
  }
  if (spec.shape === 'babel-jest')
    await writeFile(
      join(root, 'babel.config.js'),
      "module.exports = {\n  presets: [['@babel/preset-env', { targets: { node: 'current' } }]]\n}\n"
    )
  await writeFile(join(root, '.gitignore'), 'node_modules\ncoverage\n.testmaster\n')
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`)
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? ''
}
