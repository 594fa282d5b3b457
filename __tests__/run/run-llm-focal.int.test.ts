import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Report } from '../../src/report/report-schema.js'
import { ReportSchema } from '../../src/report/report-schema.js'
import { renderComment } from '../../src/report/render-comment.js'
import { renderTerminal } from '../../src/report/render-terminal.js'
import {
  FakeOpenAiServer,
  fencedAnswer,
  type ScriptedAnswer,
  type ServedRequest
} from '../helpers/fake-openai-server.js'
import { requestInfo } from './llm-scenarios.js'
import { createRunProject, globalsImport, type RunProject } from './run-project.js'

/**
 * A module of over 1,000 lines (many functions, and an ES5 constructor with many prototype
 * methods) through a whole run with the LLM: the model is shown every function it is asked to
 * test, each whole, over several calls; a call is only made for code still uncovered; and the
 * funnel reaches the report, the terminal and the comment. The scripted model tests exactly the
 * functions whose source a request shows, so what it covers follows what it was shown.
 */

const FUNCTIONS = 60
const METHODS = 30

/** Each function hides its branch behind a coupon format the explorer's inputs do not reach. */
function couponFunction(i: number): string {
  return `/**
 * Percent off for a coupon code, plus ${i}: SAVE followed by a multiple of 5 up to 50 gives
 * that percent plus ${i}. Anything else gives 0.
 */
export function coupon${i}(code: string): number {
  const match = /^SAVE(\\d+)$/.exec(code)
  if (match) {
    const pct = Number(match[1])
    if (pct >= 5 && pct % 5 === 0 && pct <= 50) {
      return pct + ${i}
    }
  }
  return 0
}
`
}

function tallyMethod(i: number): string {
  return `/** Adds the percent of a SAVE code, plus ${i}, to the tally; returns the new count. */
Tally.prototype.add${i} = function (this: { count: number }, code: string): number {
  const match = /^SAVE(\\d+)$/.exec(code)
  if (match) {
    const pct = Number(match[1])
    if (pct >= 5 && pct % 5 === 0 && pct <= 50) {
      this.count += pct + ${i}
    }
  }
  return this.count
}
`
}

const BIG_SOURCE = [
  "import { basename } from 'node:path'",
  '',
  '/** The name of this module, from its path. */',
  "export const MODULE_NAME = basename('src/big.ts', '.ts')",
  '',
  ...Array.from({ length: FUNCTIONS }, (_, i) => couponFunction(i)),
  '/** A tally of coupon percents (an ES5 constructor: its methods live on the prototype). */',
  'export function Tally(this: { count: number }, start: number): void {',
  '  this.count = start',
  '}',
  '',
  ...Array.from({ length: METHODS }, (_, i) => tallyMethod(i))
].join('\n')

const BIG_LINES = BIG_SOURCE.split('\n')

