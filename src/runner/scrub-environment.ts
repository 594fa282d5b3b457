/**
 * What a test process of the target repository may see of our environment. Tests and the code
 * under test are untrusted (a generated test can print `process.env`), so every variable that can
 * carry a credential, or a path through which a step could change later steps of the job, is
 * removed. This is defence in depth, not isolation: hosted runners give passwordless sudo.
 */

/** Names removed whatever their value. Matched case-insensitively: env names are case-sensitive on Linux. */
const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  // Action inputs carry `api-key` and `github-token`.
  /^INPUT_/i,
  // ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN/URL, ACTIONS_CACHE_URL, ...
  /^ACTIONS_/i,
  /^OPENAI_/i,
  /^TESTMASTER_/i,
  // Workflow command files: writing to them changes later steps (SECURITY item 19).
  /^GITHUB_(ENV|OUTPUT|PATH|STATE|STEP_SUMMARY)$/i,
  /^OTEL_EXPORTER_OTLP(_[A-Z]+)?_HEADERS$/i,
  /TOKEN/i,
  /SECRET/i,
  /PASSWORD/i,
  /PASSWD/i,
  /CREDENTIAL/i,
  /API_?KEY/i,
  /(^|_)KEY$/i,
  /PRIVATE_?KEY/i,
  /(^|_)PAT$/i,
  // npm_config__auth, SSH_AUTH_SOCK (an agent socket is a key in all but name).
  /(^|_)AUTH(_|$)/i
]

/** Values shorter than this are not treated as secrets when looking for copies under other names. */
const MIN_SECRET_LENGTH = 8

/** True when a variable of this name is removed from test processes. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERNS.some((pattern) => pattern.test(name))
}

/**
 * Returns a copy of `env` without secrets: every variable whose name looks like a credential or a
 * workflow command file (see {@link isSecretName}), and every other variable whose value contains
 * the value of one removed (a token copied to an innocent name). PATH, HOME, CI, NODE_OPTIONS, LANG
 * and the like are kept, since the repository's tests may need them.
 */
export function scrubEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {}
  const secretValues: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue
    if (isSecretName(name)) {
      if (value.length >= MIN_SECRET_LENGTH) secretValues.push(value)
    } else {
      kept[name] = value
    }
  }
  for (const [name, value] of Object.entries(kept)) {
    if (value !== undefined && secretValues.some((secret) => value.includes(secret))) {
      delete kept[name]
    }
  }
  return kept
}
