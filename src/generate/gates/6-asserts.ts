import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'
import type { CoverageMapData } from 'istanbul-lib-coverage'
import type { LineRange, ModuleAnalysis } from '../../analysis/module-model.js'
import { coveredLines } from '../../coverage/uncovered-lines.js'
import type { TestRunner } from '../../runner/test-runner.js'
import { generateMutants } from '../mutants.js'
import { removeFile, writeTestFile } from '../test-files.js'

/**
 * Gate 6: a kept test must fail against at least one mutant of the changed lines it covers, so a
 * test without real assertions is rejected. Mutants are written beside the module under another
 * name and the candidate's import is redirected to them, so the module itself is never modified
 * (other modules' candidates may be running against it at the same time). The static half of the
 * gate, which every depth applies, is in 6-asserts-statically.ts.
 */

/**
 * What the mutant check found. `not-redirected`: the test reaches the module some other way (a
 * barrel that re-exports it, a package alias), so no mutant can be put in its place and the gate
 * cannot judge it. `no-mutants`: the lines it covers hold nothing to mutate.
 */
export type MutantCheck =
  | { readonly status: 'killed'; readonly tried: number }
  | { readonly status: 'survived'; readonly tried: number }
  | { readonly status: 'no-mutants' }
  | { readonly status: 'not-redirected'; readonly mutants: number }
  | { readonly status: 'stopped'; readonly tried: number }

function intersect(a: readonly LineRange[], lines: ReadonlySet<number>): LineRange[] {
  const out: LineRange[] = []
  for (const range of a) {
    for (let line = range.start; line <= range.end; line++) {
      if (lines.has(line)) out.push({ start: line, end: line })
    }
  }
  return out
}

/** Rewrites the last path segment of the module specifier to the mutant's file name. */
export function redirectImport(
  testCode: string,
  specifier: string,
  mutantStem: string,
  moduleStem: string
): string | undefined {
  const slash = specifier.lastIndexOf('/')
  const last = specifier.slice(slash + 1)
  if (!last.startsWith(moduleStem)) return undefined
  const redirected = specifier.slice(0, slash + 1) + mutantStem + last.slice(moduleStem.length)
  const quoted = new RegExp(`(['"])${specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`, 'g')
  if (!quoted.test(testCode)) return undefined
  return testCode.replace(quoted, (_m, q: string) => `${q}${redirected}${q}`)
}

const SOURCE_EXT = /\.(?:[cm]?[jt]sx?)$/

/** The module specifiers of a test file (imports, re-exports, `import()`, `require()`, mocks). */
function specifierLiterals(testCode: string, testPath: string): ts.StringLiteralLike[] {
  const file = ts.createSourceFile(testPath, testCode, ts.ScriptTarget.Latest, true)
  const found: ts.StringLiteralLike[] = []
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteralLike(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier)
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments
      const callee = node.expression
      const isLoader =
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require') ||
        /^(jest|vi)\.(mock|unmock|doMock|requireActual|importActual)$/.test(callee.getText(file))
      if (isLoader && first && ts.isStringLiteralLike(first)) found.push(first)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

/**
 * Points every relative specifier of the test that resolves to the module (with or without an
 * extension, `.js` for `.ts`, or a directory's index) at the mutant file instead. Undefined when
 * no specifier resolves to the module.
 */
export function redirectModuleSpecifiers(
  testCode: string,
  testPath: string,
  moduleFile: string,
  mutantFile: string
): string | undefined {
  const testDir = dirname(testPath)
  const target = moduleFile.replace(SOURCE_EXT, '')
  const targetIndex = basename(target) === 'index' ? dirname(target) : undefined
  const mutantBase = mutantFile.replace(SOURCE_EXT, '')
  const edits: { start: number; end: number; text: string }[] = []
  for (const literal of specifierLiterals(testCode, testPath)) {
    const specifier = literal.text
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue
    const ext = SOURCE_EXT.exec(specifier)?.[0] ?? ''
    const resolved = resolve(testDir, specifier.slice(0, specifier.length - ext.length))
    if (resolved !== target && resolved !== targetIndex) continue
    let redirected = relative(testDir, mutantBase).split(sep).join('/')
    if (!redirected.startsWith('.')) redirected = `./${redirected}`
    const quote = testCode[literal.getStart()] ?? "'"
    edits.push({
      start: literal.getStart(),
      end: literal.getEnd(),
      text: `${quote}${redirected}${ext}${quote}`
    })
  }
  if (edits.length === 0) return undefined
  let out = testCode
  for (const edit of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  return out
}

export async function checkKillsMutant(input: {
  runner: TestRunner
  /** The repository root: every mutant file is written below it, checked at write time. */
  repoRoot: string
  module: ModuleAnalysis
  moduleFile: string
  source: string
  testCode: string
  testPath: string
  coverage: CoverageMapData
  timeoutMs: number
  signal: AbortSignal
  maxMutants?: number
}): Promise<MutantCheck> {
  const covered = coveredLines(input.coverage, input.moduleFile)
  const changedCovered = intersect(input.module.changedLines, covered)
  // Mutate the changed lines the test reaches; when the change is not reached at all, any covered line.
  const target =
    changedCovered.length > 0 ? changedCovered : [...covered].map((l) => ({ start: l, end: l }))
  if (target.length === 0) return { status: 'no-mutants' }
  const mutants = generateMutants(input.source, input.moduleFile, target, input.maxMutants ?? 6)
  if (mutants.length === 0) return { status: 'no-mutants' }
  const ext = extname(input.moduleFile)
  const stem = basename(input.moduleFile, ext)
  let tried = 0
  for (const mutant of mutants) {
    if (input.signal.aborted) return { status: 'stopped', tried }
    const mutantStem = `${stem}.testmaster-${mutant.id}-${basename(input.testPath).length}`
    const mutantFile = join(dirname(input.moduleFile), `${mutantStem}${ext}`)
    // Any relative import that reaches the module, whatever its spelling; then the planned
    // specifier (which may be a package alias the file system cannot resolve).
    const redirected =
      redirectModuleSpecifiers(input.testCode, input.testPath, input.moduleFile, mutantFile) ??
      redirectImport(input.testCode, input.module.placement.importSpecifier, mutantStem, stem)
    if (!redirected) return { status: 'not-redirected', mutants: mutants.length }
    const mutantTest = input.testPath.replace(/(\.(test|spec)\.[cm]?[jt]sx?)$/, `-${mutant.id}$1`)
    try {
      await writeTestFile(input.repoRoot, mutantFile, mutant.source)
      await writeTestFile(input.repoRoot, mutantTest, redirected)
      const result = await input.runner.run({
        testFiles: [mutantTest],
        timeoutMs: input.timeoutMs,
        signal: input.signal
      })
      // A run cut short by the end of the run says nothing about the mutant.
      if (input.signal.aborted) return { status: 'stopped', tried }
      tried++
      const killed =
        result.status === 'timeout' ||
        (result.status === 'completed' &&
          result.files.some(
            (f) => f.status !== 'passed' || f.tests.some((t) => t.status === 'failed')
          ))
      if (killed) return { status: 'killed', tried }
    } finally {
      await removeFile(input.repoRoot, mutantFile)
      await removeFile(input.repoRoot, mutantTest)
    }
  }
  return { status: 'survived', tried }
}
