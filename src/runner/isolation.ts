import { spawnSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync
} from 'node:fs'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RunnerError } from '../errors.js'

/**
 * Isolation of the processes that run PR code or model-written code. Scrubbing a child's
 * environment is not enough: any process of the same user reads `/proc/<ancestor>/environ` (the
 * action's original environment holds the inputs, API key and token included) and `.git/config`
 * (the checkout token), and reaches the network. So each such process runs in a bubblewrap sandbox:
 * its own PID, network, IPC, UTS and user namespaces, a fresh /proc that shows only the sandbox,
 * a private $HOME and /tmp, the system and the repository read-only with `.git` hidden, writes
 * allowed only in the directories the caller names, and address-space and file-size limits.
 *
 * The mechanism is chosen once per process: bubblewrap when a trial sandbox starts, else none (the
 * caller decides what may still run then: see {@link isolationRefusal}).
 * `TESTMASTER_ISOLATION=bubblewrap` demands the sandbox (an error when it cannot start);
 * `TESTMASTER_ISOLATION=none` turns it off.
 */

export type IsolationMechanism = 'bubblewrap' | 'none'

export interface Isolation {
  readonly mechanism: IsolationMechanism
  /** One line for people: what isolates the tests and from what, or why nothing does. */
  readonly detail: string
}

/** What a sandboxed process may see of the host file system, beyond the system directories. */
export interface SandboxView {
  /** Host paths shown read-only; each widens to its repository (the directory holding `.git`). */
  readonly readable: readonly string[]
  /** Host paths shown read-write; every other write fails or lands in a private tmpfs. */
  readonly writable: readonly string[]
  /**
   * Directories inside the shown trees where the tools write scratch files (Vite's config bundle
   * in `node_modules/.vite-temp`): each is an empty private tmpfs in the sandbox, so the writes
   * work and are discarded. Created on the host when missing (a mount needs a mount point).
   */
  readonly scratch?: readonly string[]
}

/** Limits set inside the sandbox, for the process and everything it starts. */
export interface SandboxLimits {
  /**
   * Memory each process may allocate (RLIMIT_DATA: private writable mappings). Not RLIMIT_AS:
   * V8 reserves far more address space than it uses (WebAssembly guard regions alone are 10 GiB).
   */
  readonly memoryBytes: number
  /** Largest file a process may write (RLIMIT_FSIZE). */
  readonly fileSizeBytes: number
  /** Size of each private tmpfs (/tmp and $HOME), where bubblewrap can set it. */
  readonly tmpfsBytes: number
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  memoryBytes: 4 * 1024 ** 3,
  fileSizeBytes: 1024 ** 3,
  tmpfsBytes: 1024 ** 3
}

/** System directories every process needs, shown read-only (or as the symlinks they are). */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc']

/** Where $HOME is when the environment names none we can use. */
const FALLBACK_HOME = '/tmp/home'

/** The uid the sandbox runs as when we are root: root inside is pointless and looks alarming. */
const UNPRIVILEGED_UID = 1000

let probed: { isolation: Isolation; bwrap?: BwrapFeatures } | undefined

interface BwrapFeatures {
  readonly path: string
  readonly version: string
  /** `--size` for tmpfs (bubblewrap 0.7 and later). */
  readonly tmpfsSize: boolean
}

/**
 * The isolation this process uses, probed on first call (a trial sandbox running `true`) and kept.
 * Throws a RunnerError when `TESTMASTER_ISOLATION=bubblewrap` demands a sandbox that cannot start.
 */
export function currentIsolation(): Isolation {
  return probe().isolation
}

/** Forgets the probe (tests switch TESTMASTER_ISOLATION between cases). */
export function resetIsolationProbe(): void {
  probed = undefined
}

