/**
 * The trailer that marks TestMaster's own commits. With the rest of `isBotOnlyCommit`
 * (bot-commits.ts), a head commit carrying it starts no new generation (no loops), whichever token
 * pushed it.
 */

export const BOT_TRAILER_KEY = 'TestMaster-Run'

const RUN_ID = /^[A-Za-z0-9._-]{1,100}$/

/** Appends the `TestMaster-Run: <id>` trailer as the last paragraph of a commit message. */
export function withBotTrailer(message: string, runId: string): string {
  if (!RUN_ID.test(runId))
    throw new Error(`run id ${JSON.stringify(runId)} is not a valid trailer value`)
  return `${message.replace(/\s+$/, '')}\n\n${BOT_TRAILER_KEY}: ${runId}\n`
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
