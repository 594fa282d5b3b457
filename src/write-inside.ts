import { constants, existsSync } from 'node:fs'
import { mkdir, open, realpath, unlink, type FileHandle } from 'node:fs/promises'
import { dirname, isAbsolute, relative, sep } from 'node:path'

/**
 * Writes and removals that check, at the moment they happen, that they land inside a root
 * directory (SECURITY 39). PR code runs between our path checks and our writes: it can swap the
 * test dir or the session dir for a symlink to anywhere. So each directory on the way is opened
 * and its real path read from the open descriptor (`/proc/self/fd/<n>`, which names the directory
 * itself, not a path that can be swapped), and the file is created through that descriptor with
 * O_NOFOLLOW: a symlink put in the file's place is refused rather than followed.
 */

/** Directories inside the root we never write into, whatever a symlink says. */
const PROTECTED = ['.git', '.github']

export class UnsafeWriteError extends Error {
  constructor(
    readonly path: string,
    why: string
  ) {
    super(`refusing to write ${path}: ${why}`)
    this.name = 'UnsafeWriteError'
  }
}

export interface WriteInsideOptions {
  /** Refuse a symlink anywhere on the way, even one that stays inside the root. */
  readonly noSymlinks?: boolean
  /** Only create: leave a file that is already there alone (throws EEXIST). */
  readonly exclusive?: boolean
}

/** Whether `/proc/self/fd` names open directories (Linux): the race-free way. */
const HAS_PROC_FD = existsSync('/proc/self/fd')

/** Whether `child` is `parent` or below it, by path (no file system access). */
export function isInsideDir(child: string, parent: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

function isProtected(real: string, root: string): boolean {
  const first = relative(root, real).split(sep)[0]
  return first !== undefined && PROTECTED.includes(first)
}

/** The path components of `path` below `root`; throws when `path` is not below it. */
function componentsBelow(root: string, path: string): string[] {
  const rel = relative(root, path)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new UnsafeWriteError(path, `not inside ${root}`)
  return rel.split(sep).filter((part) => part !== '' && part !== '.')
}

/** A name inside an open directory, addressed through the descriptor. */
function through(dir: FileHandle, name?: string): string {
  return `/proc/self/fd/${dir.fd}${name === undefined ? '' : `/${name}`}`
}

/**
 * Opens the directory that will hold `path`, creating the missing ones, each checked to be
 * inside `root` (and outside `.git` and `.github`) by the real path of its open descriptor.
 */
async function openParent(
  root: string,
  path: string,
  options: WriteInsideOptions & { readonly create?: boolean }
): Promise<{ dir: FileHandle; name: string }> {
  const realRoot = await realpath(root)
  // The path may be spelled from the root as given or from its real path.
  const parts = componentsBelow(isInsideDir(path, root) ? root : realRoot, path)
  const name = parts.pop()
  if (name === undefined || name === '..') throw new UnsafeWriteError(path, 'no file name')
  const directoryFlags =
    constants.O_RDONLY | constants.O_DIRECTORY | (options.noSymlinks ? constants.O_NOFOLLOW : 0)
  let dir = await open(realRoot, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    for (const part of parts) {
      if (part === '..') throw new UnsafeWriteError(path, "'..' on the way")
      const next = through(dir, part)
      if (options.create !== false)
        await mkdir(next).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error
        })
      const opened = await open(next, directoryFlags).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ELOOP' || error.code === 'ENOTDIR')
          throw new UnsafeWriteError(path, `${part} is a symlink or not a directory`)
        throw error
      })
      await dir.close()
      dir = opened
      const real = await realpath(through(dir))
      if (!isInsideDir(real, realRoot))
        throw new UnsafeWriteError(path, `${part} leads outside ${realRoot} (to ${real})`)
      if (isProtected(real, realRoot))
        throw new UnsafeWriteError(path, `${part} leads into a protected directory (${real})`)
    }
    return { dir, name }
  } catch (error) {
    await dir.close()
    throw error
  }
}

/** Path-based fallback where open directories cannot be addressed: checked, then written. */
async function checkedParentPath(root: string, path: string, create: boolean): Promise<string> {
  const realRoot = await realpath(root)
  componentsBelow(isInsideDir(path, root) ? root : realRoot, path)
  const parent = dirname(path)
  if (create) await mkdir(parent, { recursive: true })
  const real = await realpath(parent)
  if (!isInsideDir(real, realRoot) || isProtected(real, realRoot))
    throw new UnsafeWriteError(path, `its directory leads to ${real}`)
  return path
}

/**
 * Writes `content` to `path` (absolute, below `root`), creating directories on the way, after
 * checking at write time that every directory on the way really is inside `root`. A symlink in
 * the file's place is refused (O_NOFOLLOW). Throws UnsafeWriteError when a check fails.
 */
export async function writeFileInside(
  root: string,
  path: string,
  content: string,
  options: WriteInsideOptions = {}
): Promise<void> {
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    (options.exclusive ? constants.O_EXCL : constants.O_TRUNC)
  const refuseLink = (error: NodeJS.ErrnoException): never => {
    if (error.code === 'ELOOP') throw new UnsafeWriteError(path, 'the file is a symlink')
    throw error
  }
  if (!HAS_PROC_FD) {
    const file = await open(await checkedParentPath(root, path, true), flags, 0o644).catch(
      refuseLink
    )
    await file.writeFile(content, 'utf8').finally(() => file.close())
    return
  }
  const { dir, name } = await openParent(root, path, options)
  try {
    const file = await open(through(dir, name), flags, 0o644).catch(refuseLink)
    await file.writeFile(content, 'utf8').finally(() => file.close())
  } finally {
    await dir.close()
  }
}

/**
 * Removes `path` if it exists, after the same check as writeFileInside: a directory swapped for a
 * symlink never makes us delete a file elsewhere. A link in the file's place is removed as a link.
 */
export async function removeFileInside(root: string, path: string): Promise<void> {
  const ignoreMissing = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'ENOENT') throw error
  }
  if (!HAS_PROC_FD) {
    const checked = await checkedParentPath(root, path, false).catch(ignoreMissing)
    if (checked !== undefined) await unlink(checked).catch(ignoreMissing)
    return
  }
  let opened: { dir: FileHandle; name: string }
  try {
    opened = await openParent(root, path, { create: false })
  } catch (error) {
    // A directory on the way that is not there holds nothing to remove.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const { dir, name } = opened
  try {
    await unlink(through(dir, name)).catch(ignoreMissing)
  } finally {
    await dir.close()
  }
}
