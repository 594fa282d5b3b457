import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Framework } from '../analysis/module-model.js'
import { testScriptNodeFlags } from '../analysis/module-style.js'
import { resolveTargetPackageFile } from './target-files.js'

/**
 * How the repository itself runs its tests, read from its package.json: the package's own jest or
 * vitest, the Node flags its `scripts.test` passes (in NODE_OPTIONS or to `node` before the
 * framework's bin: the same reading the warm runners use, testScriptNodeFlags) and the config
 * file it names. The final check before delivery runs exactly this, so a test is delivered only
 * if it passes the way the user's CI will run it.
 */

export interface RepoTestCommand {
  readonly framework: Framework
  /** Absolute path of the framework's bin script in the target package. */
  readonly bin: string
  /** The Node flags of the script (from its NODE_OPTIONS or its `node` call), given to `node`. */
  readonly nodeArgs: readonly string[]
  /** Framework arguments taken from the script (its `--config`). */
  readonly frameworkArgs: readonly string[]
  /** Where the command came from, for reports: `scripts.test ("…")` or the default. */
  readonly source: string
}

const BINS: Record<Framework, string> = { jest: 'bin/jest.js', vitest: 'vitest.mjs' }

/** Splits a shell command into words, honouring quotes; enough for package.json scripts. */
export function shellWords(command: string): string[] {
  const words: string[] = []
  let current = ''
  let quote: '"' | "'" | undefined
  let started = false
  for (const char of command) {
    if (quote) {
      if (char === quote) quote = undefined
      else current += char
    } else if (char === '"' || char === "'") {
      quote = char
      started = true
    } else if (/\s/.test(char)) {
      if (started || current) words.push(current)
      current = ''
      started = false
    } else {
      current += char
    }
  }
  if (started || current) words.push(current)
  return words
}

/** The part of a script (`tsc && jest --ci`) that runs the framework, as words. */
function frameworkSegment(script: string, framework: Framework): string[] | undefined {
  const segments = script.split(/&&|\|\||;/).map((segment) => shellWords(segment.trim()))
  return segments.find((words) =>
    words.some(
      (word) =>
        word === framework ||
        word.endsWith(`/${framework}`) ||
        word.includes(`/${framework}/`) ||
        word.endsWith(`.bin/${framework}`)
    )
  )
}

/** The framework arguments of the script worth keeping: the config it names. */
function configArguments(words: readonly string[], framework: Framework): string[] {
  const start = words.findIndex(
    (word) =>
      word === framework || word.endsWith(`/${framework}`) || word.includes(`/${framework}/`)
  )
  const kept: string[] = []
  for (let index = start + 1; index < words.length; index++) {
    const word = words[index] ?? ''
    if (/^(?:--config|-c)=/.test(word)) kept.push(word.replace(/^-c=/, '--config='))
    else if (word === '--config' || word === '-c') {
      const value = words[index + 1]
      if (value !== undefined) kept.push(`--config=${value}`)
      index++
    }
  }
  return kept
}

/** The repository's own test command for `framework` in the package at `packageRoot`. */
export function resolveRepoTestCommand(packageRoot: string, framework: Framework): RepoTestCommand {
  const bin = resolveTargetPackageFile(packageRoot, framework, BINS[framework])
  let script: string | undefined
  try {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      scripts?: Record<string, unknown>
    }
    const test = manifest.scripts?.test
    script = typeof test === 'string' ? test : undefined
  } catch {
    script = undefined
  }
  const segment = script === undefined ? undefined : frameworkSegment(script, framework)
  if (script === undefined || segment === undefined) {
    return {
      framework,
      bin,
      nodeArgs: [],
      frameworkArgs: [],
      source: `the package's own ${framework} with no flags (scripts.test ${script === undefined ? 'is not set' : `does not run ${framework}`})`
    }
  }
  return {
    framework,
    bin,
    nodeArgs: testScriptNodeFlags(packageRoot),
    frameworkArgs: configArguments(segment, framework),
    source: `scripts.test (${JSON.stringify(script)})`
  }
}
