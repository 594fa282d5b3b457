import { describe, expect, it } from '@jest/globals'
import { extractTestCode, salvageTruncated } from '../../src/llm/extract-test-code.js'

const FILE = `import { describe, it, expect } from '@jest/globals'
import { add } from '../src/add.js'

describe('add', () => {
  it('adds', () => {
    expect(add(1, 2)).toBe(3)
  })

  it('handles negatives', () => {
    expect(add(-1, -2)).toBe(-3)
  })
})`

describe('extractTestCode', () => {
  it('takes a fenced block with prose around it', () => {
    const answer = `Sure! Here is the file:\n\n\`\`\`typescript\n${FILE}\n\`\`\`\n\nThis covers both branches.`
    expect(extractTestCode(answer)).toEqual({ status: 'code', code: `${FILE}\n` })
  })

  it('picks the test file among several blocks', () => {
    const answer = `Install:\n\`\`\`bash\nnpm i\n\`\`\`\nAn excerpt:\n\`\`\`ts\nexpect(add(1, 2)).toBe(3)\n\`\`\`\nThe file:\n\`\`\`ts\n${FILE}\n\`\`\``
    expect(extractTestCode(answer)).toMatchObject({ status: 'code', code: `${FILE}\n` })
  })

  it('keeps a fence inside a longer fence', () => {
    const inner = `${FILE.replace("it('adds'", "it('adds ```'")}`
    expect(extractTestCode(`\`\`\`\`ts\n${inner}\n\`\`\`\``)).toMatchObject({
      status: 'code',
      code: `${inner}\n`
    })
  })

  it('accepts a bare answer that is only code', () => {
    expect(extractTestCode(`Here you go.\n${FILE}\n`)).toMatchObject({
      status: 'code',
      code: `${FILE}\n`
    })
  })

  it('rejects an answer with no code, with the reason', () => {
    expect(
      extractTestCode('I cannot write tests for this module because it is too complex.')
    ).toEqual({
      status: 'no-code',
      reason: expect.stringMatching(/no code block/)
    })
    expect(extractTestCode('')).toMatchObject({ status: 'no-code' })
    expect(extractTestCode('```json\n{"a": 1}\n```')).toMatchObject({ status: 'no-code' })
    expect(extractTestCode('```ts\nexport const x = 1\n```')).toMatchObject({
      status: 'no-code',
      reason: expect.stringMatching(/no test/)
    })
  })

  it('salvages the complete tests of a truncated answer and closes the describe', () => {
    const cut = FILE.slice(0, FILE.indexOf('expect(add(-1') + 10)
    const result = extractTestCode(`\`\`\`ts\n${cut}`, { truncated: true })
    expect(result).toMatchObject({ status: 'code', salvaged: true })
    if (result.status !== 'code') return
    expect(result.code).toContain("it('adds'")
    expect(result.code).not.toContain('handles negatives')
    expect(result.code.trimEnd().endsWith('})')).toBe(true)
  })

  it('rejects a truncated answer with no complete test', () => {
    const cut = FILE.slice(0, FILE.indexOf('expect(add(1') + 5)
    expect(extractTestCode(`\`\`\`ts\n${cut}`, { truncated: true })).toEqual({
      status: 'no-code',
      reason: expect.stringMatching(/cut at the output cap/)
    })
  })

  it('does not count brackets inside strings, templates and comments', () => {
    const tricky = `describe('a ( b', () => {\n  it("c { d", () => {\n    // )\n    expect(\`\${'}'}\`).toBe('}')\n  })\n})`
    expect(extractTestCode(`\`\`\`ts\n${tricky}\n\`\`\``)).toMatchObject({
      status: 'code',
      code: `${tricky}\n`
    })
    expect(salvageTruncated(tricky)).toBe(`${tricky}\n`)
  })
})
