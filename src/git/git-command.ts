import { execFile } from 'node:child_process'

/**
 * A git child process with fixed arguments (never a shell), no prompts, and the environment we
 * choose. Callers pass PR-controlled values only inside refspecs (`HEAD:refs/heads/<branch>`) or
 * after `--`, never where git reads options (SECURITY 30).
 */

export interface GitCommandResult {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/**
 * Config that keeps our git from running programs the work tree's `.git` names: PR code ran its
 * tests there and could have set them. Hooks stay on for `push` only, whose `--git-dir` may be a
 * local bare remote with hooks of its own (the config would reach its receive-pack); the hooks of
 * the work tree are put back before we push (`action/runner-command-files.ts`).
 */
function safetyConfig(args: readonly string[]): string[] {
  const config = ['-c', 'core.fsmonitor=false']
  if (args[0] !== 'push') config.push('-c', 'core.hooksPath=/dev/null')
  return config
}

/** Runs git; never throws for a non-zero exit (the caller reads `exitCode`). */
export function tryGit(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {}
): Promise<GitCommandResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      [...safetyConfig(args), ...args],
      {
        cwd,
        env: { ...process.env, ...env, GIT_TERMINAL_PROMPT: '0' },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8'
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ stdout, stderr, exitCode: code })
      }
    )
  })
}

/** A branch name as git would accept it, and never one that could read as an option. */
export function isSafeBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//') &&
    !name.includes('@{') &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u0020\u007f~^:?*[\\]/.test(name) &&
    !name.split('/').some((part) => part.startsWith('.'))
  )
}

/** A repository-relative path we may stage: no option look-alike, no escape from the tree. */
export function isSafeRepoPath(path: string): boolean {
  return (
    path.length > 0 &&
    !path.startsWith('-') &&
    !path.startsWith('/') &&
    !/^[A-Za-z]:/.test(path) &&
    !path.split(/[\\/]/).some((part) => part === '..' || part === '.git') &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f]/.test(path)
  )
}
