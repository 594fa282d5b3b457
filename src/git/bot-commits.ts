import { GitError } from '../errors.js'
import { readBotTrailer } from './bot-trailer.js'
import { tryGit } from './git-command.js'

/**
 * The test files TestMaster committed on a PR branch (commits carrying our trailer between the
 * merge base and the head), still present at the head: what `/testmaster heal` and the automatic
 * heal after a human push re-run.
 */

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/

export async function testFilesCommittedByBot(
  repoDir: string,
  baseSha: string,
  headSha: string
): Promise<string[]> {
  if (!SHA.test(baseSha) || !SHA.test(headSha))
    throw new GitError(
      'GIT_SHA_INVALID',
      `not a commit SHA: ${JSON.stringify(SHA.test(baseSha) ? headSha : baseSha)}`
    )
  const log = await tryGit(repoDir, [
    'log',
    '--no-renames',
    '--format=%x01%H%x02%B%x03',
    '--name-only',
    '--diff-filter=AM',
    `${baseSha}..${headSha}`
  ])
  if (log.exitCode !== 0)
    throw new GitError(
      'GIT_LOG',
      `could not list the commits ${baseSha.slice(0, 12)}..${headSha.slice(0, 12)}: ${log.stderr.trim()}`
    )
  const files = new Set<string>()
  for (const entry of log.stdout.split('\x01').slice(1)) {
    const [, rest = ''] = entry.split('\x02')
    const [message = '', names = ''] = rest.split('\x03')
    if (!readBotTrailer(message)) continue
    for (const name of names.split('\n').map((n) => n.trim())) if (name) files.add(name)
  }
  const present: string[] = []
  for (const file of [...files].sort()) {
    const exists = await tryGit(repoDir, ['cat-file', '-e', `${headSha}:${file}`])
    if (exists.exitCode === 0) present.push(file)
  }
  return present
}

/**
 * Whether `sha` is a commit of ours (SECURITY 28): our trailer, one parent, and only files
 * `isOurFile` accepts. The trailer alone is any author's to write, so it cannot turn the bot off.
 */
export async function isBotOnlyCommit(
  repoDir: string,
  sha: string,
  isOurFile: (path: string) => boolean
): Promise<boolean> {
  if (!SHA.test(sha))
    throw new GitError('GIT_SHA_INVALID', `not a commit SHA: ${JSON.stringify(sha)}`)
  const shown = await tryGit(repoDir, ['show', '-s', '--format=%P%x00%B', sha])
  if (shown.exitCode !== 0)
    throw new GitError(
      'GIT_LOG',
      `could not read commit ${sha.slice(0, 12)}: ${shown.stderr.trim()}`
    )
  const [parents = '', message = ''] = shown.stdout.split('\x00')
  const parentCount = parents.trim() === '' ? 0 : parents.trim().split(/\s+/).length
  if (!readBotTrailer(message) || parentCount !== 1) return false
  // Name and status: we only ever add or modify test files, so a deletion is not ours either.
  const changed = await tryGit(repoDir, [
    'diff-tree',
    '--no-commit-id',
    '--no-renames',
    '--name-status',
    '-r',
    '-z',
    sha
  ])
  if (changed.exitCode !== 0)
    throw new GitError(
      'GIT_DIFF',
      `could not list the files of ${sha.slice(0, 12)}: ${changed.stderr.trim()}`
    )
  const fields = changed.stdout.split('\x00').filter((f) => f.length > 0)
  if (fields.length === 0) return false
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i] ?? ''
    const path = fields[i + 1] ?? ''
    if ((status !== 'A' && status !== 'M') || !isOurFile(path)) return false
  }
  return fields.length % 2 === 0
}
