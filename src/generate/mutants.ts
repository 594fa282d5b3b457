import ts from 'typescript'
import type { LineRange } from '../analysis/module-model.js'

/**
 * Mutants of the changed lines of a module, for the "asserts something" gate: a kept test must
 * fail against at least one mutation of the code it covers. Operators are the classic
 * behaviour-changing ones (flip an operator, a boundary, a boolean, a return value).
 */

export interface Mutant {
  readonly id: string
  /** 1-based line of the mutated code. */
  readonly line: number
  readonly description: string
  readonly source: string
}

const BINARY_SWAPS: ReadonlyMap<ts.SyntaxKind, ts.SyntaxKind> = new Map([
  [ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken],
  [ts.SyntaxKind.MinusToken, ts.SyntaxKind.PlusToken],
  [ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken],
  [ts.SyntaxKind.SlashToken, ts.SyntaxKind.AsteriskToken],
  [ts.SyntaxKind.PercentToken, ts.SyntaxKind.AsteriskToken],
  [ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken],
  [ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.LessThanToken],
  [ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken],
  [ts.SyntaxKind.GreaterThanEqualsToken, ts.SyntaxKind.GreaterThanToken],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsEqualsToken],
  [ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken],
  [ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.EqualsEqualsToken],
  [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken],
  [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.AmpersandAmpersandToken],
  [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.AmpersandAmpersandToken]
])

function inRanges(line: number, ranges: readonly LineRange[]): boolean {
  return ranges.some((r) => line >= r.start && line <= r.end)
}

function scriptKindFor(fileName: string): ts.ScriptKind {
  if (/\.tsx$/.test(fileName)) return ts.ScriptKind.TSX
  if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX
  if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS
  return ts.ScriptKind.TS
}

/**
 * Mutants of the code on `lines` (all lines when empty), at most `limit`, spread over the lines so
 * a small limit still samples every changed statement.
 */
export function generateMutants(
  source: string,
  fileName: string,
  lines: readonly LineRange[],
  limit = 12
): Mutant[] {
  const file = ts.createSourceFile(
    fileName,
    source,
    ts.ScriptTarget.Latest,
    true,
    scriptKindFor(fileName)
  )
  const found: { start: number; end: number; text: string; line: number; description: string }[] =
    []
  const lineOf = (pos: number): number => file.getLineAndCharacterOfPosition(pos).line + 1

  const add = (
    node: ts.Node,
    start: number,
    end: number,
    text: string,
    description: string
  ): void => {
    const line = lineOf(start)
    if (lines.length > 0 && !inRanges(line, lines)) return
    found.push({ start, end, text, line, description })
    void node
  }

  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node)) {
      const swap = BINARY_SWAPS.get(node.operatorToken.kind)
      if (swap !== undefined) {
        const op = node.operatorToken
        add(
          op,
          op.getStart(file),
          op.getEnd(),
          ts.tokenToString(swap) ?? '',
          `${op.getText(file)} -> ${ts.tokenToString(swap)}`
        )
      }
    } else if (
      node.kind === ts.SyntaxKind.TrueKeyword ||
      node.kind === ts.SyntaxKind.FalseKeyword
    ) {
      const flipped = node.kind === ts.SyntaxKind.TrueKeyword ? 'false' : 'true'
      add(node, node.getStart(file), node.getEnd(), flipped, `${node.getText(file)} -> ${flipped}`)
    } else if (
      ts.isPrefixUnaryExpression(node) &&
      node.operator === ts.SyntaxKind.ExclamationToken
    ) {
      add(node, node.getStart(file), node.operand.getStart(file), '', `remove !`)
    } else if (ts.isNumericLiteral(node) && !ts.isEnumMember(node.parent)) {
      const value = Number(node.text)
      if (Number.isFinite(value)) {
        add(
          node,
          node.getStart(file),
          node.getEnd(),
          String(value + 1),
          `${node.text} -> ${value + 1}`
        )
      }
    } else if (ts.isReturnStatement(node) && node.expression) {
      const expr = node.expression
      add(
        node,
        expr.getStart(file),
        expr.getEnd(),
        'undefined as any',
        `return ${truncate(expr.getText(file))} -> return undefined`
      )
    } else if (ts.isIfStatement(node)) {
      const cond = node.expression
      add(
        node,
        cond.getStart(file),
        cond.getEnd(),
        `!(${cond.getText(file)})`,
        `negate if (${truncate(cond.getText(file))})`
      )
    }
    ts.forEachChild(node, visit)
  }
  visit(file)

  const isJs =
    scriptKindFor(fileName) === ts.ScriptKind.JS || scriptKindFor(fileName) === ts.ScriptKind.JSX
  // Round-robin over lines so the first mutants cover different changed statements, the lines
  // spread over the whole target: the first lines of a large change are often setup (buffer
  // sizes, counters) whose mutants no test can tell apart from the original.
  const byLine = new Map<number, typeof found>()
  for (const m of found) byLine.set(m.line, [...(byLine.get(m.line) ?? []), m])
  const mutatedLines = [...byLine.keys()].sort((a, b) => a - b)
  const picks = Math.min(limit, mutatedLines.length)
  const spread = new Set<number>()
  for (let k = 0; k < picks; k++) {
    const line = mutatedLines[Math.floor((k * mutatedLines.length) / picks)]
    if (line !== undefined) spread.add(line)
  }
  const lineOrder = [...spread, ...mutatedLines.filter((line) => !spread.has(line))]
  const ordered: typeof found = []
  for (let round = 0; ordered.length < found.length; round++) {
    for (const line of lineOrder) {
      const m = byLine.get(line)?.[round]
      if (m) ordered.push(m)
    }
  }
  return ordered.slice(0, limit).map((m, index) => {
    const text = isJs ? m.text.replace(' as any', '') : m.text
    return {
      id: `m${index + 1}`,
      line: m.line,
      description: `line ${m.line}: ${m.description}`,
      source: source.slice(0, m.start) + text + source.slice(m.end)
    }
  })
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ')
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat
}
