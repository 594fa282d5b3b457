/**
 * Turns a model's answer into one test file, or a reason why it holds none. Answers come fenced or
 * bare, with prose around them, in several blocks, or cut off at the output cap; none of that may
 * crash the run. A truncated file is salvaged when its complete tests can be kept and the open
 * `describe` blocks closed; otherwise it is rejected with that reason.
 */

export type ExtractResult =
  | { readonly status: 'code'; readonly code: string; readonly salvaged?: boolean }
  | { readonly status: 'no-code'; readonly reason: string }

export interface ExtractOptions {
  /** The endpoint said the answer hit the output cap (`finish_reason: length`). */
  readonly truncated?: boolean
}

interface Block {
  readonly lang: string
  readonly code: string
  readonly closed: boolean
}

const CODE_LANGS = new Set([
  '',
  'ts',
  'typescript',
  'tsx',
  'js',
  'javascript',
  'jsx',
  'mjs',
  'cjs',
  'mts',
  'cts'
])
const TEST_CALL = /\b(it|test|describe)(\.(only|each|skip|concurrent))?\s*\(/
const EXPECT = /\b(expect|assert)\s*[.(]/

/** Fenced blocks (``` or ~~~, any length) in order; an unclosed last block is kept as unclosed. */
function fencedBlocks(answer: string): Block[] {
  const lines = answer.split(/\r?\n/)
  const blocks: Block[] = []
  let open: { fence: string; lang: string; body: string[] } | undefined
  for (const line of lines) {
    if (!open) {
      const start = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)[^`]*$/.exec(line)
      if (start) open = { fence: start[1] ?? '```', lang: (start[2] ?? '').toLowerCase(), body: [] }
      continue
    }
    const close = new RegExp(
      `^\\s{0,3}${open.fence[0] === '`' ? '`' : '~'}{${open.fence.length},}\\s*$`
    )
    if (close.test(line)) {
      blocks.push({ lang: open.lang, code: open.body.join('\n'), closed: true })
      open = undefined
    } else open.body.push(line)
  }
  if (open) blocks.push({ lang: open.lang, code: open.body.join('\n'), closed: false })
  return blocks
}

function looksLikeTests(code: string): boolean {
  return TEST_CALL.test(code) && EXPECT.test(code)
}

/** An answer with no fences: drop leading and trailing prose around what looks like a file. */
function bareCode(answer: string): string | undefined {
  const lines = answer.split(/\r?\n/)
  const first = lines.findIndex((l) =>
    /^\s*(import\s|export\s|const\s|let\s|describe\s*\(|it\s*\(|test\s*\(|\/\/|\/\*|'use strict'|"use strict"|jest\.|vi\.)/.test(
      l
    )
  )
  if (first < 0) return undefined
  let last = lines.length - 1
  while (last > first && !/[;)}\]]\s*$|^\s*\/\//.test(lines[last] ?? '')) last--
  const code = lines.slice(first, last + 1).join('\n')
  return looksLikeTests(code) ? code : undefined
}

type Open = { readonly char: string; readonly line: number }

/**
 * Walks `code` tracking open brackets outside strings, template literals and comments. Calls
 * `atLineEnd(lineIndex, stack)` at the end of every line.
 */
function scanBrackets(
  code: string,
  atLineEnd: (line: number, stack: readonly Open[], offset: number) => void
): readonly Open[] {
  const stack: Open[] = []
  const templateDepth: number[] = []
  let line = 0
  let i = 0
  type Mode = 'code' | 'sq' | 'dq' | 'tpl' | 'line-comment' | 'block-comment'
  let mode: Mode = 'code'
  while (i < code.length) {
    const c = code[i] ?? ''
    const next = code[i + 1] ?? ''
    if (c === '\n') {
      if (mode === 'line-comment') mode = 'code'
      if (mode === 'code' || mode === 'block-comment' || mode === 'tpl') atLineEnd(line, stack, i)
      line++
      i++
      continue
    }
    switch (mode) {
      case 'code':
        if (c === '/' && next === '/') {
          mode = 'line-comment'
          i += 2
          continue
        }
        if (c === '/' && next === '*') {
          mode = 'block-comment'
          i += 2
          continue
        }
        if (c === "'") mode = 'sq'
        else if (c === '"') mode = 'dq'
        else if (c === '`') mode = 'tpl'
        else if (c === '(' || c === '{' || c === '[') stack.push({ char: c, line })
        else if (c === ')' || c === '}' || c === ']') {
          if (
            c === '}' &&
            templateDepth.length > 0 &&
            templateDepth[templateDepth.length - 1] === stack.length
          ) {
            templateDepth.pop()
            mode = 'tpl'
          } else stack.pop()
        }
        break
      case 'sq':
      case 'dq':
        if (c === '\\') i++
        else if ((mode === 'sq' && c === "'") || (mode === 'dq' && c === '"')) mode = 'code'
        break
      case 'tpl':
        if (c === '\\') i++
        else if (c === '`') mode = 'code'
        else if (c === '$' && next === '{') {
          templateDepth.push(stack.length)
          mode = 'code'
          i += 2
          continue
        }
        break
      case 'line-comment':
        break
      case 'block-comment':
        if (c === '*' && next === '/') {
          mode = 'code'
          i += 2
          continue
        }
        break
    }
    i++
  }
  atLineEnd(line, stack, code.length)
  return mode === 'code' || mode === 'line-comment' ? stack : [...stack, { char: mode, line }]
}

const CLOSER: Record<string, string> = { '(': ')', '{': '}', '[': ']' }

/**
 * Keeps the complete tests of a cut-off file: the longest prefix that ends where only `describe`
 * blocks are open, closed with the brackets they need. Undefined when nothing usable remains.
 */
export function salvageTruncated(code: string): string | undefined {
  const lines = code.split('\n')
  let best: { offset: number; closers: string } | undefined
  const describeLines = new Set<number>()
  for (let l = 0; l < lines.length; l++)
    if (/\bdescribe(\.\w+)?\s*\(/.test(lines[l] ?? '')) describeLines.add(l)
  scanBrackets(code, (line, stack, offset) => {
    // Every open bracket must belong to a describe(...) line: we are between tests.
    if (!stack.every((open) => describeLines.has(open.line) && CLOSER[open.char])) return
    const text = lines[line] ?? ''
    if (stack.length > 0 && !/^\s*\}\s*\)\s*;?\s*$/.test(text) && !/\{\s*$/.test(text)) return
    const closers = [...stack]
      .reverse()
      .map((open) => CLOSER[open.char])
      .join('')
    // `describe('x', () => {` opens ( and {: close them as `})`.
    best = { offset, closers }
  })
  if (!best) return undefined
  const kept = code.slice(0, best.offset).trimEnd()
  if (!looksLikeTests(kept)) return undefined
  return best.closers ? `${kept}\n${best.closers}\n` : `${kept}\n`
}

function balanced(code: string): boolean {
  return scanBrackets(code, () => undefined).length === 0
}

/** The test file in a model answer, or why there is none. */
export function extractTestCode(answer: string, options: ExtractOptions = {}): ExtractResult {
  if (answer.trim() === '') return { status: 'no-code', reason: 'the answer was empty' }
  const blocks = fencedBlocks(answer).filter((b) => CODE_LANGS.has(b.lang))
  let chosen: Block | undefined
  const testBlocks = blocks.filter((b) => looksLikeTests(b.code))
  if (testBlocks.length > 0) {
    // Several test blocks: the longest is the file; the others are usually excerpts of it.
    chosen = testBlocks.reduce((a, b) => (b.code.length > a.code.length ? b : a))
  } else if (blocks.length === 0) {
    const bare = bareCode(answer)
    if (bare) chosen = { lang: '', code: bare, closed: !options.truncated }
  }
  if (!chosen) {
    const why =
      blocks.length > 0
        ? 'its code blocks hold no test (no it/test call with an expect)'
        : 'it had no code block'
    return {
      status: 'no-code',
      reason: options.truncated
        ? `the answer was cut at the output cap and ${why}`
        : `the answer had no usable test file: ${why}`
    }
  }
  const code = chosen.code.trim()
  const cut = options.truncated || !chosen.closed || !balanced(code)
  if (!cut) return { status: 'code', code: `${code}\n` }
  const salvaged = salvageTruncated(code)
  if (!salvaged) {
    return {
      status: 'no-code',
      reason: options.truncated
        ? 'the answer was cut at the output cap before one complete test; raise llm.max-output-tokens'
        : 'the test file in the answer is incomplete (unbalanced brackets)'
    }
  }
  return { status: 'code', code: salvaged, salvaged: true }
}
