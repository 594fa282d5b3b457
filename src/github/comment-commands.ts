import type { Depth } from '../config/schema.js'

/**
 * `/testmaster <command> [args]` comment commands. Only the first line of a comment counts; a
 * quoted line (`> /testmaster …`) or a mention mid-sentence is not a command.
 */

export const COMMAND_PREFIX = '/testmaster'

export type Command =
  | {
      readonly name: 'regenerate'
      readonly paths: readonly string[]
      readonly budgetUsd?: number
      readonly depth?: Depth
      /** Head SHA the commenter pinned (`sha=<hex>`): the run stops if the head is elsewhere. */
      readonly sha?: string
    }
  | { readonly name: 'heal'; readonly sha?: string }
  | { readonly name: 'budget'; readonly usd: number }
  | { readonly name: 'skip' }
  | { readonly name: 'resume' }
  | { readonly name: 'help' }

export type ParsedComment =
  /** Not addressed to us: ignore without a word. */
  | { readonly kind: 'none' }
  | { readonly kind: 'command'; readonly command: Command }
  /** Addressed to us but not valid: reply with the reason and the help text. */
  | { readonly kind: 'invalid'; readonly reason: string }

export const COMMAND_HELP = [
  'TestMaster comment commands (first line of a comment; write, maintain or admin permission):',
  '',
  '- `/testmaster regenerate [path ...] [--budget USD] [--depth low|medium|high] [sha=<commit>]`: generate tests again, for the given changed files only if any are named',
  '- `/testmaster heal [sha=<commit>]`: re-run the tests TestMaster committed earlier and heal those that now fail',
  "- `/testmaster budget USD`: raise this pull request's budget (up to the maximum set in the base branch config)",
  '- `/testmaster skip` / `/testmaster resume`: turn TestMaster off or on for this pull request',
  '- `/testmaster help`: this text'
].join('\n')

/** A user-written value quoted for a reply: inside a code span nothing pings or renders. */
function show(value: string): string {
  return `\`${value.replace(/`/g, "'").slice(0, 80)}\``
}

const DEPTHS: readonly Depth[] = ['low', 'medium', 'high']
const SHA = /^[0-9a-f]{7,64}$/i

function parseUsd(text: string | undefined, what: string): number | string {
  if (text === undefined || text === '') return `${what} needs an amount in USD, e.g. \`5\``
  const cleaned = text.replace(/^\$/, '')
  if (!/^\d+(\.\d+)?$/.test(cleaned))
    return `${what} must be an amount in USD such as \`5\` or \`2.50\`, got ${show(text)}`
  return Number(cleaned)
}

/**
 * A path argument of `regenerate`: repo-relative, no option-like or parent segments, so it can
 * never reach git as an option or escape the repository (SECURITY 30).
 */
function checkPath(path: string): string | undefined {
  if (path.startsWith('-')) return `unknown option ${show(path)}`
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path))
    return `path ${show(path)} must be relative to the repository root`
  if (path.split('/').some((s) => s === '..')) return `path ${show(path)} must not contain \`..\``
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (/[\u0000-\u001f,`]/.test(path))
    return `path ${show(path)} contains a character that is not allowed`
  return undefined
}

function parseShaArg(token: string): string | undefined {
  const match = /^sha=(.*)$/.exec(token)
  return match ? (match[1] ?? '') : undefined
}

/** Parses a comment body into a command, an invalid command with its reason, or nothing. */
export function parseCommentCommand(body: string): ParsedComment {
  const firstLine =
    body
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/, 1)[0]
      ?.trim() ?? ''
  const tokens = firstLine.split(/\s+/).filter((t) => t.length > 0)
  if (tokens[0]?.toLowerCase() !== COMMAND_PREFIX) return { kind: 'none' }
  const [name, ...args] = tokens.slice(1)
  const invalid = (reason: string): ParsedComment => ({ kind: 'invalid', reason })
  const noArgs = (command: Command): ParsedComment =>
    args.length === 0
      ? { kind: 'command', command }
      : invalid(`${show(name ?? '')} takes no arguments, got ${show(args.join(' '))}`)

  switch (name?.toLowerCase()) {
    case undefined:
      return invalid('a command is missing after `/testmaster`')
    case 'help':
      return { kind: 'command', command: { name: 'help' } }
    case 'skip':
      return noArgs({ name: 'skip' })
    case 'resume':
      return noArgs({ name: 'resume' })
    case 'budget': {
      if (args.length !== 1)
        return invalid('`budget` takes exactly one amount in USD, e.g. `/testmaster budget 5`')
      const usd = parseUsd(args[0], '`budget`')
      return typeof usd === 'string'
        ? invalid(usd)
        : { kind: 'command', command: { name: 'budget', usd } }
    }
    case 'heal': {
      if (args.length === 0) return { kind: 'command', command: { name: 'heal' } }
      const sha = args.length === 1 && args[0] !== undefined ? parseShaArg(args[0]) : undefined
      if (sha === undefined)
        return invalid(`\`heal\` takes only \`sha=<commit>\`, got ${show(args.join(' '))}`)
      if (!SHA.test(sha)) return invalid(`\`sha=\` must be a commit SHA, got ${show(sha)}`)
      return { kind: 'command', command: { name: 'heal', sha } }
    }
    case 'regenerate': {
      const paths: string[] = []
      let budgetUsd: number | undefined
      let depth: Depth | undefined
      let sha: string | undefined
      for (let i = 0; i < args.length; i++) {
        const token = args[i] ?? ''
        const [flag, inline] = token.startsWith('--') ? token.split('=', 2) : [token, undefined]
        if (flag === '--budget') {
          const value = inline ?? args[++i]
          const usd = parseUsd(value, '`--budget`')
          if (typeof usd === 'string') return invalid(usd)
          budgetUsd = usd
        } else if (flag === '--depth') {
          const value = inline ?? args[++i]
          if (!DEPTHS.includes(value as Depth)) {
            return invalid(`\`--depth\` must be one of low, medium, high, got ${show(value ?? '')}`)
          }
          depth = value as Depth
        } else if (parseShaArg(token) !== undefined) {
          const value = parseShaArg(token) ?? ''
          if (!SHA.test(value)) return invalid(`\`sha=\` must be a commit SHA, got ${show(value)}`)
          sha = value
        } else {
          const problem = checkPath(token)
          if (problem) return invalid(problem)
          paths.push(token)
        }
      }
      return {
        kind: 'command',
        command: {
          name: 'regenerate',
          paths,
          ...(budgetUsd !== undefined ? { budgetUsd } : {}),
          ...(depth ? { depth } : {}),
          ...(sha ? { sha } : {})
        }
      }
    }
    default:
      return invalid(`unknown command ${show(name ?? '')}`)
  }
}
