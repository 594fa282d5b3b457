/**
 * The last look before anything leaves the runner (SECURITY 37): the comment, the job summary,
 * the check run and its annotations, the report, the session record, LLM requests (heal prompts
 * quote test output) and the bot commit are searched for every secret value the run holds, as is
 * and in the encodings a leak would use: base64 at each of the three byte alignments (standard and
 * URL-safe) and URL-encoded. Text is redacted; a commit is not pushed (the caller asks
 * `contains`). Each hit is counted under the surface it was found in, so the report can say where.
 */

/** Shorter values would match ordinary text; real tokens and keys are far longer. */
const MIN_SECRET_LENGTH = 8
const REDACTED = '***'

/** Environment variables that hold credentials in an Actions job. */
const SECRET_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN']
/** INPUT_* names that hold secrets (`INPUT_API-KEY`, `INPUT_GITHUB-TOKEN`, any `*-SECRET`...). */
const SECRET_INPUT = /^INPUT_.*(TOKEN|KEY|SECRET|PASSWORD)/i

export interface SecretFinding {
  readonly surface: string
  readonly count: number
}

/** The substrings of `value`'s base64 that do not depend on the bytes around it, per alignment. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const forms: string[] = []
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes])
    // Whole 3-byte groups only: a partial group's last characters depend on what follows.
    const whole = padded.subarray(0, padded.length - (padded.length % 3))
    // The first characters mix in the padding bytes: 0, 2 or 3 of them.
    const encoded = whole.toString('base64').slice([0, 2, 3][offset])
    if (encoded.length >= MIN_SECRET_LENGTH) {
      forms.push(encoded)
      const urlSafe = encoded.replace(/\+/g, '-').replace(/\//g, '_')
      if (urlSafe !== encoded) forms.push(urlSafe)
    }
  }
  return forms
}

/** Every form of a secret value we search for. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value, ...base64Forms(value)])
  for (const encoded of [encodeURIComponent(value), encodeURI(value)]) forms.add(encoded)
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH)
}

/** The secret values of an Actions environment: the credentials and the secret inputs. */
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue
    if (SECRET_VARIABLES.includes(name) || SECRET_INPUT.test(name)) values.push(value)
  }
  return values
}

export class SecretGuard {
  private readonly forms: readonly string[]
  private readonly counts = new Map<string, number>()

  constructor(values: readonly (string | undefined)[]) {
    const forms = new Set<string>()
    for (const value of values) {
      const trimmed = value?.trim()
      if (trimmed && trimmed.length >= MIN_SECRET_LENGTH)
        for (const form of secretForms(trimmed)) forms.add(form)
    }
    // Longest first, so a form is never cut by a shorter one inside it.
    this.forms = [...forms].sort((a, b) => b.length - a.length)
  }

  /** A guard for the secrets of `env` plus `extra` (keys given otherwise, e.g. to the CLI). */
  static fromEnvironment(
    env: NodeJS.ProcessEnv,
    extra: readonly (string | undefined)[] = []
  ): SecretGuard {
    return new SecretGuard([...secretValuesOf(env), ...extra])
  }

  /** Whether `text` holds any secret in any form (nothing is counted). */
  contains(text: string): boolean {
    return this.forms.some((form) => text.includes(form))
  }

  /** `text` with every secret form replaced by `***`; hits are counted under `surface`. */
  redact(text: string, surface: string): string {
    let out = text
    let hits = 0
    for (const form of this.forms) {
      if (!out.includes(form)) continue
      const parts = out.split(form)
      hits += parts.length - 1
      out = parts.join(REDACTED)
    }
    if (hits > 0) this.counts.set(surface, (this.counts.get(surface) ?? 0) + hits)
    return out
  }

  /** Every string inside `value` (objects and arrays walked) redacted under `surface`. */
  redactDeep<T>(value: T, surface: string): T {
    if (typeof value === 'string') return this.redact(value, surface) as T
    if (Array.isArray(value))
      return value.map((item: unknown) => this.redactDeep(item, surface)) as T
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [key, this.redactDeep(inner, surface)])
      ) as T
    }
    return value
  }

  /** Counts `hits` under `surface` without redacting (a blocked commit). */
  note(surface: string, hits = 1): void {
    this.counts.set(surface, (this.counts.get(surface) ?? 0) + hits)
  }

  /** Where secrets were found so far, by surface. */
  findings(): SecretFinding[] {
    return [...this.counts].map(([surface, count]) => ({ surface, count }))
  }
}
