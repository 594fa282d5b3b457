import { DEPTH_PROFILES, DepthSchema } from '../config/schema.js'
import {
  FUNNEL_STAGES,
  type CandidateReport,
  type Funnel,
  type FunnelStage,
  type GateFunnel,
  type ModuleReport,
  type Report
} from './report-schema.js'

/**
 * The LLM's funnel, counted from its candidates alone (one per generate call that did not stop
 * on a budget limit): each stage counts the candidates that got at least that far.
 */
export function funnelOf(candidates: readonly CandidateReport[]): Funnel {
  const llm = candidates.filter((c) => c.strategy === 'llm' && !isEarlierTest(c))
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

/** Whether the run's depth had the mutant check on (`low` has it off). */
export function mutantGateOn(report: Pick<Report, 'settings'>): boolean {
  const depth = DepthSchema.safeParse(report.settings.depth)
  return depth.success ? DEPTH_PROFILES[depth.data].mutantGate : true
}

/** `9 proposed → 8 with code → … → 4 kept`: a gate funnel on one line (the terminal's). */
export function gateFunnelLine(funnel: GateFunnel, mutantGate = true): string {
  return [
    `${funnel.proposed} proposed`,
    `${funnel.answered} with code`,
    `${funnel.compiles} compile`,
    `${funnel.passes} pass`,
    `${funnel.stable} stable`,
    `${funnel.addsCoverage} add coverage`,
    `${funnel.asserts} assert`,
    mutantGate ? `${funnel.killsMutant} kill a mutant` : 'mutant check off',
    `${funnel.kept} kept`
  ].join(' → ')
}

/** `2 of 3 healed in 4 round(s)`, or undefined when nothing needed healing. */
export function healingLine(funnel: Funnel): string | undefined {
  if (funnel.healAttempted === 0) return undefined
  return `healing: ${funnel.healed} of ${funnel.healAttempted} candidate(s) healed, ${funnel.healRounds} round(s)`
}

/**
 * Every candidate of the run through the gates: a row per strategy that proposed any (explorer
 * first, as it runs first), then one for all of them; empty when nothing was proposed.
 */
export function gateFunnels(modules: readonly ModuleReport[]): GateFunnel[] {
  const candidates = modules.flatMap((m) => m.candidates).filter((c) => !isEarlierTest(c))
  if (candidates.length === 0) return []
  const rows = (['explorer', 'llm'] as const)
    .map((strategy) =>
      gateFunnel(
        strategy,
        candidates.filter((c) => c.strategy === strategy)
      )
    )
    .filter((row) => row.proposed > 0)
  return [...rows, gateFunnel('all', candidates)]
}

function gateFunnel(
  strategy: GateFunnel['strategy'],
  candidates: readonly CandidateReport[]
): GateFunnel {
  const reached = (stage: FunnelStage): number =>
    candidates.filter((c) => c.reached && rank(c.reached) >= rank(stage)).length
  return {
    strategy,
    proposed: candidates.length,
    answered: reached('answered'),
    compiles: reached('compiles'),
    passes: reached('passes'),
    stable: reached('stable'),
    addsCoverage: reached('adds-coverage'),
    asserts: reached('asserts'),
    mutantChecked: candidates.filter((c) => c.mutantsTried !== undefined).length,
    killsMutant: candidates.filter((c) => (c.mutantsKilled ?? 0) > 0).length,
    kept: candidates.filter((c) => c.verdict.status === 'accepted').length
  }
}

/** Tests TestMaster committed on an earlier run (`previous`, `previous-2`...), re-checked. */
function isEarlierTest(candidate: CandidateReport): boolean {
  return /^previous(-\d+)?$/.test(candidate.id)
}

function rank(stage: FunnelStage): number {
  return FUNNEL_STAGES.indexOf(stage)
}
