import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'

/**
 * What the explorer child notices while a program runs, so that a call whose effects reach past
 * its return value is never turned into a test:
 *
 * - **file writes** through `fs` (sync, callback and promise forms) are refused and named: a test
 *   that creates `fooBar` in the repository, or anywhere else, is not a test we deliver;
 * - **file descriptors** the code under test did not open itself are refused (`readFileSync(0)`
 *   reads stdin: under the repository's own runner it waits forever);
 * - **files that appear in the working directory** (a scratch directory): native code (a database
 *   binding) writes without `fs`; what it created is removed;
 * - **errors thrown after the call returned** (`uncaughtException`, `unhandledRejection`): a
 *   callback the library calls later with a wrong-kind argument kills the user's test runner.
 *
 * Each of these becomes a hazard of the program that was running, or that ran last.
 */

export interface SideEffectGuard {
  /**
   * Starts attributing hazards to a new program; returns what was noticed since the last `end`,
   * which belongs to the program that ran last (its timers fired late).
   */
  begin(): string[]
  /** Lets late work settle, then returns (and forgets) the hazards of the program that ran. */
  end(): Promise<string[]>
}

/** `fs` functions that write, with the position of the path they write to. */
const WRITING_FUNCTIONS = [
  'writeFile',
  'appendFile',
  'mkdir',
  'mkdtemp',
  'rename',
  'copyFile',
  'cp',
  'symlink',
  'link',
  'unlink',
  'rm',
  'rmdir',
  'truncate',
  'utimes',
  'chmod',
  'chown'
] as const

/** `fs` functions whose first argument is a file descriptor. */
const DESCRIPTOR_FUNCTIONS = [
  'read',
  'readv',
  'write',
  'writev',
  'fstat',
  'fsync',
  'fdatasync',
  'ftruncate',
  'futimes',
  'fchmod',
  'fchown',
  'close'
] as const

/** `fs` functions that take a path or a descriptor first (a number there is a descriptor). */
const PATH_OR_DESCRIPTOR_FUNCTIONS = ['readFile', 'writeFile', 'appendFile'] as const

type AnyFunction = (...args: unknown[]) => unknown

/** Set while the child does its own file work (Node's own `fs` functions call each other). */
let ownWork = false

/** Runs the child's own file work (writing its output, cleaning its scratch dir) unguarded. */
export function asOwnWork<T>(work: () => T): T {
  const outer = ownWork
  ownWork = true
  try {
    return work()
  } finally {
    ownWork = outer
  }
}
type Table = Record<string, unknown>

/** Timers alive in this process (the code under test's, and none of ours between calls). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

/** The refusal the code under test sees (it may catch it: the hazard is recorded anyway). */
class RefusedByExplorer extends Error {
  constructor(what: string) {
    super(`the explorer does not let explored code ${what}`)
    this.name = 'RefusedByExplorer'
  }
}

function describePath(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof URL) return value.pathname
  if (Buffer.isBuffer(value)) return value.toString()
  return String(value)
}

/** Open flags that create, truncate or append. */
function writesOnOpen(flags: unknown): boolean {
  if (typeof flags === 'number')
    return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT)) !== 0
  return typeof flags === 'string' && /[wa+]/.test(flags)
}

/**
 * Installs the guards in this process (the explorer child, after the module under test has loaded)
 * and returns the handle that attributes what they see to programs. `scratchDir` is the child's
 * working directory, which it owns alone; `keep` lists its own files there.
 */
