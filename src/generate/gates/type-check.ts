/**
 * Type-checking a candidate test against the repository's own tsconfig and types, for gate 1.
 * vitest (and babel-jest) strip types without checking them, so a test with type errors passes
 * there and fails the repository's own `tsc`; ts-jest checks, but only after a framework start.
 *
 * Candidates are checked as strictly as the repository's own tests are: before the first check
 * under a tsconfig, a few of the repository's test files are checked with the same options. If they all
 * have type errors (the repository does not type-check its tests, or checks them with another
 * config), candidates under that tsconfig are not type-checked either; one clean test of
 * theirs (of the first three found) is enough to check ours.
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import ts from 'typescript'
import { defaultLibDirectory, findTsconfig, readCompilerOptions } from '../../analysis/project.js'
import { repositoryTypeScriptMajor, withTypeScript5Defaults } from './repository-compiler.js'

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/
const HUMAN_TEST = /(?<!\.testmaster)\.(?:test|spec)\.[cm]?tsx?$/
/** Type errors quoted per candidate (the first goes in the verdict, all to the healer). */
const MAX_ERRORS = 5
/** Repository tests checked to learn whether its tests type-check at all. */
const EXAMPLES = 3

interface Checker {
  /** undefined: the repository's own tests do not type-check under this tsconfig. */
  readonly options: ts.CompilerOptions | undefined
  readonly host: ts.CompilerHost
  /** Source files other than candidates, parsed once (lib files, the module, type packages). */
  readonly files: Map<string, ts.SourceFile>
  program: ts.Program | undefined
}

const checkers = new Map<string, Checker>()

/**
 * Where the search for a tsconfig stops: the repository root (the nearest `.git`), else the
 * filesystem root.
 */
function repositoryRoot(from: string): string {
  let dir = from
  for (;;) {
    try {
      if (readdirSync(dir).includes('.git')) return dir
    } catch {
      // Unreadable: keep going up.
    }
    const parent = dirname(dir)
    if (parent === dir) return dir
    dir = parent
  }
}

function checkerFor(configPath: string): Checker {
  const known = checkers.get(configPath)
  if (known) return known
  const options: ts.CompilerOptions = {
    ...repositoryOptions(configPath),
    noEmit: true,
    skipLibCheck: true,
    incremental: false,
    composite: false,
    declaration: false,
    tsBuildInfoFile: undefined,
    // Unused imports in a test are style, not a reason to reject it.
    noUnusedLocals: false,
    noUnusedParameters: false
  }
  const host = ts.createCompilerHost(options)
  // Bundled, TypeScript's lib files are beside our chunks, not beside TypeScript (project.ts).
  const libDirectory = defaultLibDirectory()
  host.getDefaultLibLocation = () => libDirectory
  host.getDefaultLibFileName = (libOptions) =>
    join(libDirectory, ts.getDefaultLibFileName(libOptions))
  const checker: Checker = { options, host, files: new Map(), program: undefined }
  const examples = findRepositoryTests(dirname(configPath))
  const theirsCheck =
    examples.length === 0 ||
    examples.some((file) => diagnosticsOf(checker, file, ts.sys.readFile(file) ?? '').length === 0)
  const calibrated: Checker = theirsCheck ? checker : { ...checker, options: undefined }
  checkers.set(configPath, calibrated)
  return calibrated
}

/**
 * The tsconfig's options as the repository's own TypeScript reads them: under a TypeScript older
 * than 6, what the tsconfig leaves out takes that version's defaults (repository-compiler.ts).
 */
function repositoryOptions(configPath: string): ts.CompilerOptions {
  const options = readCompilerOptions(configPath)
  const major = repositoryTypeScriptMajor(dirname(configPath))
  return major !== undefined && major < 6 ? withTypeScript5Defaults(options) : options
}

/** Up to three TypeScript test files the repository wrote itself, near the tsconfig. */
function findRepositoryTests(root: string): string[] {
  const found: string[] = []
  const queue = [root]
  let visited = 0
  while (queue.length > 0 && visited < 400 && found.length < EXAMPLES) {
    const dir = queue.shift() as string
    visited++
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      if (entry.isFile() && HUMAN_TEST.test(entry.name) && found.length < EXAMPLES)
        found.push(join(dir, entry.name))
    }
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
        queue.push(join(dir, entry.name))
    }
  }
  return found
}

function diagnosticsOf(checker: Checker, fileName: string, code: string): ts.Diagnostic[] {
  const options = checker.options
  if (!options) return []
  const host: ts.CompilerHost = {
    ...checker.host,
    fileExists: (path) => path === fileName || checker.host.fileExists(path),
    readFile: (path) => (path === fileName ? code : checker.host.readFile(path)),
    getSourceFile: (path, languageVersion, onError) => {
      if (path === fileName) return ts.createSourceFile(path, code, languageVersion, true)
      const cached = checker.files.get(path)
      if (cached) return cached
      const file = checker.host.getSourceFile(path, languageVersion, onError)
      if (file) checker.files.set(path, file)
      return file
    }
  }
  const program = ts.createProgram([fileName], options, host, checker.program)
  checker.program = program
  const source = program.getSourceFile(fileName)
  if (!source) return []
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
}

/**
 * The type errors of candidate `code` written at `fileName` (a TypeScript file inside the
 * repository), as `file:line:col: error TSnnnn: message` lines; empty when it type-checks, or
 * when the repository's tests are not type-checked (no tsconfig, or its own tests fail it).
 */
export function typeErrors(code: string, fileName: string): string[] {
  if (!TYPESCRIPT_FILE.test(fileName)) return []
  const configPath = findTsconfig(dirname(fileName), repositoryRoot(dirname(fileName)))
  if (!configPath) return []
  const checker = checkerFor(configPath)
  return diagnosticsOf(checker, fileName, code)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .slice(0, MAX_ERRORS)
    .map((d) => {
      const pos =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
      const where = pos ? `${fileName}:${pos.line + 1}:${pos.character + 1}: ` : ''
      return `${where}error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
    })
}
