import { describe, expect, it } from '@jest/globals'
import { parseCommentCommand } from '../../src/github/comment-commands.js'

describe('parseCommentCommand', () => {
  it('reads regenerate with paths, budget and depth', () => {
    expect(
      parseCommentCommand(
        '/testmaster regenerate src/a.ts src/b.ts --budget 2.5 --depth high\nthanks'
      )
    ).toEqual({
      kind: 'command',
      command: {
        name: 'regenerate',
        paths: ['src/a.ts', 'src/b.ts'],
        budgetUsd: 2.5,
        depth: 'high'
      }
    })
    expect(parseCommentCommand('/testmaster regenerate --budget=$3 --depth=low')).toEqual({
      kind: 'command',
      command: { name: 'regenerate', paths: [], budgetUsd: 3, depth: 'low' }
    })
  })

  it('reads a pinned sha', () => {
    expect(parseCommentCommand('/testmaster regenerate sha=abcdef1')).toEqual({
      kind: 'command',
      command: { name: 'regenerate', paths: [], sha: 'abcdef1' }
    })
    expect(parseCommentCommand('/testmaster heal sha=ABCDEF12')).toEqual({
      kind: 'command',
      command: { name: 'heal', sha: 'ABCDEF12' }
    })
  })

  it('reads heal, budget, skip, resume, help', () => {
    expect(parseCommentCommand('/testmaster heal')).toEqual({
      kind: 'command',
      command: { name: 'heal' }
    })
    expect(parseCommentCommand('/testmaster budget 5')).toEqual({
      kind: 'command',
      command: { name: 'budget', usd: 5 }
    })
    expect(parseCommentCommand('  /TestMaster skip  ')).toEqual({
      kind: 'command',
      command: { name: 'skip' }
    })
    expect(parseCommentCommand('/testmaster resume')).toEqual({
      kind: 'command',
      command: { name: 'resume' }
    })
    expect(parseCommentCommand('/testmaster help me')).toEqual({
      kind: 'command',
      command: { name: 'help' }
    })
  })

  it('SECURITY 7: a quoted line, a mention mid-sentence or a later line is not a command', () => {
    expect(parseCommentCommand('> /testmaster regenerate')).toEqual({ kind: 'none' })
    expect(parseCommentCommand('please run /testmaster regenerate')).toEqual({ kind: 'none' })
    expect(parseCommentCommand('LGTM\n/testmaster regenerate')).toEqual({ kind: 'none' })
    expect(parseCommentCommand('/testmasterx regenerate')).toEqual({ kind: 'none' })
    expect(parseCommentCommand('')).toEqual({ kind: 'none' })
  })

  it('SECURITY 7: an unknown subcommand is invalid (help text, nothing runs)', () => {
    const parsed = parseCommentCommand('/testmaster deploy prod')
    expect(parsed.kind).toBe('invalid')
    if (parsed.kind === 'invalid') expect(parsed.reason).toBe('unknown command `deploy`')
    expect(parseCommentCommand('/testmaster').kind).toBe('invalid')
  })

  it('explains bad arguments', () => {
    const reason = (body: string) => {
      const parsed = parseCommentCommand(body)
      return parsed.kind === 'invalid' ? parsed.reason : `not invalid: ${JSON.stringify(parsed)}`
    }
    expect(reason('/testmaster budget ten')).toBe(
      '`budget` must be an amount in USD such as `5` or `2.50`, got `ten`'
    )
    expect(reason('/testmaster budget')).toContain('exactly one amount')
    expect(reason('/testmaster regenerate --depth deep')).toBe(
      '`--depth` must be one of low, medium, high, got `deep`'
    )
    expect(reason('/testmaster regenerate --budget')).toBe(
      '`--budget` needs an amount in USD, e.g. `5`'
    )
    expect(reason('/testmaster skip now')).toBe('`skip` takes no arguments, got `now`')
    expect(reason('/testmaster regenerate sha=xyz')).toBe('`sha=` must be a commit SHA, got `xyz`')
  })

  it('SECURITY 30: path arguments cannot be options or leave the repository', () => {
    const reason = (body: string) => {
      const parsed = parseCommentCommand(body)
      return parsed.kind === 'invalid' ? parsed.reason : 'accepted'
    }
    expect(reason('/testmaster regenerate --upload-pack=touch')).toBe(
      'unknown option `--upload-pack=touch`'
    )
    expect(reason('/testmaster regenerate -x')).toBe('unknown option `-x`')
    expect(reason('/testmaster regenerate ../../etc/passwd')).toContain('must not contain `..`')
    expect(reason('/testmaster regenerate /etc/passwd')).toContain(
      'relative to the repository root'
    )
    expect(reason('/testmaster regenerate a,b')).toContain('not allowed')
  })

  it('a reply never echoes backticks from the comment (no markdown injection)', () => {
    const parsed = parseCommentCommand('/testmaster `@org/team`')
    expect(parsed.kind).toBe('invalid')
    if (parsed.kind === 'invalid') expect(parsed.reason).toBe("unknown command `'@org/team'`")
  })
})
