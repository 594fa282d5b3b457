import { describe, expect, it } from '@jest/globals'
import { readBotTrailer, withBotTrailer } from '../../src/git/bot-trailer.js'

describe('bot trailer', () => {
  it('round-trips the run id in the last paragraph', () => {
    const message = withBotTrailer('test: add tests\n\n- src/a.ts: 2 test(s)\n', 'gh-42-1')
    expect(message).toBe('test: add tests\n\n- src/a.ts: 2 test(s)\n\nTestMaster-Run: gh-42-1\n')
    expect(readBotTrailer(message)).toBe('gh-42-1')
  })

  it('ignores the trailer mentioned in the body or subject', () => {
    expect(readBotTrailer('TestMaster-Run: gh-1-1')).toBeUndefined()
    expect(
      readBotTrailer('fix\n\nTestMaster-Run: gh-1-1 was wrong, see below\n\nSigned-off-by: a <a@b>')
    ).toBeUndefined()
    expect(readBotTrailer('feat: human work\n\nSigned-off-by: a <a@b>')).toBeUndefined()
  })

  it('finds it among other trailers', () => {
    expect(readBotTrailer('x\n\nCo-authored-by: a <a@b>\nTestMaster-Run: gh-7-2\n')).toBe('gh-7-2')
  })

  it('adds the sign-off after the run trailer, in the same trailer block', () => {
    const bot = {
      name: 'github-actions[bot]',
      email: '41898282+github-actions[bot]@users.noreply.github.com'
    }
    const message = withBotTrailer('test: add tests\n\n- src/a.ts: 2 test(s)\n', 'gh-42-1', bot)
    expect(message).toBe(
      'test: add tests\n\n- src/a.ts: 2 test(s)\n\nTestMaster-Run: gh-42-1\nSigned-off-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n'
    )
    expect(readBotTrailer(message)).toBe('gh-42-1')
  })

  it('refuses a sign-off that would break the line', () => {
    expect(() =>
      withBotTrailer('x', 'gh-1-1', { name: 'a\nSigned-off-by: b', email: 'a@b' })
    ).toThrow('sign-off name')
    expect(() => withBotTrailer('x', 'gh-1-1', { name: 'a', email: 'a@b> <c@d' })).toThrow(
      'sign-off email'
    )
  })

  it('refuses a run id that would break the trailer', () => {
    expect(() => withBotTrailer('x', 'a b\nc')).toThrow('not a valid trailer value')
  })
})
