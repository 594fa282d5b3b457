import type { GenerationContext, ProposeOutcome, Strategy } from '../../strategy.js'
import { DEFAULT_EXPLORE_OPTIONS, exploreModule, type ExploreOptions } from './explore-module.js'

/**
 * The explorer strategy: offline, zero-cost regression tests found by executing the module. It
 * calls the module's exports with inputs built from their types (and from what earlier calls
 * returned) in a sandboxed child, keeps observations that are identical across fresh processes,
 * chooses a small set by coverage gain (changed lines first) and writes them as a readable test
 * file in the module's framework. It cannot heal: what it proposes already ran.
 */

export interface ExplorerStrategyOptions {
  /** Time limit of one call, in milliseconds (default 1000). */
  readonly callTimeoutMs?: number
  /** Fresh-process replays every observation must agree on (default 2). */
  readonly repeat?: number
  /** Programs explored per exported symbol (default 200; the time budget usually ends first). */
  readonly maxCallsPerSymbol?: number
  /** Wall time of the exploration of one module, in milliseconds (default 20000). */
  readonly budgetMs?: number
  /** Most tests in the proposed file (default 50). */
  readonly maxTests?: number
}

/** Creates the explorer strategy. */
export function createExplorerStrategy(options: ExplorerStrategyOptions = {}): Strategy {
  const settings: ExploreOptions = {
    ...DEFAULT_EXPLORE_OPTIONS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  }
  return {
    name: 'explorer',
    async propose(context: GenerationContext, count: number): Promise<ProposeOutcome> {
      if (count < 1) return { status: 'no-code', reason: 'no candidate was asked for' }
      if (context.signal.aborted)
        return {
          status: 'stopped',
          limit: 'time',
          reason: 'the time budget ran out before exploring'
        }
      // Calling a module that spawns processes with generated arguments could run arbitrary
      // commands; the sandbox scrubs the environment but is not isolation.
      if (context.module.sideEffects.includes('child-process')) {
        return {
          status: 'no-code',
          reason: 'the explorer does not execute modules that spawn processes'
        }
      }
      const result = await exploreModule(
        context.module,
        context.repoRoot,
        context.source,
        settings,
        context.signal
      )
      if (context.signal.aborted)
        return {
          status: 'stopped',
          limit: 'time',
          reason: 'the time budget ran out while exploring'
        }
      if (result.status === 'failed') {
        context.events.emit('log', {
          level: 'info',
          message: `explorer: ${context.module.path}: ${result.reason}`
        })
        return { status: 'no-code', reason: result.reason }
      }
      if (result.seedsProblem)
        context.events.emit('log', {
          level: 'warning',
          message: `explorer: ${result.seedsProblem}`
        })
      context.events.emit('log', {
        level: 'debug',
        message:
          `explorer: ${context.module.path}: ${result.tests} tests from ${result.observations} observations, ` +
          `statements ${result.statements.covered}/${result.statements.total}, branches ${result.branches.covered}/${result.branches.total}`
      })
      return {
        status: 'proposed',
        tests: [
          {
            code: result.code,
            label: `explorer: ${result.tests} tests from ${result.observations} observations`
          }
        ]
      }
    }
  }
}