function probe(): NonNullable<typeof probed> {
  if (probed) return probed
  const wanted = (process.env.TESTMASTER_ISOLATION ?? 'auto').trim().toLowerCase()
  if (wanted !== 'auto' && wanted !== 'bubblewrap' && wanted !== 'none') {
    throw new RunnerError(
      'ISOLATION_INVALID',
      `TESTMASTER_ISOLATION must be auto, bubblewrap or none, got '${process.env.TESTMASTER_ISOLATION}'`,
      'unset it to use bubblewrap where it works'
    )
  }
  if (wanted === 'none') {
    probed = {
      isolation: {
        mechanism: 'none',
        detail: 'turned off (TESTMASTER_ISOLATION=none)'
      }
    }
    return probed
  }
  const trial = tryBubblewrap()
  if ('failure' in trial) {
    if (wanted === 'bubblewrap') {
      throw new RunnerError(
        'ISOLATION_UNAVAILABLE',
        `TESTMASTER_ISOLATION=bubblewrap, but no bubblewrap sandbox could be started: ${trial.failure}`,
        'install bubblewrap (apt-get install bubblewrap) on a kernel that allows user namespaces, or unset TESTMASTER_ISOLATION'
      )
    }
    probed = { isolation: { mechanism: 'none', detail: trial.failure } }
    return probed
  }
  probed = {
    isolation: {
      mechanism: 'bubblewrap',
      detail: `bubblewrap ${trial.version}: own PID, network, IPC, UTS and user namespaces; a fresh /proc; private $HOME and /tmp; the repository read-only without .git; writes only to the run's own directories`
    },
    bwrap: trial
  }
  return probed
}

function findOnPath(name: string, path = process.env.PATH): string | undefined {
  if (name.includes(sep)) return resolve(name)
  for (const dir of (path ?? '').split(':')) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** Starts a trial sandbox like the real ones; its failure line says why isolation is off. */
function tryBubblewrap(): BwrapFeatures | { failure: string } {
  const path = findOnPath('bwrap')
  if (!path) return { failure: 'bubblewrap (bwrap) is not installed' }
  const help = spawnSync(path, ['--help'], { encoding: 'utf8', timeout: 10_000 })
  const version =
    /bubblewrap\s+(\S+)/.exec(
      spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? ''
    )?.[1] ?? 'unknown'
  const features: BwrapFeatures = {
    path,
    version,
    tmpfsSize: (help.stdout ?? '').includes('--size')
  }
  const trueCommand = ['/usr/bin/true', '/bin/true'].find((p) => existsSync(p)) ?? 'true'
  const args = bwrapArgs(features, {
    command: trueCommand,
    args: [],
    cwd: '/',
    home: FALLBACK_HOME,
    view: { readable: [], writable: [] },
    limits: DEFAULT_SANDBOX_LIMITS
  })
  const trial = spawnSync(path, args, { encoding: 'utf8', timeout: 20_000, stdio: 'pipe' })
  if (trial.status === 0) return features
  const why =
    trial.error?.message ??
    (trial.stderr ?? '').trim().split('\n').pop() ??
    `exit code ${trial.status}`
  return { failure: `bubblewrap could not start a sandbox: ${why || `exit code ${trial.status}`}` }
}

/** The command and arguments that run `command` isolated, or unchanged where isolation is off. */
export function isolatedCommand(options: {
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly view: SandboxView
  readonly limits?: SandboxLimits
}): { readonly command: string; readonly args: string[]; readonly env: NodeJS.ProcessEnv } {
  const { bwrap } = probe()
  if (!bwrap) return { command: options.command, args: [...options.args], env: options.env }
  const home = sandboxHome(options.env.HOME)
  // Resolved here, so a missing command is a spawn error as without the sandbox, and its
  // directory can be shown.
  const command = isAbsolute(options.command)
    ? options.command
    : findOnPath(options.command, options.env.PATH)
  if (!command || !existsSync(command)) {
    throw Object.assign(new Error(`spawn ${options.command} ENOENT`), { code: 'ENOENT' })
  }
  return {
    command: bwrap.path,
    args: bwrapArgs(bwrap, {
      command,
      args: options.args,
      cwd: options.cwd,
      home,
      view: options.view,
      limits: options.limits ?? DEFAULT_SANDBOX_LIMITS
    }),
    env: { ...options.env, HOME: home, TMPDIR: '/tmp' }
  }
}

function sandboxHome(home: string | undefined): string {
  if (!home || !isAbsolute(home) || resolve(home) === sep) return FALLBACK_HOME
  // A HOME inside a system directory (root's /root is not one) cannot be a private tmpfs.
  if (SYSTEM_PATHS.some((system) => isUnder(resolve(home), system))) return FALLBACK_HOME
  return resolve(home)
}

type Mount =
  | { readonly kind: 'tmpfs'; readonly path: string }
  | { readonly kind: 'ro' | 'rw'; readonly source: string; readonly path: string }
  | { readonly kind: 'symlink'; readonly target: string; readonly path: string }
  | { readonly kind: 'hide-dir' | 'hide-file'; readonly path: string }

function bwrapArgs(
  features: BwrapFeatures,
  options: {
    readonly command: string
    readonly args: readonly string[]
    readonly cwd: string
    readonly home: string
    readonly view: SandboxView
    readonly limits: SandboxLimits
  }
): string[] {
  const uid = process.getuid?.() ?? UNPRIVILEGED_UID
  const gid = process.getgid?.() ?? UNPRIVILEGED_UID
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--uid',
    String(uid === 0 ? UNPRIVILEGED_UID : uid),
    '--gid',
    String(gid === 0 ? UNPRIVILEGED_UID : gid),
    '--hostname',
    'testmaster-sandbox',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--proc',
    '/proc',
    '--dev',
    '/dev'
  ]
  const size = (): string[] =>
    features.tmpfsSize ? ['--size', String(options.limits.tmpfsBytes)] : []
  for (const mount of planMounts(options.view, options.home, options.command)) {
    switch (mount.kind) {
      case 'tmpfs':
        args.push(...size(), '--tmpfs', mount.path)
        break
      case 'ro':
        args.push('--ro-bind', mount.source, mount.path)
        break
      case 'rw':
        args.push('--bind', mount.source, mount.path)
        break
      case 'symlink':
        args.push('--symlink', mount.target, mount.path)
        break
      case 'hide-dir':
        args.push('--tmpfs', mount.path, '--remount-ro', mount.path)
        break
      case 'hide-file':
        args.push('--ro-bind', '/dev/null', mount.path)
        break
    }
  }
  args.push('--chdir', options.cwd)
  // Limits through the shell's ulimit: inherited by everything the command starts.
  const limit = `ulimit -d ${Math.floor(options.limits.memoryBytes / 1024)} && ulimit -f ${Math.floor(options.limits.fileSizeBytes / 512)} && exec "$@"`
  args.push('--', '/bin/sh', '-c', limit, 'sh', options.command, ...options.args)
  return args
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

function depth(path: string): number {
  return path.split(sep).filter(Boolean).length
}

/**
 * The tree a readable path stands for: its repository (the directory holding `.git`), else its
 * package (the nearest directory with a package.json), else the path itself.
 */
export function repositoryRoot(path: string): string {
  let nearestPackage: string | undefined
  for (let dir = path; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir
    if (!nearestPackage && existsSync(join(dir, 'package.json'))) nearestPackage = dir
    if (dirname(dir) === dir) return nearestPackage ?? path
  }
}

/** Our own package (dist/ or src/ and our node_modules): the child scripts we start live there. */
function toolRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
  }
  return here
}

