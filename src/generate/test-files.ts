import { lstat, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
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

/**
 * Merges accepted candidates of one module into one file: import declarations deduplicated at the
 * top, each candidate's body in its own block so top-level names cannot clash.
 */
export function mergeTestFiles(codes: readonly string[], fileName: string): string {
  if (codes.length === 1) return codes[0] ?? ''
  const imports: string[] = []
  const bodies: string[] = []
  // Local names already imported: the same binding imported twice, even spelled differently
  // (`{ describe, it }` and `{ it, describe }`), is a duplicate declaration in an ES module.
  const bound = new Set<string>()
  for (const code of codes) {
    const file = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true)
    const body: string[] = []
    for (const statement of file.statements) {
      const text = statement.getFullText(file).trim()
      if (ts.isImportDeclaration(statement)) {
        const kept = withoutBoundNames(statement, file, text, bound)
        if (kept !== undefined && !imports.includes(kept)) imports.push(kept)
      } else if (isHoistedMockCall(statement, file)) {
        if (!imports.includes(text)) imports.push(text)
      } else {
        body.push(text)
      }
    }
    bodies.push(`{\n${body.join('\n\n')}\n}`)
  }
  return `${imports.join('\n')}\n\n${bodies.join('\n\n')}\n`
}

/**
 * The import declaration without the local names already in `bound` (which it then adds to), or
 * undefined when nothing of it is left. Unchanged text when all its names are new.
 */
function withoutBoundNames(
  statement: ts.ImportDeclaration,
  file: ts.SourceFile,
  text: string,
  bound: Set<string>
): string | undefined {
  const clause = statement.importClause
  if (!clause) return text
  const named = clause.namedBindings
  const locals = [
    ...(clause.name ? [clause.name.text] : []),
    ...(named && ts.isNamespaceImport(named) ? [named.name.text] : []),
    ...(named && ts.isNamedImports(named) ? named.elements.map((e) => e.name.text) : [])
  ]
  const fresh = locals.filter((name) => !bound.has(name))
  for (const name of fresh) bound.add(name)
  if (fresh.length === locals.length) return text
  if (fresh.length === 0) return undefined
  const parts: string[] = []
  if (clause.name && fresh.includes(clause.name.text)) parts.push(clause.name.text)
  if (named && ts.isNamespaceImport(named) && fresh.includes(named.name.text))
    parts.push(named.getText(file))
  if (named && ts.isNamedImports(named)) {
    const elements = named.elements.filter((e) => fresh.includes(e.name.text))
    if (elements.length > 0) parts.push(`{ ${elements.map((e) => e.getText(file)).join(', ')} }`)
  }
  return `import ${clause.isTypeOnly ? 'type ' : ''}${parts.join(', ')} from ${statement.moduleSpecifier.getText(file)}`
}

function isHoistedMockCall(statement: ts.Statement, file: ts.SourceFile): boolean {
  if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression))
    return false
  const callee = statement.expression.expression.getText(file)
  return /^(jest|vi)\.(mock|unmock|doMock)$/.test(callee)
}
