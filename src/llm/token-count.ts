import { encode } from 'gpt-tokenizer/encoding/o200k_base'

/**
 * Token counting for reservations. The o200k_base encoding is imported explicitly (the package's
 * default export is another encoding), and special tokens are encoded as plain text with an empty
 * `disallowedSpecial`: a PR containing `<|endoftext|>` must not throw (SECURITY 25).
 */

const NO_SPECIAL_CHECK = { disallowedSpecial: new Set<string>() }

/** Tokens of `text` in the o200k_base encoding, special-token text counted as ordinary text. */
export function countTokens(text: string): number {
  return encode(text, NO_SPECIAL_CHECK).length
}

/** Models known to use o200k_base: counts for them are exact up to the chat framing. */
const O200K_MODELS = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o1|o3|o4)/

/**
 * Multiplier applied to counts for other models (older OpenAI encodings, or any model behind a
 * compatible endpoint whose tokenizer we do not have): the count is then an estimate, so we
 * reserve with a margin rather than under-reserve.
 */
export const FOREIGN_TOKENIZER_MARGIN = 1.25

/** Whether our count for `model` is an estimate that needs the margin. */
export function needsMargin(model: string): boolean {
  return !O200K_MODELS.test(model)
}

export interface ChatMessageText {
  readonly role: string
  readonly content: string
}

/** Chat framing per message and per reply, as OpenAI documents for its chat models. */
const TOKENS_PER_MESSAGE = 4
const TOKENS_PER_REPLY = 3

/**
 * Prompt tokens to reserve for `messages` sent to `model`: the content, the chat framing, and the
 * margin for models whose tokenizer we do not have.
 */
export function countPromptTokens(messages: readonly ChatMessageText[], model: string): number {
  let total = TOKENS_PER_REPLY
  for (const message of messages)
    total += TOKENS_PER_MESSAGE + countTokens(message.role) + countTokens(message.content)
  return needsMargin(model) ? Math.ceil(total * FOREIGN_TOKENIZER_MARGIN) : total
}
