/**
 * Analyses changed modules with the TypeScript compiler API: exports and their signatures as
 * TypeModels, JSDoc, which exports hold changed lines, imports, ESM or CJS, side-effect hints, the
 * module's package (root, package manager, framework) and where its generated test goes.
 *
 * Fast path: modules are grouped by their nearest tsconfig (normally one group per package) and
 * each group gets ONE ts.Program holding all its changed modules; library typings are parsed once
 * per run and shared between groups.
 */
import { existsSync, realpathSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, sep } from 'node:path'
import ts from 'typescript'
import { AnalysisError } from '../errors.js'
import { declarationFileFor, withDeclaredTypes } from './declaration-file.js'
import { PackageDetector } from './detect-package.js'
import { extractExports } from './exported-symbols.js'
import { readModuleFacts } from './module-facts.js'
import type { ChangedFile, Framework, ModuleAnalysis } from './module-model.js'
import { learnTestModuleStyle } from './module-style.js'
import {
  createProject,
  findTsconfig,
  requiresImportExtension,
  SourceFileCache,
  type AnalysisProject
} from './project.js'
import { placeTest, TestIndex } from './test-location.js'
import { TypeBudgetExceeded, TypeModeller, type TypeBudget } from './type-model.js'

export interface AnalyzeOptions {
  /** Configured test directory (repo-relative); default: learned from existing tests. */
  readonly testDir?: string
  readonly framework?: 'auto' | Framework
  /** What describing one module's types may cost (default: DEFAULT_TYPE_BUDGET). */
  readonly typeBudget?: TypeBudget
}

/**
 * Analyses `files` (repo-relative paths of modules as they are in the work tree at `repoRoot`).
 * Returns one ModuleAnalysis per file, in the input order. Throws AnalysisError
 * `ANALYSIS_FILE_MISSING` when a file is not on disk.
 */
export async function analyzeModules(
  repoRoot: string,
  files: readonly ChangedFile[],
  options: AnalyzeOptions = {}
): Promise<ModuleAnalysis[]> {
  await Promise.resolve()
  return analyzeModulesSync(repoRoot, files, options)
}

function missingFile(path: string, root: string): AnalysisError {
  return new AnalysisError(
    'ANALYSIS_FILE_MISSING',
    `the changed module '${path}' is not in the work tree at ${root}`,
    'check out the pull request head before planning (the analysis reads the files on disk)'
  )
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/')
}

function analyzeModulesSync(
  repoRoot: string,
  files: readonly ChangedFile[],
  options: AnalyzeOptions
): ModuleAnalysis[] {
  if (files.length === 0) return []
  const root = realpathSync(repoRoot)
  const detector = new PackageDetector(root, options.framework ?? 'auto')
  const relativePath = (fileName: string): string | undefined => {
    const rel = relative(root, fileName)
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined
    const posixRel = toPosix(rel)
    return posixRel.split('/').includes('node_modules') ? undefined : posixRel
  }

  // Fail before building any Program: a missing file means the work tree is not at the head.
  for (const file of files) {
    if (!existsSync(join(root, file.path))) throw missingFile(file.path, root)
  }

  // Group by tsconfig: one Program per group.
  const groups = new Map<string, ChangedFile[]>()
  for (const file of files) {
    const config = findTsconfig(dirname(join(root, file.path)), root) ?? ''
    const group = groups.get(config) ?? []
    group.push(file)
    groups.set(config, group)
  }

  const cache = new SourceFileCache()
  const indexes = new Map<string, TestIndex>()
  const results = new Map<string, ModuleAnalysis>()
  for (const [configPath, groupFiles] of groups) {
    // JavaScript modules with a hand-written declaration file take their types from it.
    const declarations = new Map<string, string>()
    for (const file of groupFiles) {
      if (!/\.[cm]?jsx?$/.test(file.path)) continue
      const declaration = declarationFileFor(root, file.path, detector.forFile(file.path).root)
      if (declaration) declarations.set(file.path, join(root, declaration))
    }
    const project = createProject(
      [...groupFiles.map((file) => join(root, file.path)), ...declarations.values()],
      configPath || undefined,
      cache
    )
    const modeller = new TypeModeller(
      project.checker,
      project.program,
      relativePath,
      options.typeBudget
    )
    for (const file of groupFiles) {
      const absolute = join(root, file.path)
      const sourceFile = project.program.getSourceFile(absolute)
      if (!sourceFile) throw missingFile(file.path, root)
      const pkg = detector.forFile(file.path)
      let index = indexes.get(pkg.root)
      if (!index) {
        index = TestIndex.build(root, pkg.root)
        indexes.set(pkg.root, index)
      }
      const declarationPath = declarations.get(file.path)
      const declaration = declarationPath
        ? project.program.getSourceFile(declarationPath)
        : undefined
      results.set(
        file.path,
        analyzeOne(file, sourceFile, declaration, project, modeller, relativePath, pkg, index, {
          ...options,
          repoRoot: root
        })
      )
    }
  }
  return files.map((file) => {
    const analysis = results.get(file.path)
    if (!analysis) throw new AnalysisError('ANALYSIS_INTERNAL', `no analysis for '${file.path}'`)
    return analysis
  })
}

