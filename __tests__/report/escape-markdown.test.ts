import { describe, expect, it } from '@jest/globals'
import { escapeMarkdown, fencedCode, truncateMarkdown } from '../../src/report/escape-markdown.js'

describe('escapeMarkdown (SECURITY 26)', () => {
  it('neutralises HTML, comment closers, mentions and table pipes', () => {
    const out = escapeMarkdown('src/a-->b<img src=x onerror=alert(1)>|@org/team @alice')
    expect(out).not.toContain('-->')
    expect(out).not.toContain('<img')
    expect(out).not.toMatch(/@\w/)
    expect(out).toContain('\\|')
    expect(out).toBe(
      'src/a--&gt;b&lt;img src=x onerror=alert\\(1\\)&gt;\\|&#64;org/team &#64;alice'
    )
  })

  it('shows our own inline code as code, not as escaped backticks', () => {
    expect(escapeMarkdown('not overwriting it. Run `/testmaster regenerate` to start again')).toBe(
      'not overwriting it. Run `/testmaster regenerate` to start again'
    )
    expect(escapeMarkdown('set `budget.pr-usd` (or the input `pr-budget-usd`)')).toBe(
      'set `budget.pr-usd` \\(or the input `pr-budget-usd`\\)'
    )
  })

  it('escapes a code span that holds HTML, a pipe or a lone backtick', () => {
    expect(escapeMarkdown('`<!-- x -->` and `a|b` and ` lone')).toBe(
      '\\`&lt;\\!-- x --&gt;\\` and \\`a\\|b\\` and \\` lone'
    )
  })

  it('keeps one line', () => {
    expect(escapeMarkdown('a\nb\r\nc')).toBe('a b c')
  })
})

describe('fencedCode', () => {
  it('uses a fence longer than any backtick run inside', () => {
    expect(fencedCode('const s = `x`\n', 'ts')).toBe('```ts\nconst s = `x`\n```')
    expect(fencedCode('a ```` b')).toBe('`````\na ```` b\n`````')
  })
})

describe('truncateMarkdown', () => {
  it('leaves short text alone', () => {
    expect(truncateMarkdown('abc', 10)).toBe('abc')
  })

  it('cuts at a line, closes an open fence and details, and stays within the limit', () => {
    const text = `<details><summary>x</summary>\n\n\`\`\`\`ts\n${'line\n'.repeat(5000)}\`\`\`\`\n</details>`
    const out = truncateMarkdown(text, 1000, '\n\n(truncated)')
    expect(out.length).toBeLessThanOrEqual(1000)
    expect(out).toMatch(/\n````\n<\/details>\n\n\(truncated\)$/)
  })
})
