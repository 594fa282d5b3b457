import { describe, expect, it } from '@jest/globals'
import { SecretGuard, secretValuesOf } from '../../src/report/secret-guard.js'

describe('SecretGuard (SECURITY 37)', () => {
  const token = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a'
  const key = 'sk-proj-Abc/def+ghi=jkl&mno'

  it('SECURITY 37: finds a secret as is, in base64 at every alignment, URL-safe base64 and URL-encoded', () => {
    const guard = new SecretGuard([token, key])
    const b64 = (text: string) => Buffer.from(text).toString('base64')
    const texts = [
      `token=${token}`,
      b64(token),
      b64(`x${token}`),
      b64(`xy${token}`),
      // HTTP basic auth as git sends it
      `AUTHORIZATION: basic ${b64(`x-access-token:${token}`)}`,
      b64(`??>${key}`).replace(/\+/g, '-').replace(/\//g, '_'),
      `https://example.com/?k=${encodeURIComponent(key)}`
    ]
    for (const text of texts) {
      expect(guard.contains(text)).toBe(true)
      expect(guard.contains(guard.redact(text, 'comment'))).toBe(false)
    }
    expect(guard.findings()).toEqual([{ surface: 'comment', count: texts.length }])
  })

  it('counts hits by surface, walks objects, and leaves short values and clean text alone', () => {
    const guard = new SecretGuard([token, 'short', undefined, ''])
    expect(guard.redact('nothing short here', 'summary')).toBe('nothing short here')
    const report = { tests: [{ code: `expect(t()).toBe('${token}')`, n: 1 }], ok: true }
    expect(guard.redactDeep(report, 'report')).toEqual({
      tests: [{ code: "expect(t()).toBe('***')", n: 1 }],
      ok: true
    })
    guard.note('commit')
    expect(guard.findings()).toEqual([
      { surface: 'report', count: 1 },
      { surface: 'commit', count: 1 }
    ])
  })

  it('takes the credentials and secret inputs of an Actions environment', () => {
    expect(
      secretValuesOf({
        ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'id-token-value',
        'INPUT_API-KEY': key,
        'INPUT_GITHUB-TOKEN': token,
        INPUT_MODEL: 'gpt-5-mini',
        HOME: '/home/runner'
      }).sort()
    ).toEqual(['id-token-value', 'runtime-token-value', key, token].sort())
  })
})
