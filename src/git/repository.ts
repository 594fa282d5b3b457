/**
 * The target repository, behind intent-named methods (checkout's IGitCommandManager shape).
 *
 * Safety rules (SECURITY item 30): refs that come from outside are resolved to commit SHAs with
 * `rev-parse --verify --end-of-options` first, and only SHAs are passed to later commands, so a
 * branch named `--upload-pack=...` can never become an option. Paths always follow `--`, as
 * `:(literal)` pathspecs where git would read them as patterns. Git never prompts
 * (`GIT_TERMINAL_PROMPT=0`).
 */
import { spawn } from 'node:child_process'
import { realpath } from 'node:fs/promises'
import { simpleGit, type SimpleGit } from 'simple-git'
import type { ChangedFile } from '../analysis/module-model.js'
import { GitError, messageOf } from '../errors.js'
import {
  decideLineDiff,
  needsHeadSize,
  parseRawNumstat,
  PatchByteCap,
  PatchSectionParser,
  toChangedFiles,
  type DiffEntry,
  type LinePatch,
  type PatchSection
} from './changed-lines.js'

export interface GitRepositoryOptions {
  /** Remote to deepen a shallow clone from (default `origin`). */
  readonly remote?: string
  /**
   * Deepen a shallow clone when the merge base is missing, by these many commits per step
   * (default [50, 200, 1000]); an empty list never fetches.
   */
  readonly deepenSteps?: readonly number[]
}

/** Default cap on the number of changed files of one diff. */
export const DEFAULT_MAX_FILES = 3000
/** Default cap on one file's changed lines (added + deleted); above it the file is not diffed. */
export const DEFAULT_MAX_FILE_LINES = 5000
/** Default cap on one file's size on the head side, in bytes; above it the file is not diffed. */
export const DEFAULT_MAX_FILE_BYTES = 1_000_000
/** Default cap on the bytes of the whole line-by-line patch; files past it are not diffed. */
export const DEFAULT_MAX_PATCH_BYTES = 20_000_000

/** Caps of GitRepository.changedFiles. */
export interface ChangedFilesOptions {
  /** More changed files than this throws GIT_DIFF_TOO_LARGE (default 3,000). */
  readonly maxFiles?: number
  /** Files with more changed lines are listed as oversized, not diffed (default 5,000). */
  readonly maxFileLines?: number
  /** Files larger on the head side are listed as oversized, not diffed (default 1 MB). */
  readonly maxFileBytes?: number
  /** Files whose patch would start past this many bytes are listed as oversized (default 20 MB). */
  readonly maxPatchBytes?: number
}

/**
 * Most characters of pathspecs on one `git diff` command line: Windows caps a whole command line
 * at 32,767, and `git diff` has no --pathspec-from-file.
 */
const PATHSPEC_BATCH_CHARS = 24_000

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/

/**
 * simple-git 4 guards the environment: every `GIT_*` variable and a few others (editor, pager,
 * askpass) are stripped, and passing one explicitly rejects the command. We pass the ambient
 * environment minus those, plus GIT_TERMINAL_PROMPT=0, the one guarded variable we need.
 */
const ALLOWED_GIT_ENV = ['GIT_TERMINAL_PROMPT'] as const
const GUARDED_PLAIN_ENV = new Set(['editor', 'visual', 'pager', 'prefix', 'ssh_askpass'])

function gitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase()
    if (value === undefined || lower.startsWith('git_') || GUARDED_PLAIN_ENV.has(lower)) continue
    env[key] = value
  }
  env.GIT_TERMINAL_PROMPT = '0'
  return env
}

export class GitRepository {
  private shallowCache: boolean | undefined

  private constructor(
    /** Absolute path of the work tree's top level. */
    readonly root: string,
    private readonly git: SimpleGit,
    private readonly options: GitRepositoryOptions
  ) {}

  /**
   * Opens the repository containing `dir`. Throws GitError `GIT_NOT_A_REPOSITORY` when `dir` is
   * not inside a git work tree.
   */
  static async open(dir: string, options: GitRepositoryOptions = {}): Promise<GitRepository> {
    let base: string
    try {
      base = await realpath(dir)
    } catch (error) {
      throw new GitError(
        'GIT_NOT_A_REPOSITORY',
        `the directory '${dir}' does not exist`,
        'run TestMaster inside a checkout of the repository (actions/checkout first)',
        { cause: error }
      )
    }
    const git = createGit(base)
    let top: string
    try {
      top = (await git.raw(['rev-parse', '--show-toplevel'])).trim()
    } catch (error) {
      throw new GitError(
        'GIT_NOT_A_REPOSITORY',
        `'${dir}' is not inside a git work tree`,
        'run TestMaster inside a checkout of the repository (actions/checkout first)',
        { cause: error }
      )
    }
    return new GitRepository(top, createGit(top), options)
  }

