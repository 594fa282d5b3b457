/**
 * Escaping for strings that come from a pull request (file names, reasons, model output) before
 * they go into a comment or job summary: no HTML, no closing of our hidden `<!-- -->` blocks, no
 * @mentions that ping people or teams, no table breakage.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/**
 * Inline code spans our own messages use (`/testmaster regenerate`, `budget.pr-usd`) are shown as
 * code rather than as escaped backticks. Backticks pair left to right, as markdown pairs them; a
 * span with anything HTML-like or a table pipe in it is escaped like the rest.
 */
const SAFE_CODE = /^[^<>&"\n|]+$/

/** Escapes text for inline markdown (table cells, list items, headings). */
export function escapeMarkdown(text: string): string {
  let out = ''
  let from = 0
  for (;;) {
    const open = text.indexOf('`', from)
    const close = open < 0 ? -1 : text.indexOf('`', open + 1)
    if (close < 0) return out + escapeInline(text.slice(from))
    const span = text.slice(open, close + 1)
    out +=
      escapeInline(text.slice(from, open)) +
      (SAFE_CODE.test(span.slice(1, -1)) ? span : escapeInline(span))
    from = close + 1
  }
}

function escapeInline(text: string): string {
  return (
    text
      .replace(/[&<>"]/g, (c) => HTML[c] ?? c)
      // Markdown punctuation that would format or link; the backslash first.
      .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
      // `@user` and `@org/team` notify: an entity keeps the text and GitHub does not link it.
      .replace(/@/g, '&#64;')
      .replace(/\r?\n/g, ' ')
  )
}

/** A fenced code block that no backtick run in `code` can close early. */
export function fencedCode(code: string, language = ''): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${language}\n${code.replace(/\n$/, '')}\n${fence}`
}

/** Escapes text for a `<summary>` or other HTML context. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => HTML[c] ?? c).replace(/@/g, '&#64;')
}

/**
 * Cuts markdown to at most `max` characters at a line boundary, with a note saying so. GitHub
 * rejects comment bodies over 65,536 characters with a 422; a truncated report is better.
 */
export function truncateMarkdown(
  text: string,
  max: number,
  note = '\n\n… (truncated: the full report is in the job summary and the report artifact)'
): string {
  if (text.length <= max) return text
  // Room for the note and for closing what the cut leaves open (a fence, a few <details>).
  const room = Math.max(0, max - note.length - 200)
  let cut = text.slice(0, room)
  const lastNewline = cut.lastIndexOf('\n')
  if (lastNewline > room / 2) cut = cut.slice(0, lastNewline)
  // An unclosed fence or <details> would swallow the note: close what is open.
  let openFence = ''
  for (const match of cut.matchAll(/^(`{3,})/gm)) {
    const fence = match[1] ?? ''
    if (!openFence) openFence = fence
    else if (fence.length >= openFence.length) openFence = ''
  }
  if (openFence) cut += `\n${openFence}`
  const open = (cut.match(/<details>/g)?.length ?? 0) - (cut.match(/<\/details>/g)?.length ?? 0)
  for (let i = 0; i < open; i++) cut += '\n</details>'
  const result = cut + note
  return result.length <= max ? result : result.slice(0, max)
}
