import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (where our node_modules live). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export const FIXTURE_PROJECTS = resolve(REPO_ROOT, '__tests__', 'fixtures', 'projects')

export type FixtureName =
  'jest-ts-esm' | 'jest-ts-cjs' | 'jest-babel-esm' | 'jest-babel-cjs' | 'vitest-esm' | 'vitest-cjs'

export interface FixtureProject {
  /** Real path (symlinks resolved) of the temp copy. */
  readonly root: string
  /** Absolute path of a file inside the copy. */
  path(relative: string): string
  write(relative: string, content: string): Promise<string>
  read(relative: string): Promise<string>
  remove(): Promise<void>
}

/**
 * Copies `__tests__/fixtures/projects/<name>` to a fresh temp dir and symlinks our node_modules
 * into it, so the project's own jest or vitest resolves with no install (changesets' approach).
 */
export async function createFixtureProject(name: FixtureName): Promise<FixtureProject> {
  const root = await realpath(await mkdtemp(join(tmpdir(), `tm-fixture-${name}-`)))
  await cp(join(FIXTURE_PROJECTS, name), root, { recursive: true })
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  const path = (relative: string): string => join(root, relative)
  return {
    root,
    path,
    async write(relative, content) {
      const file = path(relative)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, content)
      return file
    },
    read: (relative) => readFile(path(relative), 'utf8'),
    remove: () => rm(root, { recursive: true, force: true })
  }
}
