/** What the benchmarks share: git for the repositories they build, unpacking npm packages, medians. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/** git with no global or system config and fixed dates, so every run builds the same commits. */
export function git(root: string, ...args: string[]): string {
  const result = spawnSync(
    'git',
    [
      '-c',
      'user.name=Bench',
      '-c',
      'user.email=bench@example.com',
      '-c',
      'commit.gpgSign=false',
      ...args
    ],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
        GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z'
      }
    }
  )
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`)
  return result.stdout.trim()
}

/** `npm pack name@version` unpacked into `scratch/package`; returns that directory. */
export function unpackFromRegistry(name: string, version: string, scratch: string): string {
  const packed = spawnSync(
    'npm',
    ['pack', `${name}@${version}`, '--silent', '--pack-destination', scratch],
    { encoding: 'utf8' }
  )
  const tarball = packed.stdout.trim().split('\n').pop()
  if (packed.status !== 0 || !tarball)
    throw new Error(`npm pack ${name}@${version} failed: ${packed.stderr}`)
  const untar = spawnSync('tar', ['xzf', join(scratch, tarball), '-C', scratch])
  if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}`)
  return join(scratch, 'package')
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return NaN
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