/**
 * The module's exports (typed by its declaration file when it has one), or none and the reason
 * when describing its types ran out of budget.
 */
function exportsWithinBudget(
  file: ChangedFile,
  sourceFile: ts.SourceFile,
  declaration: ts.SourceFile | undefined,
  project: AnalysisProject,
  modeller: TypeModeller
): { exports: ModuleAnalysis['exports']; skipReason?: string } {
  modeller.beginModule()
  try {
    const context = { checker: project.checker, modeller, changedLines: file.lines }
    const own = extractExports(sourceFile, context)
    return {
      exports: declaration
        ? withDeclaredTypes(own, extractExports(declaration, { ...context, changedLines: [] }))
        : own
    }
  } catch (error) {
    if (error instanceof TypeBudgetExceeded) return { exports: [], skipReason: error.reason }
    throw error
  }
}

function analyzeOne(
  file: ChangedFile,
  sourceFile: ts.SourceFile,
  declaration: ts.SourceFile | undefined,
  project: AnalysisProject,
  modeller: TypeModeller,
  relativePath: (fileName: string) => string | undefined,
  pkg: ModuleAnalysis['package'],
  index: TestIndex,
  options: AnalyzeOptions & { readonly repoRoot: string }
): ModuleAnalysis {
  const exported = exportsWithinBudget(file, sourceFile, declaration, project, modeller)
  const facts = readModuleFacts(sourceFile, (specifier) => {
    const resolved = ts.resolveModuleName(
      specifier,
      sourceFile.fileName,
      project.options,
      project.host,
      project.moduleResolutionCache
    ).resolvedModule
    return resolved ? relativePath(resolved.resolvedFileName) : undefined
  })
  const ext = file.path.slice(file.path.lastIndexOf('.'))
  const language: ModuleAnalysis['language'] = /^\.[cm]?tsx?$/.test(ext) ? 'ts' : 'js'
  const moduleFormat: ModuleAnalysis['moduleFormat'] =
    ext === '.mts' || ext === '.mjs'
      ? 'esm'
      : ext === '.cts' || ext === '.cjs'
        ? 'cjs'
        : facts.syntax === 'cjs'
          ? 'cjs'
          : language === 'js' && facts.syntax === 'esm'
            ? 'esm'
            : pkg.moduleType
  const extensionRequired =
    moduleFormat === 'esm' && (language === 'js' || requiresImportExtension(project.options))
  const placement = placeTest(index, {
    modulePath: file.path,
    packageRoot: pkg.root,
    framework: pkg.framework,
    extensionRequired,
    ...(options.testDir ? { testDir: options.testDir } : {})
  })
  const testStyle = learnTestModuleStyle({
    repoRoot: options.repoRoot,
    testPath: placement.testPath,
    packageRoot: pkg.root,
    framework: pkg.framework,
    moduleSyntax: ext === '.mjs' || ext === '.mts' ? 'esm' : ext === '.cjs' ? 'cjs' : facts.syntax,
    ...(project.configPath ? { compilerOptions: project.options } : {}),
    ...(index.conventions.jsLoader ? { jsTestLoader: index.conventions.jsLoader } : {}),
    sourceFile
  })
  const starts = sourceFile.getLineStarts()
  const lineCount = sourceFile.text.endsWith('\n') ? starts.length - 1 : starts.length
  return {
    path: file.path,
    language,
    moduleFormat,
    package: pkg,
    changedLines: file.lines,
    exports: exported.exports,
    ...(exported.skipReason ? { skipReason: exported.skipReason } : {}),
    imports: facts.imports,
    sideEffects: facts.sideEffects,
    placement,
    testStyle,
    lineCount
  }
}