  /**
   * Resolves a ref (branch, tag, SHA, `HEAD~2`) to the full SHA of the commit it names. Throws
   * GitError `GIT_REF_NOT_FOUND` naming the ref.
   */
  async revParse(ref: string): Promise<string> {
    if (ref === '' || ref.startsWith('-')) {
      throw new GitError(
        'GIT_REF_INVALID',
        `'${ref}' is not a valid git ref`,
        'pass a branch name, tag or commit SHA'
      )
    }
    try {
      const out = await this.git.raw([
        'rev-parse',
        '--verify',
        '--end-of-options',
        `${ref}^{commit}`
      ])
      return out.trim()
    } catch (error) {
      const shallow = await this.isShallow().catch(() => false)
      throw new GitError(
        'GIT_REF_NOT_FOUND',
        `the ref '${ref}' does not name a commit in ${this.root}`,
        shallow
          ? 'this is a shallow clone: fetch the ref, or set `fetch-depth: 0` on actions/checkout'
          : 'check the ref name; for a remote branch fetch it first (e.g. origin/main)',
        { cause: error }
      )
    }
  }

  /** The full SHA of HEAD. */
  async headSha(): Promise<string> {
    return this.revParse('HEAD')
  }

  /** Whether this is a shallow clone (actions/checkout's default `fetch-depth: 1`). */
  async isShallow(): Promise<boolean> {
    if (this.shallowCache === undefined) {
      const out = await this.run(['rev-parse', '--is-shallow-repository'])
      this.shallowCache = out.trim() === 'true'
    }
    return this.shallowCache
  }

  /**
   * The merge base of `base` and `head`: where the PR branched, so the diff from it holds the PR's
   * own changes and not what landed on the base since. In a shallow clone whose history does not
   * reach the merge base, deepens from the remote step by step; when that is not possible, throws
   * GitError `GIT_SHALLOW` naming the `fetch-depth` setting to use.
   */
  async mergeBase(base: string, head: string): Promise<string> {
    const baseSha = await this.resolveOrFetch(base)
    const headSha = await this.resolveOrFetch(head)
    const found = await this.tryMergeBase(baseSha, headSha)
    if (found) return found
    if (!(await this.isShallow())) {
      throw new GitError(
        'GIT_NO_MERGE_BASE',
        `'${base}' (${baseSha.slice(0, 12)}) and '${head}' (${headSha.slice(0, 12)}) have no common ancestor`,
        'check that the base ref is the branch the pull request targets'
      )
    }
    const remote = this.options.remote ?? 'origin'
    const steps = this.options.deepenSteps ?? [50, 200, 1000]
    let deepened = 0
    for (const step of steps) {
      try {
        // Fetch both tips explicitly: a PR checkout may hold neither branch as a remote ref.
        await this.run(
          [
            'fetch',
            '--no-tags',
            '--no-recurse-submodules',
            `--deepen=${step}`,
            remote,
            baseSha,
            headSha
          ],
          'deepen'
        )
      } catch (error) {
        throw this.shallowError(base, head, deepened, error)
      }
      deepened += step
      const again = await this.tryMergeBase(baseSha, headSha)
      if (again) return again
    }
    throw this.shallowError(base, head, deepened)
  }

