import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import ts from 'typescript'
import {
  applyTestStyle,
  findOwnTestFiles,
  learnRepositoryTestStyle,
  learnTestStyle
} from '../../src/generate/test-style.js'

/** What a string literal evaluates to, read back from the rewritten code. */
function literals(code: string): string[] {
  const file = ts.createSourceFile('x.ts', code, ts.ScriptTarget.Latest, true)
  const out: string[] = []
  const walk = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text)
    ts.forEachChild(node, walk)
  }
  walk(file)
  return out
}

const DOUBLE_SEMI = { quote: '"', semicolons: true } as const
const SINGLE_BARE = { quote: "'", semicolons: false } as const

describe('applyTestStyle: quotes', () => {
  it('re-quotes plain literals and keeps their values', () => {
    const code = "expect(f('a b')).toBe('c')\n"
    expect(applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)).toBe('expect(f("a b")).toBe("c");\n')
  })

  it('leaves a literal holding the target quote as it is', () => {
    const code = `const s = 'say "hi"'\n`
    expect(applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)).toBe(`const s = 'say "hi"';\n`)
  })

  it("drops the escape of the old quote: 'it\\'s' becomes \"it's\"", () => {
    const code = "const s = 'it\\'s'\n"
    const styled = applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)
    expect(styled).toBe('const s = "it\'s";\n')
    expect(literals(styled)).toEqual(["it's"])
  })

  it('keeps other escapes, backslashes and unicode exactly', () => {
    const code =
      String.raw`const s = ['a\\b', '\n\t', '\u00e9\u{1F600}', 'é😀', '\\\'', 'x\
y']` + '\n'
    const styled = applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)
    expect(literals(styled)).toEqual(literals(code))
    expect(styled).toContain(String.raw`"a\\b"`)
    expect(styled).toContain(String.raw`"\u00e9\u{1F600}"`)
    expect(styled).toContain('"é😀"')
    expect(styled).toContain(String.raw`"\\'"`)
  })

  it('leaves template literals and JSX attributes alone', () => {
    const code = "const t = `a 'b' ${'c'}`\nconst e = <div className='x' title={'y'} />\n"
    const styled = applyTestStyle(code, 'x.test.tsx', DOUBLE_SEMI)
    expect(styled).toContain('`a \'b\' ${"c"}`')
    expect(styled).toContain("className='x'")
    expect(styled).toContain('title={"y"}')
  })

  it('turns double quotes to single ones the same way', () => {
    const code = 'import { f } from "./f";\nexpect(f("it\\"s")).toBe("don\'t");\nf("\\"");\n'
    const styled = applyTestStyle(code, 'x.test.ts', SINGLE_BARE)
    expect(styled).toBe("import { f } from './f'\nexpect(f('it\"s')).toBe(\"don't\")\nf('\"')\n")
    expect(literals(styled)).toEqual(literals(code))
  })
})

describe('applyTestStyle: semicolons', () => {
  it('adds them at the end of every kind of statement, not inside for headers or classes', () => {
    const code = [
      "import { a } from './a'",
      'type T = number',
      'let x: T = 1',
      'for (let i = 0; i < 2; i++) x++',
      'class C { p = 1; m() { return 2 } }',
      "it('t', () => {",
      '  if (x) throw new Error()',
      '  expect(a(x)).toBe(2)',
      '})',
      ''
    ].join('\n')
    expect(applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)).toBe(
      [
        'import { a } from "./a";',
        'type T = number;',
        'let x: T = 1;',
        'for (let i = 0; i < 2; i++) x++;',
        'class C { p = 1; m() { return 2; } }',
        'it("t", () => {',
        '  if (x) throw new Error();',
        '  expect(a(x)).toBe(2);',
        '});',
        ''
      ].join('\n')
    )
  })

  it('removes them, except where the next line would continue the statement (ASI hazards)', () => {
    const code = [
      'const a = 1;',
      'const b = [a];',
      '[a, b].forEach(String);',
      'const c = a;',
      '(function () {})();',
      'const d = c;',
      '`x`.trim();',
      'f(); g();',
      'if (a) { h(); }',
      'for (;;) break;',
      ''
    ].join('\n')
    expect(applyTestStyle(code, 'x.test.ts', SINGLE_BARE)).toBe(
      [
        'const a = 1',
        'const b = [a];',
        '[a, b].forEach(String)',
        'const c = a;',
        '(function () {})()',
        'const d = c;',
        '`x`.trim()',
        'f(); g()',
        'if (a) { h() }',
        'for (;;) break',
        ''
      ].join('\n')
    )
  })

  it("moves the no-semicolon style's leading guard up to the end of the line before", () => {
    const code = 'const a = f()\n;[1].forEach(g)\n;(h as () => void)()\n'
    expect(applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)).toBe(
      'const a = f();\n[1].forEach(g);\n(h as () => void)();\n'
    )
  })

  it('returns code that does not parse unchanged', () => {
    const code = "const a = 'x\n"
    expect(applyTestStyle(code, 'x.test.ts', DOUBLE_SEMI)).toBe(code)
  })
})

describe('learnTestStyle', () => {
  it('reads the majority of quotes and semicolons, ignoring literals holding quotes', () => {
    const code = 'import x from "x";\nit("a", () => { expect(\'"\').toBe("b"); x("c"); });\n'
    expect(learnTestStyle([{ path: 'a.test.js', code }])).toEqual({
      quote: '"',
      semicolons: true
    })
  })

  it('says nothing without enough examples or a clear majority', () => {
    expect(learnTestStyle([{ path: 'a.test.js', code: "f('a')\n" }])).toEqual({})
    const mixed = 'f(\'a\'); f("b"); f(\'c\'); f("d")\ng()\nh()\n'
    expect(learnTestStyle([{ path: 'a.test.js', code: mixed }])).toEqual({})
  })
})

describe('learnRepositoryTestStyle', () => {
  it("learns from the repository's own test files only, never TestMaster's or node_modules'", () => {
    const root = mkdtempSync(join(tmpdir(), 'tm-test-style-'))
    try {
      const write = (path: string, code: string): void => {
        mkdirSync(join(root, path, '..'), { recursive: true })
        writeFileSync(join(root, path), code)
      }
      const double = 'it("a", () => { expect(f("x")).toBe("y"); });\n'
      const single = "it('a', () => { expect(f('x')).toBe('y') })\n"
      write('tests/own.test.js', double)
      write('src/__tests__/other.ts', double)
      write('tests/own.testmaster.test.js', single)
      write('tests/own.testmaster.1.test.js', single)
      write('node_modules/dep/dep.test.js', single)
      write('node_modules/dep/dep2.test.js', single)
      write('node_modules/dep/dep3.test.js', single)
      expect(findOwnTestFiles(root).map((p) => p.slice(root.length + 1))).toEqual([
        'src/__tests__/other.ts',
        'tests/own.test.js'
      ])
      expect(learnRepositoryTestStyle(root)).toEqual({ quote: '"', semicolons: true })
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
