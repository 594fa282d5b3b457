import { lstat, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { GenerationError } from '../errors.js'
import {
  isInsideDir,
  removeFileInside,
  UnsafeWriteError,
  writeFileInside
} from '../write-inside.js'

/**
 * Where generated tests are written. Paths come from our analysis (the module path and the
 * repository's conventions), never from model output, and are checked to stay inside the test
 * area: inside the repository, inside `test-dir` when set, outside `.github/`, and not through a
 * symlinked directory that leads elsewhere.
 */

/** The real path of the deepest existing ancestor, so a symlinked test dir cannot lead outside. */
async function realAncestor(path: string): Promise<string> {
  let current = path
  for (;;) {
    try {
      return join(await realpath(current), relative(current, path))
    } catch {
      const parent = dirname(current)
      if (parent === current) return path
      current = parent
    }
  }
}

export async function resolveTestPath(
  repoRoot: string,
  testPath: string,
  testDir?: string
): Promise<string> {
  const refuse = (why: string): never => {
    throw new GenerationError(
      'UNSAFE_TEST_PATH',
      `refusing to write test file ${JSON.stringify(testPath)}: ${why}`,
      'generated tests are only written under the test directory'
    )
  }
  if (isAbsolute(testPath) || testPath.split(/[\\/]/).includes('..'))
    refuse('not a plain relative path')
  const root = await realpath(repoRoot)
  const absolute = resolve(root, testPath)
  if (!isInsideDir(absolute, root)) refuse('outside the repository')
  const isProtected = (path: string): boolean => {
    const rel = relative(root, path).split(sep).join('/')
    return (
      rel.startsWith('.github/') ||
      rel.startsWith('.git/') ||
      rel.includes('/node_modules/') ||
      rel.startsWith('node_modules/')
    )
  }
  if (isProtected(absolute)) refuse('inside a protected directory')
  if (testDir && !isInsideDir(absolute, resolve(root, testDir)))
    refuse(`outside test-dir ${JSON.stringify(testDir)}`)
  if (!/\.(test|spec)\.[cm]?[jt]sx?$/.test(absolute)) refuse('not named as a test file')
  const real = await realAncestor(absolute)
  if (!isInsideDir(real, root))
    refuse('a directory on the way is a symlink that leads outside the repository')
  // A symlink inside the repository (a PR can replace the test dir with one) must not lead into
  // a protected directory, nor out of test-dir.
  if (isProtected(real))
    refuse('a directory on the way is a symlink that leads into a protected directory')
  if (testDir && !isInsideDir(real, resolve(root, testDir)))
    refuse(
      `a directory on the way is a symlink that leads outside test-dir ${JSON.stringify(testDir)}`
    )
  try {
    if ((await lstat(absolute)).isSymbolicLink()) refuse('the file is a symlink')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return absolute
}

/** `src/a.testmaster.test.ts` + `c1` -> `src/a.testmaster-c1.test.ts` (a sibling, so imports resolve). */
export function candidatePath(finalPath: string, id: string): string {
  const replaced = finalPath.replace(/\.(test|spec)(\.[cm]?[jt]sx?)$/, `-${id}.$1$2`)
  return replaced === finalPath ? `${finalPath}-${id}.test.ts` : replaced
}

/**
 * Writes a test (or mutant) file under the repository, checking at write time that it lands
 * there: PR code runs between resolveTestPath's check and this write, and may have swapped a
 * directory on the way for a symlink (SECURITY 39).
 */
export async function writeTestFile(
  repoRoot: string,
  absolutePath: string,
  code: string
): Promise<void> {
  try {
    await writeFileInside(repoRoot, absolutePath, code.endsWith('\n') ? code : `${code}\n`)
  } catch (error) {
    if (!(error instanceof UnsafeWriteError)) throw error
    throw new GenerationError(
      'UNSAFE_TEST_PATH',
      error.message,
      'a directory of the test path was replaced by a symlink while the tests ran; nothing was written'
    )
  }
}

/** Removes a file we wrote, never through a directory swapped for a symlink. */
export async function removeFile(repoRoot: string, absolutePath: string): Promise<void> {
  await removeFileInside(repoRoot, absolutePath)
}