/** Lines (1-based) of each function and method in the source, by name. */
function declarationLines(): Map<string, { start: number; end: number }> {
  const found = new Map<string, { start: number; end: number }>()
  BIG_LINES.forEach((line, index) => {
    const name =
      /^export function (coupon\d+|Tally)\(/.exec(line)?.[1] ??
      /^Tally\.prototype\.(add\d+) = /.exec(line)?.[1]
    if (!name) return
    let end = index
    while (BIG_LINES[end] !== '}') end++
    found.set(name, { start: index + 1, end: end + 1 })
  })
  return found
}

/** The module's lines a request shows, by line number, from its numbered source block. */
function shownLines(request: ServedRequest): Map<number, string> {
  const shown = new Map<number, string>()
  for (const line of request.userText.split('\n')) {
    const match = /^\s*(\d+)\| (.*)$/.exec(line)
    if (match) shown.set(Number(match[1]), match[2] ?? '')
  }
  return shown
}

/** Shows whole: every line of the declaration, exactly as in the file. */
function showsWhole(request: ServedRequest, range: { start: number; end: number }): boolean {
  const shown = shownLines(request)
  for (let line = range.start; line <= range.end; line++)
    if (shown.get(line) !== BIG_LINES[line - 1]) return false
  return true
}

/** The part of the module a request names as its target. */
function targetOf(request: ServedRequest): string {
  return /this call covers part of it: (.*?)\. Write tests/.exec(request.userText)?.[1] ?? ''
}

/** The scripted model: a passing test of every function and method whose source it was shown. */
function answerFor(request: ServedRequest): ScriptedAnswer {
  const info = requestInfo(request)
  if (info.module !== 'big') return { status: 400 }
  const shown = [...shownLines(request).values()]
  const functions = shown.flatMap((l) => /^export function (coupon\d+)\(/.exec(l)?.[1] ?? [])
  const methods = shown.flatMap((l) => /^Tally\.prototype\.add(\d+) = /.exec(l)?.[1] ?? [])
  const names = [...functions, ...(methods.length > 0 ? ['Tally'] : [])]
  const blocks = functions.map((name) => {
    const i = Number(name.slice('coupon'.length))
    return `describe('${name}', () => {
  it('gives the percent of a SAVE code plus ${i}', () => {
    expect(${name}('SAVE10')).toBe(${10 + i})
    expect(${name}('SAVE7')).toBe(0)
  })
})`
  })
  for (const m of methods) {
    const i = Number(m)
    blocks.push(`describe('Tally.prototype.add${m}', () => {
  it('adds the percent of a SAVE code plus ${i}', () => {
    const tally = new (Tally as unknown as new (start: number) => Record<string, (code: string) => number>)(1)
    expect(tally.add${m}!('SAVE10')).toBe(${11 + i})
    expect(tally.add${m}!('SAVE7')).toBe(${11 + i})
  })
})`)
  }
  const code = `${globalsImport('jest')}
import { ${names.join(', ')} } from '${info.specifier}'

${blocks.join('\n\n')}
`
  return { content: fencedAnswer(code) }
}

describe('run() with the LLM on a module of over 1,000 lines', () => {
  let project: RunProject
  let server: FakeOpenAiServer
  let report: Report

  beforeAll(async () => {
    expect(BIG_LINES.length).toBeGreaterThan(1000)
    server = await FakeOpenAiServer.start({ script: answerFor })
    project = await createRunProject({
      framework: 'jest',
      base: { 'src/keep.ts': 'export const keep = 1\n' },
      head: { 'src/big.ts': BIG_SOURCE }
    })
    report = await project.run(
      {
        llm: {
          provider: 'openai',
          baseUrl: server.baseUrl,
          model: 'gpt-4o-mini',
          maxRetries: 0,
          timeoutSeconds: 30
        },
        depth: 'medium',
        stabilityRuns: 1,
        concurrency: 1,
        budget: { runUsd: 2 }
      },
      { apiKey: 'sk-focal-test' }
    )
  }, 600_000)

  afterAll(async () => {
    await server?.close()
    await project?.remove()
  })

  const generateRequests = (): ServedRequest[] =>
    server.log
      .filter((e) => e.request.path.endsWith('/chat/completions'))
      .map((e) => e.request)
      .filter((r) => requestInfo(r).purpose === 'generate')

  it('shows the model every function and method, each whole, over several calls', () => {
    expect(ReportSchema.safeParse(report).success).toBe(true)
    const requests = generateRequests()
    expect(requests.length).toBeGreaterThan(1)
    const declarations = declarationLines()
    expect(declarations.size).toBe(FUNCTIONS + METHODS + 1)
    const missing = [...declarations]
      .filter(([, range]) => !requests.some((r) => showsWhole(r, range)))
      .map(([name]) => name)
    expect(missing).toEqual([])
    for (const request of requests) {
      expect(targetOf(request)).not.toBe('')
      // every call carries the module's imports and says what it leaves out, with lines
      expect(shownLines(request).get(1)).toBe("import { basename } from 'node:path'")
      expect(request.userText).toMatch(
        /This prompt shows [\d, -]+ of the \d+ lines of the module; the rest is left out:/
      )
      // a call on methods shows their constructor too
      if (/Tally\.prototype\.add\d+ = /.test(request.userText))
        expect(showsWhole(request, declarations.get('Tally')!)).toBe(true)
    }
  })

  it('makes no call for code already covered: each part is asked for once, then the run says why it stopped', () => {
    const requests = generateRequests()
    const declarations = declarationLines()
    // each function is the target of exactly one call: once its test is accepted, no second
    // call is made for it although the depth allows two
    for (const [name, range] of declarations) {
      if (name === 'Tally') continue
      const targeted = requests.filter(
        (r) => showsWhole(r, range) && new RegExp(`\\b${name}\\b`).test(targetOf(r))
      )
      expect(targeted.length).toBeLessThanOrEqual(1)
    }
    const module = report.modules.find((m) => m.path === 'src/big.ts')!
    expect(module.llmStoppedBecause).toMatch(/focal units are already covered/)
    expect(module.focalUnits).toBe(FUNCTIONS + METHODS + 1)
    const llm = module.candidates.filter((c) => c.strategy === 'llm')
    expect(llm).toHaveLength(requests.length)
    for (const c of llm) {
      expect(c.verdict).toEqual({ status: 'accepted' })
      expect(c.target).toBeDefined()
    }
    // later calls list the tests accepted before them, the earlier calls' among them
    expect(requests[0]!.userText).not.toMatch(/SAVE code plus \d+/)
    expect(requests.at(-1)!.userText).toMatch(
      /\[tests already accepted for this module\][^\n]*\n`{3,}\n[\s\S]*gives the percent of a SAVE code plus \d+/
    )
    expect(module.coverageAfter?.lines.pct).toBe(100)
  })

  it('puts the funnel in the report, the terminal and the comment', () => {
    const calls = generateRequests().length
    const module = report.modules.find((m) => m.path === 'src/big.ts')!
    expect(module.funnel).toEqual({
      calls,
      answered: calls,
      compiles: calls,
      passes: calls,
      stable: calls,
      addsCoverage: calls,
      asserts: calls,
      killsMutant: calls,
      kept: calls,
      healAttempted: 0,
      healed: 0,
      healRounds: 0
    })
    expect(report.totals.funnel).toEqual(module.funnel)
    const line = `${calls} call(s) → ${calls} answered → ${calls} compile → ${calls} pass → ${calls} stable → ${calls} add coverage → ${calls} kill a mutant → ${calls} kept after merge`
    expect(renderTerminal(report)).toContain(`llm funnel: ${line}`)
    const comment = renderComment(report)
    expect(comment).toContain(`**LLM funnel**: ${line}`)
    expect(comment).toContain('<details><summary>LLM funnel per module</summary>')
    expect(comment).toContain(`src/big.ts (${FUNCTIONS + METHODS + 1} focal units): ${line}`)
    expect(comment).toMatch(/no further call: all \d+ focal units are already covered/)
  })
})
