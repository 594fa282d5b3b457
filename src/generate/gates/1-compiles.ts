import ts from 'typescript'
import type { Verdict } from '../verdict.js'
import { rejected } from '../verdict.js'
import { typeErrors } from './type-check.js'

/**
 * Gate 1: the candidate parses as the language of its file and, in a TypeScript repository,
 * type-checks against the repository's own tsconfig and types (see type-check.ts): vitest would
 * run a test with type errors that the repository's `tsc` then rejects. Either kind of error
 * stops here without paying a framework start, and goes to the healer with the tsc error lines.
 */
export function checkCompiles(
  code: string,
  fileName: string
):
  | { ok: true }
  | {
      ok: false
      verdict: Verdict
      message: string
      /** Type errors only (the file parses), each with its line: the tests that hold them can go. */
      typeErrors?: readonly { line: number; text: string }[]
    } {
  const result = ts.transpileModule(code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      jsx: ts.JsxEmit.ReactJSX
    }
  })
  const errors = (result.diagnostics ?? []).filter(
    (d) => d.category === ts.DiagnosticCategory.Error
  )
  if (errors.length === 0) {
    const typeErrorLines = typeErrors(code, fileName)
    if (typeErrorLines.length === 0) return { ok: true }
    return {
      ok: false,
      message: typeErrorLines.join('\n'),
      verdict: rejected('compiles', typeErrorLines[0] ?? 'type error'),
      typeErrors: typeErrorLines.map((text) => ({ line: errorLine(text, fileName), text }))
    }
  }
  const message = errors
    .slice(0, 5)
    .map((d) => {
      const pos =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined
      const where = pos ? `${fileName}:${pos.line + 1}:${pos.character + 1}: ` : ''
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
    .join('\n')
  return {
    ok: false,
    message,
    verdict: rejected('compiles', message.split('\n')[0] ?? 'syntax error')
  }
}

/** The line of a `file:line:column: error …` diagnostic (0 when it has none). */
function errorLine(text: string, fileName: string): number {
  const rest = text.startsWith(`${fileName}:`) ? text.slice(fileName.length + 1) : ''
  return Number(/^(\d+):/.exec(rest)?.[1] ?? 0)
}