  /**
   * The text of `path` at `ref`, or undefined when the path does not exist there (or is not a
   * file). Used to read the config from the base branch.
   */
  async showFile(ref: string, path: string): Promise<string | undefined> {
    const sha = await this.revParse(ref)
    const normalized = path.replace(/\\/g, '/').replace(/^\.\//, '')
    // ls-tree with `--` takes the path literally (no options, no pathspec magic).
    const listing = await this.run(['ls-tree', '-z', '--full-tree', sha, '--', normalized])
    for (const entry of listing.split('\0')) {
      const tab = entry.indexOf('\t')
      if (tab < 0) continue
      const [, type, object] = entry.slice(0, tab).split(' ')
      if (entry.slice(tab + 1) !== normalized || type !== 'blob' || !object) continue
      return this.run(['cat-file', 'blob', object])
    }
    return undefined
  }

  /**
   * The files changed between the merge base of `base` and `head`, and `head`: status (renames
   * with similarity), binary flag and the changed line ranges on the head side. Throws GitError
   * `GIT_DIFF_TOO_LARGE` when more than `maxFiles` files changed.
   *
   * Huge files are listed but never diffed line by line: `--numstat` and the blob sizes come
   * first, and a file over `maxFileLines` changed lines or `maxFileBytes` bytes gets `oversized`
   * instead of `lines`. The rest is diffed with literal pathspecs and read as a stream, keeping
   * only the line ranges; past `maxPatchBytes` of patch the remaining files are oversized too.
   */
  async changedFiles(
    base: string,
    head: string,
    options: ChangedFilesOptions = {}
  ): Promise<ChangedFile[]> {
    const mergeBase = await this.mergeBase(base, head)
    const headSha = await this.revParse(head)
    const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES
    const caps = {
      maxFileLines: options.maxFileLines ?? DEFAULT_MAX_FILE_LINES,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
    }
    const listing = await this.run(
      [
        'diff',
        '--raw',
        '--numstat',
        '-z',
        '--no-abbrev',
        ...DIFF_OPTIONS,
        mergeBase,
        headSha,
        '--'
      ],
      'diff'
    )
    const entries = parseRawNumstat(listing)
    if (entries.length > maxFiles) {
      throw new GitError(
        'GIT_DIFF_TOO_LARGE',
        `the pull request changes ${entries.length} files (${mergeBase.slice(0, 12)}..${headSha.slice(0, 12)}), more than the cap of ${maxFiles}`,
        'restrict `paths` or add `exclude` globs, or raise the cap; generated or vendored trees are usually the cause'
      )
    }
    const sizes = await this.blobSizes(
      entries.flatMap((entry) =>
        needsHeadSize(entry, caps) && entry.headBlob ? [entry.headBlob] : []
      )
    )
    const decisions = entries.map((entry) =>
      decideLineDiff(entry, entry.headBlob ? sizes.get(entry.headBlob) : undefined, caps)
    )
    const toDiff = entries.filter((_, index) => decisions[index]?.kind === 'diff')
    const patch = await this.linePatch(
      mergeBase,
      headSha,
      toDiff,
      options.maxPatchBytes ?? DEFAULT_MAX_PATCH_BYTES
    )
    return toChangedFiles(entries, decisions, patch)
  }

  /** Sizes in bytes of the given blobs, in one `cat-file --batch-check` (ids on stdin). */
  private async blobSizes(blobs: readonly string[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>()
    const unique = [...new Set(blobs)]
    if (unique.length === 0) return sizes
    const chunks: Buffer[] = []
    await this.stream(['cat-file', '--batch-check=%(objectname) %(objectsize)'], 'cat-file', {
      input: unique.map((blob) => `${blob}\n`).join(''),
      onData: (chunk) => {
        chunks.push(chunk)
        return true
      }
    })
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      const [blob, size] = line.split(' ')
      if (blob && size && /^\d+$/.test(size)) sizes.set(blob, Number(size))
    }
    return sizes
  }

  /**
   * The `-U0` patch of `entries` (both paths of a rename, so git pairs them as in the full diff),
   * in batches of literal pathspecs after `--`, parsed as it streams. Stops reading once the total
   * passes `maxBytes`; the section being read then is dropped with the files not reached.
   */
  private async linePatch(
    mergeBase: string,
    headSha: string,
    entries: readonly DiffEntry[],
    maxBytes: number
  ): Promise<LinePatch> {
    const batches: string[][] = []
    let batch: string[] = []
    let chars = 0
    for (const entry of entries) {
      const specs = [entry.previousPath, entry.path].flatMap((path) =>
        path === undefined ? [] : [`:(literal)${path}`]
      )
      const length = specs.reduce((sum, spec) => sum + spec.length + 1, 0)
      if (batch.length > 0 && chars + length > PATHSPEC_BATCH_CHARS) {
        batches.push(batch)
        batch = []
        chars = 0
      }
      batch.push(...specs)
      chars += length
    }
    if (batch.length > 0) batches.push(batch)

    const sections: PatchSection[] = []
    const cap = new PatchByteCap(maxBytes)
    for (const specs of batches) {
      const parser = new PatchSectionParser()
      const { stopped } = await this.stream(
        ['diff', '-U0', '--full-index', ...DIFF_OPTIONS, mergeBase, headSha, '--', ...specs],
        'diff',
        { onData: (chunk) => cap.write(parser, chunk) }
      )
      if (stopped) {
        // The last section may be cut short: its file is left out like the ones not reached.
        sections.push(...parser.sections.slice(0, -1))
        return { sections, truncatedAt: maxBytes }
      }
      sections.push(...parser.end())
    }
    return { sections }
  }

  /**
   * revParse, and in a shallow clone that lacks the commit (actions/checkout fetches only the PR
   * ref), fetch it at depth 1 first: a SHA as is, `<remote>/<branch>` or a branch name as
   * `refs/heads/<branch>`. Both go after the remote name inside a refspec, never as an option.
   */
  private async resolveOrFetch(ref: string): Promise<string> {
    try {
      return await this.revParse(ref)
    } catch (error) {
      if (!(await this.isShallow())) throw error
      const remote = this.options.remote ?? 'origin'
      let refspec: string
      if (/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(ref)) {
        refspec = ref
      } else {
        const branch = ref.startsWith(`${remote}/`) ? ref.slice(remote.length + 1) : ref
        if (!/^[\w./-]+$/.test(branch) || branch.startsWith('-') || branch.includes('..'))
          throw error
        refspec = `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`
      }
      try {
        await this.run(
          ['fetch', '--no-tags', '--no-recurse-submodules', '--depth=1', remote, refspec],
          'fetch'
        )
      } catch {
        throw error
      }
      return this.revParse(ref)
    }
  }

  private async tryMergeBase(a: string, b: string): Promise<string | undefined> {
    try {
      const out = (await this.git.raw(['merge-base', a, b])).trim()
      return SHA.test(out) ? out : undefined
    } catch {
      // merge-base exits 1 with no output when there is none (or history is cut by a shallow clone).
      return undefined
    }
  }

  private shallowError(base: string, head: string, deepened: number, cause?: unknown): GitError {
    const tried = deepened > 0 ? ` after deepening by ${deepened} commits` : ''
    return new GitError(
      'GIT_SHALLOW',
      `the merge base of '${base}' and '${head}' is not in this shallow clone${tried}`,
      'set `fetch-depth: 0` on actions/checkout (with: fetch-depth: 0) so the full history is available',
      { cause }
    )
  }

  /**
   * Runs git with stdout streamed to `onData` instead of buffered (simple-git buffers all of it,
   * which for a huge patch cost a gigabyte). `onData` returning false stops the process.
   */
  private async stream(
    args: string[],
    what: string,
    options: { input?: string; onData: (chunk: Buffer) => boolean }
  ): Promise<{ stopped: boolean }> {
    const result = await streamGit(this.root, args, options).catch((error: unknown) => ({
      error,
      stopped: false,
      exitCode: null,
      stderr: ''
    }))
    if ('error' in result || (!result.stopped && result.exitCode !== 0)) {
      const message =
        'error' in result
          ? messageOf(result.error)
          : result.stderr.trim() || `exit code ${String(result.exitCode)}`
      throw new GitError(
        'GIT_COMMAND_FAILED',
        `git ${what} failed in ${this.root}: ${message.split('\n')[0] ?? message}`,
        'check that the repository is intact and the refs exist',
        'error' in result ? { cause: result.error } : {}
      )
    }
    return { stopped: result.stopped }
  }

  private async run(args: string[], what = args[0] ?? 'git'): Promise<string> {
    try {
      return await this.git.raw(args)
    } catch (error) {
      const message = error instanceof Error ? error.message.trim() : String(error)
      throw new GitError(
        'GIT_COMMAND_FAILED',
        `git ${what} failed in ${this.root}: ${message.split('\n')[0] ?? message}`,
        'check that the repository is intact and the refs exist',
        { cause: error }
      )
    }
  }
}

/** Options of every diff: no colour, drivers or textconv (the raw content), renames, no submodules. */
const DIFF_OPTIONS = [
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--find-renames',
  '--ignore-submodules'
] as const

/** At most this much of a streamed command's stderr is kept for its error message. */
const MAX_STDERR = 64 * 1024

/**
 * Spawns git (never a shell) with the same environment as simple-git's commands, writes `input`
 * to its stdin and hands stdout chunks to `onData`; kills it when `onData` returns false.
 */
function streamGit(
  cwd: string,
  args: readonly string[],
  options: { input?: string; onData: (chunk: Buffer) => boolean }
): Promise<{ stopped: boolean; exitCode: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotePath=false', ...args], {
      cwd,
      env: gitEnvironment(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true
    })
    const { stdout, stderr: errors } = child
    if (!stdout || !errors) {
      reject(new Error('git was spawned without its output pipes'))
      return
    }
    let stopped = false
    let stderr = ''
    stdout.on('data', (chunk: Buffer) => {
      if (stopped) return
      if (!options.onData(chunk)) {
        stopped = true
        stdout.destroy()
        child.kill()
      }
    })
    errors.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({ stopped, exitCode, stderr }))
    if (child.stdin) {
      // git may exit before reading everything (stopped early): that is not an error here.
      child.stdin.on('error', () => undefined)
      child.stdin.end(options.input)
    }
  })
}

function createGit(baseDir: string): SimpleGit {
  return simpleGit({
    baseDir,
    maxConcurrentProcesses: 4,
    trimmed: false,
    // Paths with non-ASCII characters verbatim in the patch part too.
    config: ['core.quotePath=false'],
    allowEnvironment: ALLOWED_GIT_ENV
  }).env(gitEnvironment())
}