export function installSideEffectGuard(
  scratchDir: string,
  keep: ReadonlySet<string>
): SideEffectGuard {
  const pending: string[] = []
  const note = (hazard: string) => {
    if (pending.length < 20 && !pending.includes(hazard)) pending.push(hazard)
  }
  const ownDescriptors = new Set<number>()
  const refuseWrite = (name: string, path: unknown): never => {
    note(`writes a file (${name} ${describePath(path)})`)
    throw new RefusedByExplorer(`write files (${name})`)
  }
  const checkDescriptor = (name: string, fd: unknown) => {
    if (typeof fd !== 'number' || ownDescriptors.has(fd)) return
    note(`uses file descriptor ${fd} it did not open (${name})`)
    throw new RefusedByExplorer(`use file descriptor ${fd} (${name})`)
  }

  const patch = (table: Table, name: string, wrap: (original: AnyFunction) => AnyFunction) => {
    const original = table[name]
    if (typeof original !== 'function') return
    const guarded = wrap(original as AnyFunction)
    table[name] = function (this: unknown, ...args: unknown[]) {
      return (ownWork ? (original as AnyFunction) : guarded).apply(this, args)
    }
  }
  const fsTable = fs as unknown as Table
  const promises = fs.promises as unknown as Table
  for (const base of WRITING_FUNCTIONS) {
    const isPathOrDescriptor = (PATH_OR_DESCRIPTOR_FUNCTIONS as readonly string[]).includes(base)
    for (const [table, name] of [
      [fsTable, base],
      [fsTable, `${base}Sync`],
      [promises, base]
    ] as const) {
      patch(
        table,
        name,
        (original) =>
          function guarded(this: unknown, ...args: unknown[]) {
            if (isPathOrDescriptor && typeof args[0] === 'number') {
              checkDescriptor(name, args[0])
              return original.apply(this, args)
            }
            return refuseWrite(name, args[0])
          }
      )
    }
  }
  for (const base of ['readFile'] as const) {
    for (const [table, name] of [
      [fsTable, base],
      [fsTable, `${base}Sync`]
    ] as const) {
      patch(
        table,
        name,
        (original) =>
          function guarded(this: unknown, ...args: unknown[]) {
            checkDescriptor(name, args[0])
            return original.apply(this, args)
          }
      )
    }
  }
  for (const base of DESCRIPTOR_FUNCTIONS) {
    for (const name of [base, `${base}Sync`]) {
      patch(
        fsTable,
        name,
        (original) =>
          function guarded(this: unknown, ...args: unknown[]) {
            checkDescriptor(name, args[0])
            return original.apply(this, args)
          }
      )
    }
  }
  patch(
    fsTable,
    'openSync',
    (original) =>
      function guarded(this: unknown, ...args: unknown[]) {
        if (writesOnOpen(args[1])) refuseWrite('openSync', args[0])
        const fd = original.apply(this, args)
        if (typeof fd === 'number') ownDescriptors.add(fd)
        return fd
      }
  )
  patch(
    fsTable,
    'open',
    (original) =>
      function guarded(this: unknown, ...args: unknown[]) {
        if (writesOnOpen(args[1])) refuseWrite('open', args[0])
        const callback = args[args.length - 1]
        if (typeof callback === 'function')
          args[args.length - 1] = (error: unknown, fd: unknown) => {
            if (typeof fd === 'number') ownDescriptors.add(fd)
            ;(callback as AnyFunction)(error, fd)
          }
        return original.apply(this, args)
      }
  )
  patch(
    promises,
    'open',
    (original) =>
      function guarded(this: unknown, ...args: unknown[]) {
        if (writesOnOpen(args[1])) refuseWrite('open', args[0])
        return original.apply(this, args)
      }
  )
  patch(
    fsTable,
    'createWriteStream',
    () =>
      function guarded(...args: unknown[]) {
        return refuseWrite('createWriteStream', args[0])
      }
  )
  patch(
    fsTable,
    'createReadStream',
    (original) =>
      function guarded(this: unknown, ...args: unknown[]) {
        const options = args[1]
        if (typeof options === 'object' && options !== null)
          checkDescriptor('createReadStream', (options as { fd?: unknown }).fd)
        return original.apply(this, args)
      }
  )
  // `import { writeFileSync } from 'node:fs'` in ES modules sees the patched functions too.
  syncBuiltinESMExports()

  // Errors of work that outlived its call belong to the program that ran last.
  const late = (error: unknown) => {
    const text =
      error instanceof Error ? `${error.name}: ${error.message}` : `a thrown ${typeof error}`
    note(`throws after returning (${text.split('\n')[0]?.slice(0, 200) ?? ''})`)
  }
  process.on('uncaughtException', late)
  process.on('unhandledRejection', late)

  const listScratch = (): string[] => {
    try {
      return fs.readdirSync(scratchDir).filter((name) => !keep.has(name))
    } catch {
      return []
    }
  }
  const removeScratch = (name: string) => {
    try {
      asOwnWork(() => fs.rmSync(join(scratchDir, name), { recursive: true, force: true }))
    } catch {
      // gone already
    }
  }
  let timersBefore = 0
  return {
    begin() {
      timersBefore = activeTimers()
      for (const name of listScratch()) {
        note(`creates a file (${name}) in its working directory`)
        removeScratch(name)
      }
      return pending.splice(0)
    },
    async end() {
      // A turn of the event loop: callbacks and rejections of the call land here. Timers the call
      // left get a few milliseconds more, only when there are some: most calls leave none, and
      // the exploration makes thousands of calls.
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (activeTimers() > timersBefore) await new Promise<void>((r) => setTimeout(r, 5))
      for (const name of listScratch()) {
        note(`creates a file (${name}) in its working directory`)
        removeScratch(name)
      }
      return pending.splice(0)
    }
  }
}
