import type { Listener, TestMasterEvents } from './event-bus.js'

/**
 * Progress output as one listener: a log group per stage on Actions, a live progress line with
 * counts and spend in an interactive terminal, plain lines otherwise.
 */

export type ProgressMode = 'actions' | 'tty' | 'plain' | 'silent'

export interface ProgressOutput {
  write(text: string): void
}

export function detectProgressMode(env: NodeJS.ProcessEnv, isTty: boolean): ProgressMode {
  if (env.GITHUB_ACTIONS === 'true') return 'actions'
  return isTty && env.CI !== 'true' ? 'tty' : 'plain'
}

export function createProgressListener(
  mode: ProgressMode,
  out: ProgressOutput,
  options: { verbose?: boolean } = {}
): Listener {
  if (mode === 'silent') return {}
  let accepted = 0
  let rejected = 0
  let spent = 0
  let modulesDone = 0
  let modulesTotal = 0
  let liveLine = false

  const line = (text: string): void => {
    if (liveLine) {
      out.write('\r\x1b[2K')
      liveLine = false
    }
    out.write(`${text}\n`)
  }
  const live = (): void => {
    if (mode !== 'tty') return
    out.write(
      `\r\x1b[2K[testmaster] modules ${modulesDone}/${modulesTotal} · accepted ${accepted} · rejected ${rejected} · $${spent.toFixed(4)}`
    )
    liveLine = true
  }

  return {
    'run:start': (e) => {
      modulesTotal = e.modules
      line(
        `TestMaster run ${e.runId}: ${e.modules} module(s), provider ${e.provider}${e.model ? ` (${e.model})` : ''}`
      )
    },
    'stage:start': (e) => {
      if (mode === 'actions') out.write(`::group::${e.stage}\n`)
      else if (options.verbose) line(`> ${e.stage}`)
    },
    'stage:end': (e) => {
      if (e.status !== 'ran' || e.detail)
        line(`  ${e.stage}: ${e.status}${e.detail ? ` (${e.detail})` : ''}`)
      if (mode === 'actions') out.write('::endgroup::\n')
    },
    'module:end': (e) => {
      modulesDone++
      line(`  ${e.module}: ${e.status}, ${e.accepted} accepted, ${e.rejected} rejected`)
      live()
    },
    'candidate:verdict': (e) => {
      if (e.verdict.status === 'accepted') accepted++
      else rejected++
      if (options.verbose) {
        const v = e.verdict
        line(
          `    ${e.candidate} [${e.strategy}] ${v.status === 'accepted' ? 'accepted' : `rejected at ${v.gate}: ${v.reason}`}`
        )
      }
      live()
    },
    'llm:call': (e) => {
      spent += e.costUsd
      if (options.verbose) {
        line(
          `    llm ${e.purpose} ${e.module}: ${e.tokensIn}+${e.tokensOut} tokens, $${e.costUsd.toFixed(5)}, ${e.outcome}`
        )
      }
      live()
    },
    'budget:limit': (e) =>
      line(
        `  budget: ${e.limit === 'cancelled' ? 'the job was cancelled' : `the ${LIMIT_WORDS[e.limit] ?? e.limit} is reached`} (${e.detail})`
      ),
    delivery: (e) => line(`  delivery (${e.mode}): ${deliveryLine(e)}`),
    log: (e) => {
      if (e.level === 'debug' && !options.verbose) return
      if (mode === 'actions' && e.level !== 'info' && e.level !== 'debug')
        out.write(`::${e.level}::${e.message}\n`)
      else line(e.level === 'info' || e.level === 'debug' ? e.message : `${e.level}: ${e.message}`)
    },
    'run:end': (e) => {
      if (liveLine) out.write('\n')
      liveLine = false
      line(
        `Done in ${(e.durationMs / 1000).toFixed(1)} s: ${e.accepted} accepted, ${e.rejected} rejected, $${e.costUsd.toFixed(4)}`
      )
    }
  }
}

/** The limits in words, for the log (the report names the setting the user wrote). */
const LIMIT_WORDS: Record<string, string> = {
  'run-usd': 'run budget',
  'pr-usd': 'pull request budget',
  'module-usd': 'module budget',
  'max-calls': 'call limit',
  'max-tokens': 'token limit',
  time: 'time budget'
}

/** "delivered commit 1a2b3c4d5e6f to feature (pull request …)", or the status and why. */
function deliveryLine(delivery: TestMasterEvents['delivery']): string {
  const parts: string[] = [delivery.status]
  if (delivery.commitSha) parts.push(`commit ${delivery.commitSha.slice(0, 12)}`)
  if (delivery.branch) parts.push(`to ${delivery.branch}`)
  if (delivery.pullRequestUrl) parts.push(`(${delivery.pullRequestUrl})`)
  return `${parts.join(' ')}${delivery.detail ? `: ${delivery.detail}` : ''}`
}
