/**
 * The trailer that marks TestMaster's own commits. With the rest of `isBotOnlyCommit`
 * (bot-commits.ts), a head commit carrying it starts no new generation (no loops), whichever token
 * pushed it.
 */

export const BOT_TRAILER_KEY = 'TestMaster-Run'

const RUN_ID = /^[A-Za-z0-9._-]{1,100}$/

/** Who certifies the commit under the DCO (`github.signoff`): the commit's author. */
export interface Signoff {
  readonly name: string
  readonly email: string
}

/**
 * Appends the `TestMaster-Run: <id>` trailer as the last paragraph of a commit message, followed
 * by `Signed-off-by: <name> <email>` when `signoff` is given (last, as `git commit -s` puts it).
 */
export function withBotTrailer(message: string, runId: string, signoff?: Signoff): string {
  if (!RUN_ID.test(runId))
    throw new Error(`run id ${JSON.stringify(runId)} is not a valid trailer value`)
  const trailers = [`${BOT_TRAILER_KEY}: ${runId}`]
  if (signoff) trailers.push(signedOffBy(signoff))
  return `${message.replace(/\s+$/, '')}\n\n${trailers.join('\n')}\n`
}

/** `Signed-off-by: name <email>`; a name or email that could break the line is refused. */
export function signedOffBy(signoff: Signoff): string {
  for (const field of ['name', 'email'] as const) {
    const value = signoff[field]
    if (value.trim() === '' || /[\r\n<>]/.test(value))
      throw new Error(`sign-off ${field} ${JSON.stringify(value)} is not a valid trailer value`)
  }
  return `Signed-off-by: ${signoff.name} <${signoff.email}>`
}

/**
 * The run id of the trailer in the message's last paragraph (git's trailer block), or undefined.
 * A trailer mentioned in the body text above does not count.
 */
export function readBotTrailer(message: string): string | undefined {
  const paragraphs = message
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n\s*\n/)
  const last = paragraphs[paragraphs.length - 1]
  if (paragraphs.length < 2 || last === undefined) return undefined
  for (const line of last.split('\n')) {
    const match = /^TestMaster-Run:\s*(\S+)\s*$/i.exec(line.trim())
    if (match?.[1] && RUN_ID.test(match[1])) return match[1]
  }
  return undefined
}