/** The installation prefix of the Node binary we run children with (`<prefix>/bin/node`). */
function nodePrefix(): string {
  return dirname(dirname(realpathSync(process.execPath)))
}

function realOrNull(path: string): string | undefined {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

/**
 * Every hop of a symlink chain starting at `path`, as [link path, link text], followed until a real
 * path or a dead end. The sandbox recreates the hops that lie outside what it shows.
 */
function symlinkHops(path: string): [string, string][] {
  const hops: [string, string][] = []
  let current = path
  for (let i = 0; i < 40; i++) {
    let text: string
    try {
      if (!lstatSync(current).isSymbolicLink()) break
      text = readlinkSync(current)
    } catch {
      break
    }
    hops.push([current, text])
    current = resolve(dirname(current), text)
  }
  return hops
}

/** node_modules entries (and scoped ones) that are symlinks: workspaces, pnpm, a linked checkout. */
function linkedPackages(nodeModules: string): string[] {
  const links: string[] = []
  const scan = (dir: string, scoped: boolean): void => {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const entry of entries) {
      const full = join(dir, entry)
      let isLink = false
      try {
        isLink = lstatSync(full).isSymbolicLink()
      } catch {
        continue
      }
      if (isLink) links.push(full)
      else if (!scoped && entry.startsWith('@')) scan(full, true)
    }
  }
  scan(nodeModules, false)
  return links
}

/**
 * The mounts of one sandbox, parents before children: tmpfs for /tmp and $HOME, the system and the
 * readable trees read-only, the writable paths read-write, symlinks that lead out of the shown trees
 * followed (node_modules linked from elsewhere), and `.git` of every shown tree hidden last.
 */
