import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import type { ExportedSymbol } from './module-model.js'

/**
 * The hand-written declaration file of a JavaScript module, when it has one: the sibling
 * `x.d.ts` (`x.d.cts` for `x.cjs`, `x.d.mts` for `x.mjs`), or the package's `types`/`typings`
 * when the module is the package's `main`. Its types are what the authors promise callers, and
 * often the only types a CommonJS or UMD module has.
 */

const DECLARATION_EXTENSION: Readonly<Record<string, string>> = {
  '.js': '.d.ts',
  '.jsx': '.d.ts',
  '.cjs': '.d.cts',
  '.mjs': '.d.mts'
}

/** Repo-relative path of the module's declaration file, or undefined. */
export function declarationFileFor(
  repoRoot: string,
  modulePath: string,
  packageRoot: string
): string | undefined {
  const extension = posix.extname(modulePath)
  const declarationExtension = DECLARATION_EXTENSION[extension]
  if (!declarationExtension) return undefined
  const sibling = modulePath.slice(0, -extension.length) + declarationExtension
  if (existsSync(join(repoRoot, sibling))) return sibling
  return packageTypesFor(repoRoot, modulePath, packageRoot)
}

function packageTypesFor(
  repoRoot: string,
  modulePath: string,
  packageRoot: string
): string | undefined {
  let manifest: { main?: unknown; types?: unknown; typings?: unknown }
  try {
    manifest = JSON.parse(readFileSync(join(repoRoot, packageRoot, 'package.json'), 'utf8')) as {
      main?: unknown
    }
  } catch {
    return undefined
  }
  const types = typeof manifest.types === 'string' ? manifest.types : manifest.typings
  if (typeof types !== 'string') return undefined
  const main = typeof manifest.main === 'string' ? manifest.main : 'index.js'
  const inPackage = (path: string) => posix.normalize(posix.join(packageRoot, path))
  const mainPath = inPackage(main)
  const isMain = mainPath === modulePath || `${mainPath}.js` === modulePath
  const declaration = inPackage(types)
  return isMain && existsSync(join(repoRoot, declaration)) ? declaration : undefined
}

/**
 * The module's exports with the declaration file's types: signatures, constructor, members and
 * kind come from the declaration (a `declare class` over an ES5 constructor makes it a class);
 * lines, changed flags and JSDoc stay the module's own. Exports only the declaration names are
 * added with the module's first export's lines (they are the module's runtime values too).
 */
export function withDeclaredTypes(
  own: readonly ExportedSymbol[],
  declared: readonly ExportedSymbol[]
): ExportedSymbol[] {
  const runnable = declared.filter((d) => d.kind !== 'type' && d.kind !== 'interface')
  const merged = own.map((symbol) => {
    const declaration = runnable.find((d) => d.name === symbol.name)
    if (!declaration) return symbol
    const { lines, changed, jsDoc, localName } = symbol
    return {
      ...declaration,
      lines,
      changed,
      ...(jsDoc !== undefined ? { jsDoc } : {}),
      ...(localName !== undefined ? { localName } : {})
    }
  })
  const first = own[0]
  if (first) {
    for (const declaration of runnable) {
      if (merged.some((m) => m.name === declaration.name)) continue
      merged.push({ ...declaration, lines: first.lines, changed: first.changed })
    }
  }
  return merged
}
