import { buildPlan, estimatedPlanCost, type Plan } from '../analysis/plan.js'
import { isGeneratedTestPath } from '../analysis/test-location.js'
import { DEPTH_PROFILES, type Settings } from '../config/schema.js'
import type { EventBus } from '../events/event-bus.js'
import type { GitRepository } from '../git/repository.js'
import { readWorkTreeStatus } from '../git/work-tree-status.js'
import { estimateModuleCost } from '../llm/estimate-cost.js'
import type { Stages } from './stages.js'

/** The plan of a change under these settings, with LLM cost estimates from the price table. */
export function planChange(
  repo: GitRepository,
  settings: Settings,
  base: string,
  head: string
): Promise<Plan> {
  return buildPlan({
    repo,
    base,
    head,
    paths: settings.paths,
    exclude: settings.exclude,
    testDir: settings.testDir,
    framework: settings.testFramework,
    estimate: (module, source) =>
      estimateModuleCost(
        module,
        source,
        settings.llm,
        DEPTH_PROFILES[settings.depth].candidatesPerModule
      )
  })
}

export interface PlannedRun {
  readonly plan: Plan
  /** Work-tree files that differ from the head commit (the tests see them). */
  readonly uncommitted: string[]
  /** Zero for the explorer: it makes no LLM call, so an LLM estimate would only mislead. */
  readonly estimatedCostUsd: number
}

/** Phase 1: which changed modules to test, in which order, at what estimated cost. */
export async function planPhase(
  stages: Stages,
  events: EventBus,
  repo: GitRepository,
  settings: Settings,
  range: { readonly base: string; readonly head: string },
  llmCosts: boolean
): Promise<PlannedRun> {
  const plan = await stages.run(
    'plan',
    () => planChange(repo, settings, range.base, range.head),
    (p) => `${p.modules.length} module(s), ${p.skipped.length} file(s) skipped`
  )
  const uncommitted = await uncommittedChanges(repo.root, settings.sessionDir)
  if (uncommitted.length > 0) {
    events.log(
      'warning',
      `the work tree has uncommitted changes (${listSome(uncommitted)}): the tests run on the work tree's content, not on the head commit ${plan.headSha.slice(0, 12)}`
    )
  }
  return { plan, uncommitted, estimatedCostUsd: llmCosts ? estimatedPlanCost(plan) : 0 }
}

/**
 * The work tree's differences from the head commit that tests could see: not our own generated
 * tests or session records, not an unignored `node_modules` (a symlinked install).
 */
async function uncommittedChanges(root: string, sessionDir: string): Promise<string[]> {
  const status = await readWorkTreeStatus(root)
  const ours = sessionDir.replace(/^\.\//, '').replace(/\/+$/, '')
  return [...status.modified, ...status.untracked]
    .filter(
      (p) =>
        !isGeneratedTestPath(p) &&
        !p.split('/').includes('node_modules') &&
        p !== ours &&
        !p.startsWith(`${ours}/`)
    )
    .sort()
}

function listSome(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(', ')
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown
}
