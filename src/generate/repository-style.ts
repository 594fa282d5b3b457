/**
 * Delivered test files in the repository's own style: formatted with the repository's own
 * prettier and its config (without one, given the quotes and semicolons of its own tests), then
 * `eslint --fix` when the repository configures eslint, so its own `prettier --check` and lint
 * pass on them. Both tools are the repository's (resolved from the
 * package, never ours), and both run its code (plugins, JavaScript configs): they run in the
 * sandbox like its tests. A tool that is missing, fails or times out leaves the code as it was:
 * style never costs an accepted test.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { runSandboxed } from '../runner/sandboxed-process.js'
import { applyTestStyle, learnRepositoryTestStyle, type TestStyle } from './test-style.js'

const TOOL_TIMEOUT_MS = 60_000
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024

const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  'eslint.config.cts',
  '.eslintrc',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml'
]

export interface StyleOptions {
  /** Absolute root of the repository (configs are looked for from the package up to here). */
  readonly repoRoot: string
  /** Absolute root of the package the test belongs to. */
  readonly packageRoot: string
  readonly signal?: AbortSignal
}

/**
 * The style of the repository's own tests, learned once per options object: one delivery formats
 * a file at every merge step, and each learning walks and parses the repository's tests.
 */
const learnedStyles = new WeakMap<StyleOptions, TestStyle>()

function testStyleOf(options: StyleOptions): TestStyle {
  const known = learnedStyles.get(options)
  if (known) return known
  const style = learnRepositoryTestStyle(options.packageRoot)
  learnedStyles.set(options, style)
  return style
}

/** `code`, to be written at `filePath`, in the repository's style (or unchanged). */
export async function formatLikeRepository(
  code: string,
  filePath: string,
  options: StyleOptions
): Promise<string> {
  let styled = code
  const prettier = usesPrettier(options)
    ? resolveBin(options.packageRoot, 'prettier', 'bin/prettier.cjs')
    : undefined
  if (prettier) {
    styled =
      (await runTool(
        [prettier, '--stdin-filepath', relative(options.packageRoot, filePath)],
        styled,
        options,
        (stdout) => stdout
      )) ?? styled
  } else {
    // No prettier to ask: the repository's own tests are the style guide.
    styled = applyTestStyle(styled, filePath, testStyleOf(options))
  }
  const eslint = resolveBin(options.packageRoot, 'eslint', 'bin/eslint.js')
  if (eslint && hasConfigUpTo(options.packageRoot, options.repoRoot, ESLINT_CONFIGS)) {
    styled =
      (await runTool(
        [
          eslint,
          '--fix-dry-run',
          '--format',
          'json',
          '--stdin',
          '--stdin-filename',
          relative(options.packageRoot, filePath)
        ],
        styled,
        options,
        // eslint exits 1 when problems remain; its JSON still carries the fixed `output`.
        (stdout) => {
          const [result] = JSON.parse(stdout) as { output?: string }[]
          return result?.output
        },
        [0, 1]
      )) ?? styled
  }
  return styled
}

const PRETTIER_CONFIGS = [
  '.prettierrc',
  '.prettierrc.json',
  '.prettierrc.json5',
  '.prettierrc.yaml',
  '.prettierrc.yml',
  '.prettierrc.toml',
  '.prettierrc.js',
  '.prettierrc.cjs',
  '.prettierrc.mjs',
  '.prettierrc.ts',
  'prettier.config.js',
  'prettier.config.cjs',
  'prettier.config.mjs',
  'prettier.config.ts'
]

/**
 * Whether the repository uses prettier: a prettier config, a `prettier` key in a package.json, or
 * prettier among its declared dependencies. A prettier that is merely installed (hoisted by
 * another package) says nothing about the repository's style.
 */
function usesPrettier(options: StyleOptions): boolean {
  if (hasConfigUpTo(options.packageRoot, options.repoRoot, PRETTIER_CONFIGS)) return true
  for (const dir of new Set([options.packageRoot, options.repoRoot])) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >
      if (manifest.prettier !== undefined) return true
      for (const field of ['dependencies', 'devDependencies']) {
        const deps = manifest[field]
        if (deps && typeof deps === 'object' && 'prettier' in deps) return true
      }
    } catch {
      // No readable package.json here.
    }
  }
  return false
}

/** The path of a package's bin file, resolved from the repository's package; undefined if absent. */
function resolveBin(packageRoot: string, name: string, bin: string): string | undefined {
  try {
    const require = createRequire(join(packageRoot, 'package.json'))
    const file = join(dirname(require.resolve(`${name}/package.json`)), bin)
    return existsSync(file) ? file : undefined
  } catch {
    return undefined
  }
}

function hasConfigUpTo(from: string, to: string, names: readonly string[]): boolean {
  let dir = from
  for (;;) {
    if (names.some((name) => existsSync(join(dir, name)))) return true
    if (dir === to || relative(to, dir).startsWith('..')) return false
    const parent = dirname(dir)
    if (parent === dir) return false
    dir = parent
  }
}

async function runTool(
  args: readonly string[],
  input: string,
  options: StyleOptions,
  read: (stdout: string) => string | undefined,
  okCodes: readonly number[] = [0]
): Promise<string | undefined> {
  try {
    const result = await runSandboxed({
      command: process.execPath,
      args,
      cwd: options.packageRoot,
      input,
      timeoutMs: TOOL_TIMEOUT_MS,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      ...(options.signal ? { signal: options.signal } : {})
    })
    if (result.status !== 'exited' || result.truncated) return undefined
    if (!okCodes.includes(result.exitCode ?? -1)) return undefined
    const output = read(result.stdout)
    return output && output.trim() !== '' ? output : undefined
  } catch {
    return undefined
  }
}
