import {
  FUNNEL_STAGES,
  type CandidateReport,
  type Funnel,
  type FunnelStage
} from './report-schema.js'

/**
 * The LLM's funnel, counted from its candidates alone (one per generate call that did not stop
 * on a budget limit): each stage counts the candidates that got at least that far.
 */
export function funnelOf(candidates: readonly CandidateReport[]): Funnel {
  const llm = candidates.filter((c) => c.strategy === 'llm' && c.id !== 'previous')
  const reached = (stage: FunnelStage): number =>
    llm.filter((c) => c.reached && rank(c.reached) >= rank(stage)).length
  const healing = llm.filter((c) => c.healingRounds > 0)
  return {
    calls: llm.length,
    answered: reached('answered'),
    compiles: reached('compiles'),
    passes: reached('passes'),
    stable: reached('stable'),
    addsCoverage: reached('adds-coverage'),
    asserts: reached('asserts'),
    killsMutant: llm.filter((c) => c.reached === 'asserts' && (c.mutantsKilled ?? 0) > 0).length,
    kept: llm.filter((c) => c.verdict.status === 'accepted').length,
    healAttempted: healing.length,
    healed: healing.filter((c) => c.reached && rank(c.reached) >= rank('passes')).length,
    healRounds: llm.reduce((n, c) => n + c.healingRounds, 0)
  }
}

export function sumFunnels(funnels: readonly Funnel[]): Funnel | undefined {
  const [first, ...rest] = funnels
  if (!first) return undefined
  const total: Record<string, number> = { ...first }
  for (const funnel of rest)
    for (const [key, value] of Object.entries(funnel)) total[key] = (total[key] ?? 0) + value
  return total as Funnel
}

/** `12 calls → 11 answered → 9 compile → …`: the funnel on one line. */
export function funnelLine(funnel: Funnel): string {
  return [
    `${funnel.calls} call(s)`,
    `${funnel.answered} answered`,
    `${funnel.compiles} compile`,
    `${funnel.passes} pass`,
    `${funnel.stable} stable`,
    `${funnel.addsCoverage} add coverage`,
    `${funnel.killsMutant} kill a mutant`,
    `${funnel.kept} kept after merge`
  ].join(' → ')
}

/** `2 of 3 healed in 4 round(s)`, or undefined when nothing needed healing. */
export function healingLine(funnel: Funnel): string | undefined {
  if (funnel.healAttempted === 0) return undefined
  return `healing: ${funnel.healed} of ${funnel.healAttempted} candidate(s) healed, ${funnel.healRounds} round(s)`
}

function rank(stage: FunnelStage): number {
  return FUNNEL_STAGES.indexOf(stage)
}