function planMounts(view: SandboxView, home: string, command: string): Mount[] {
  const mounts: Mount[] = []
  for (const system of SYSTEM_PATHS) {
    let stat
    try {
      stat = lstatSync(system)
    } catch {
      continue
    }
    if (stat.isSymbolicLink())
      mounts.push({ kind: 'symlink', target: readlinkSync(system), path: system })
    else mounts.push({ kind: 'ro', source: system, path: system })
  }
  mounts.push({ kind: 'tmpfs', path: '/tmp' })
  mounts.push({ kind: 'tmpfs', path: home })

  const readable = new Set<string>()
  const addReadable = (path: string): void => {
    const real = realOrNull(path)
    if (real && !SYSTEM_PATHS.some((system) => isUnder(real, system))) readable.add(real)
  }
  addReadable(nodePrefix())
  addReadable(toolRoot())
  if (isAbsolute(command)) addReadable(dirname(command))
  for (const path of view.readable) {
    const real = realOrNull(path)
    if (real) addReadable(repositoryRoot(real))
  }
  const writable = new Set<string>()
  for (const path of view.writable) {
    const real = realOrNull(path)
    if (real) writable.add(real)
  }
  // node_modules linked from outside (fixtures and monorepos symlink them): show where they lead.
  const links: [string, string][] = []
  for (const root of [...readable]) {
    for (const link of [
      join(root, 'node_modules'),
      ...linkedPackages(join(root, 'node_modules'))
    ]) {
      const hops = symlinkHops(link)
      if (hops.length === 0) continue
      links.push(...hops)
      const real = realOrNull(link)
      if (real) addReadable(real)
    }
  }
  // A tree inside another shown tree is shown already.
  const roots = [...readable].filter(
    (path) => ![...readable].some((other) => other !== path && isUnder(path, other))
  )
  const shownBy = (path: string): boolean =>
    roots.some((root) => isUnder(path, root)) || [...writable].some((w) => isUnder(path, w))
  for (const root of roots) mounts.push({ kind: 'ro', source: root, path: root })
  for (const path of writable) mounts.push({ kind: 'rw', source: path, path })
  for (const [link, text] of links) {
    if (!shownBy(link) && !mounts.some((m) => m.path === link))
      mounts.push({ kind: 'symlink', target: text, path: link })
  }
  // Parents before children; at equal depth tmpfs first, so a bind on the same path wins.
  const order: Record<Mount['kind'], number> = {
    tmpfs: 0,
    ro: 1,
    rw: 2,
    symlink: 3,
    'hide-dir': 4,
    'hide-file': 4
  }
  mounts.sort((a, b) => depth(a.path) - depth(b.path) || order[a.kind] - order[b.kind])
  for (const path of view.scratch ?? []) {
    try {
      mkdirSync(path, { recursive: true })
    } catch {
      continue
    }
    const real = realOrNull(path)
    if (real && shownBy(real)) mounts.push({ kind: 'tmpfs', path: real })
  }
  // Credentials: `.git` (its config may carry the checkout token) is hidden in every shown tree.
  for (const root of [...roots, ...writable]) {
    const git = join(root, '.git')
    let stat
    try {
      stat = lstatSync(git)
    } catch {
      continue
    }
    mounts.push({ kind: stat.isDirectory() ? 'hide-dir' : 'hide-file', path: git })
  }
  return mounts
}

/**
 * Why a run must not start without isolation: modes that hand secrets to code nobody with write
 * access has vouched for. Undefined when it may run (a same-repo PR's author can change the
 * workflow anyway; it then runs with a visible warning).
 */
export function isolationRefusal(
  isolation: Isolation,
  mode: {
    /** The PR comes from a fork. */
    readonly fork: boolean
    /** The run holds an LLM API key. */
    readonly llmKey: boolean
    /** `github.allow-forks` let a comment run on a fork. */
    readonly allowForks: boolean
    /** `github.allow-pull-request-target` let the PR's code run with the base repository's secrets. */
    readonly pullRequestTarget: boolean
  }
): string | undefined {
  if (isolation.mechanism !== 'none') return undefined
  const reasons: string[] = []
  if (mode.fork && mode.allowForks)
    reasons.push('github.allow-forks runs fork code with the repository secrets')
  if (mode.fork && mode.llmKey)
    reasons.push('the LLM would run on a fork PR with the API key present')
  if (mode.pullRequestTarget)
    reasons.push('pull_request_target runs the PR code with the repository secrets')
  if (reasons.length === 0) return undefined
  return `TestMaster refuses to run: ${reasons.join('; ')}, and no sandbox is available to keep the secrets from that code (${isolation.detail}). Install bubblewrap on the runner (sudo apt-get install -y bubblewrap) or turn that setting off.`
}
