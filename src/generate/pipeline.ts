import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, extname, join, relative, sep } from 'node:path'
import type { CoverageMapData } from 'istanbul-lib-coverage'
import { limitSettingName } from '../config/limit-setting.js'
import type { ResolvedConfig } from '../config/resolve-config.js'
import type { LineRange, ModuleAnalysis } from '../analysis/module-model.js'
import { coverageFigures } from '../coverage/coverage-figures.js'
import { coverageGain, mergeCoverage } from '../coverage/coverage-gain.js'
import { patchCoverage, uncoveredChangedLines } from '../coverage/patch-coverage.js'
import { uncoveredLines } from '../coverage/uncovered-lines.js'
import type { EventBus } from '../events/event-bus.js'
import { planFocus } from '../llm/prompts/focal-context.js'
import { funnelOf } from '../report/funnel.js'
import {
  LimitNameSchema,
  type CandidateReport,
  type FunnelStage,
  type ModuleReport
} from '../report/report-schema.js'
import { checkStability } from '../runner/stability.js'
import type { RunResult, TestRunner } from '../runner/test-runner.js'
import { deliverTests, numberedTestPath, type CandidateFate } from './deliver-tests.js'
import { fileVerdict, type FailedTest, type FileVerdict } from './failing-tests.js'
import { checkCompiles } from './gates/1-compiles.js'
import { formatLikeRepository } from './repository-style.js'
import { checkKillsMutant, type MutantCheck } from './gates/6-asserts.js'
import { checkAssertsStatically } from './gates/6-asserts-statically.js'
import type { FailureEvidence, GenerationContext, ProposedTest, Strategy } from './strategy.js'
import { groupLooseTests } from './group-by-unit.js'
import { testChanges, withoutKnownTests } from './known-tests.js'
import { countTestBlocks, removeTests, testCases, testsAtLines } from './test-blocks.js'
import { candidatePath, removeFile, resolveTestPath, writeTestFile } from './test-files.js'
import { accepted, rejected, type Gate, type Verdict } from './verdict.js'

/**
 * The module pipeline: each candidate passes the gates in order (compiles, passes, heals, stable,
 * adds coverage, asserts) and its fate is kept. A candidate whose tests partly fail loses those
 * tests, not its place. Accepted candidates are merged one at a time into the file at the path the
 * analysis chose (or a numbered sibling when they clash), and the files go through the
 * repository's own test command before anything is delivered (deliver-tests.ts).
 */

export interface PipelineSettings {
  readonly testTimeoutMs: number
  readonly stabilityRuns: number
  readonly healingRounds: number
  readonly mutantGate: boolean
  readonly candidatesPerModule: number
  readonly includeCovered: boolean
  readonly testDir?: string
  /**
   * Heal only (`/testmaster heal`): re-run the tests TestMaster committed earlier and heal those
   * that now fail; propose nothing new.
   */
  readonly healOnly?: boolean
  /** Which layer set each limit, to name a stopping limit as the user set it. */
  readonly limitLayers?: ResolvedConfig['layers']
}

export interface ModuleJob {
  readonly module: ModuleAnalysis
  readonly source: string
  /** Absolute path of the module. */
  readonly moduleFile: string
  readonly repoRoot: string
  /** Coverage of the module by the existing tests (the report's "before"). */
  readonly baseline: CoverageMapData
  readonly runner: TestRunner
  /** In order: the explorer first (free), then the LLM on what is still uncovered. */
  readonly strategies: readonly Strategy[]
  readonly styleExample?: { readonly path: string; readonly code: string }
  /**
   * The repository's own test command (a cold jest / vitest with its config and Node flags): the
   * final check of the files before delivery. Without it, what the warm runner accepted is delivered.
   */
  readonly finalCheck?: { readonly runner: TestRunner; readonly description: string }
}

export interface PossibleBug {
  readonly module: string
  readonly test: string
  readonly assertion: string
  readonly explanation: string
}

export interface ModuleOutcome {
  readonly report: Omit<ModuleReport, 'llm' | 'durationMs'>
  /** The test files delivered (repo-relative paths): the merged file and any numbered sibling. */
  readonly testFiles: readonly { readonly path: string; readonly code: string }[]
  readonly possibleBugs: readonly PossibleBug[]
  /** Set when a budget limit stopped a strategy for this module. */
  readonly stoppedBy?: string
}

function changedOrAll(job: ModuleJob): readonly LineRange[] {
  return job.module.changedLines
}

function firstFailure(result: RunResult, file: string): string | undefined {
  if (result.status === 'timeout')
    return `the test run timed out after ${Math.round(result.timeoutMs / 1000)} s`
  if (result.status === 'crashed')
    return `the test run crashed: ${result.message}\n${tail(result.output)}`
  const fileResult =
    result.files.find((f) => basename(f.file) === basename(file)) ?? result.files[0]
  if (!fileResult)
    return `the framework did not run ${basename(file)} (is it matched by the test configuration?)`
  if (fileResult.status === 'error')
    return fileResult.failureMessage ?? 'the test file failed to load'
  const failed = fileResult.tests.filter((t) => t.status === 'failed' || t.status === 'timeout')
  if (fileResult.status === 'failed' || failed.length > 0) {
    return (
      failed.map((t) => `${t.name}: ${t.failureMessage ?? t.status}`).join('\n\n') ||
      fileResult.failureMessage ||
      'failed'
    )
  }
  if (!fileResult.tests.some((t) => t.status === 'passed'))
    return 'the file contains no passing test'
  return undefined
}

function tail(text: string, max = 2000): string {
  return text.length > max ? `...${text.slice(-max)}` : text
}

/**
 * Paths are made relative to the repo: the model needs no knowledge of the runner's disk, and a
 * recorded session must replay in another checkout, where the absolute paths differ.
 */
function trimForHealer(message: string, repoRoot: string): string {
  const relative = message.split(`${repoRoot}${sep}`).join('').split(repoRoot).join('.')
  return relative.length > 4000 ? `${relative.slice(0, 4000)}\n... (truncated)` : relative
}

function passedTests(result: RunResult, file: string): string[] {
  if (result.status !== 'completed') return []
  const fileResult = result.files.find((f) => basename(f.file) === basename(file))
  return fileResult?.tests.filter((t) => t.status === 'passed').map((t) => t.name) ?? []
}

/** A rejection's reason: the real error line, never the framework's header. */
function reasonOf(verdict: FileVerdict): string {
  if (verdict.kind === 'file-failed') return verdict.reason
  if (verdict.kind === 'passed') return 'passed'
  const [first] = verdict.failed
  const more =
    verdict.failed.length > 1 ? ` (and ${verdict.failed.length - 1} more failing test(s))` : ''
  return `'${first?.name ?? ''}': ${first?.error ?? 'failed'}${more}`
}

/** Tests of a rejected candidate: those the run saw, or those the file declares. */
function testsSeen(verdict: FileVerdict | undefined, code: string, path: string): number {
  const seen =
    verdict?.kind === 'file-failed'
      ? verdict.tests
      : verdict
        ? verdict.passed + (verdict.kind === 'some-failed' ? verdict.failed.length : 0)
        : 0
  return seen > 0 ? seen : countTestBlocks(code, path)
}

function contextFor(
  job: ModuleJob,
  union: CoverageMapData,
  events: EventBus,
  signal: AbortSignal,
  acceptedTests: readonly string[] = []
): GenerationContext {
  return {
    module: job.module,
    repoRoot: job.repoRoot,
    source: job.source,
    uncoveredLines: uncoveredLines(union, job.moduleFile),
    styleExample: job.styleExample,
    acceptedTests: [...acceptedTests],
    signal,
    events
  }
}

async function readPrevious(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * The test files TestMaster delivered for this module on earlier runs: the file at `finalPath`
 * (id `previous`) and its numbered siblings (`previous-2`, ...), in that order.
 */
async function readPreviousFiles(
  finalPath: string
): Promise<{ readonly id: string; readonly code: string; readonly path: string }[]> {
  const found: { id: string; code: string; path: string }[] = []
  const main = await readPrevious(finalPath)
  if (main !== undefined) found.push({ id: 'previous', code: main, path: finalPath })
  let names: string[]
  try {
    names = await readdir(dirname(finalPath))
  } catch {
    return found
  }
  const present = new Set(names)
  const numbers = [
    ...new Set(names.map((name) => Number(/-(\d+)\.(?:test|spec)\.[cm]?[jt]sx?$/.exec(name)?.[1])))
  ]
    .filter((n) => n > 1 && present.has(basename(numberedTestPath(finalPath, n))))
    .sort((a, b) => a - b)
  for (const number of numbers) {
    const path = numberedTestPath(finalPath, number)
    const code = await readPrevious(path)
    if (code !== undefined) found.push({ id: `previous-${number}`, code, path })
  }
  return found
}

/** Runs every strategy of a module through the gates. Never throws for a candidate's failure. */
export async function processModule(
  job: ModuleJob,
  settings: PipelineSettings,
  events: EventBus,
  signal: AbortSignal
): Promise<ModuleOutcome> {
  const { module } = job
  const changed = changedOrAll(job)
  const finalPath = await resolveTestPath(job.repoRoot, module.placement.testPath, settings.testDir)
  const candidates: CandidateReport[] = []
  const acceptedTests: { id: string; code: string; coverage: CoverageMapData; path?: string }[] = []
  const possibleBugs: PossibleBug[] = []
  let union = job.baseline
  let stoppedBy: string | undefined
  let sequence = 0
  const acceptedTitles: string[] = []
  let llmStoppedBecause: string | undefined

  // Tests TestMaster committed on an earlier run are kept when they still pass, healed when they
  // fail (the code moved on under them), and the seed of this run's union, never overwritten.
  // Candidates kept in numbered siblings (x.testmaster-2.test.ts) come back the same way.
  const previousFiles = await readPreviousFiles(finalPath)
  for (const { id: previousId, code: previous, path: previousPath } of previousFiles) {
    const healer = job.strategies.find((s) => s.heal !== undefined)
    const started = Date.now()
    const result = await evaluateCandidate({
      job,
      settings,
      healer,
      context: contextFor(job, union, events, signal),
      proposed: { code: previous, label: 'tests TestMaster committed earlier' },
      id: previousId,
      finalPath,
      union,
      signal,
      previous: true
    })
    if (result.possibleBug) possibleBugs.push(result.possibleBug)
    if (result.verdict.status === 'accepted' && result.coverage && result.code) {
      union = mergeCoverage(union, result.coverage)
      acceptedTests.push({
        id: previousId,
        code: result.code,
        coverage: result.coverage,
        path: previousPath
      })
      // What the file already holds is what later proposals must not repeat.
      acceptedTitles.push(...testCases(result.code, previousPath).map((t) => t.name))
    }
    // Report them only when something happened to them: healed, or failing for good.
    if (
      result.healingRounds > 0 ||
      result.verdict.status === 'rejected' ||
      result.droppedTests.length > 0
    ) {
      const strategy = healer?.name ?? job.strategies[0]?.name ?? 'explorer'
      const verdict =
        result.verdict.status === 'rejected'
          ? rejected(
              result.verdict.gate,
              `tests committed earlier now fail: ${result.verdict.reason}`
            )
          : result.verdict
      candidates.push({
        id: previousId,
        strategy,
        verdict,
        tests: result.tests,
        healingRounds: result.healingRounds,
        durationMs: Date.now() - started,
        addedLines: 0,
        addedBranches: 0,
        ...(result.droppedTests.length > 0 ? { droppedTests: result.droppedTests } : {})
      })
      events.emit('candidate:verdict', {
        module: module.path,
        candidate: previousId,
        strategy,
        verdict
      })
    }
  }

  const before = coverageFigures(union, job.moduleFile)
  const patchBefore = patchCoverage(union, job.moduleFile, changed)
  const base = {
    path: module.path,
    packageRoot: module.package.root,
    framework: job.runner.framework,
    strategies: job.strategies.map((s) => s.name),
    changedLines: changed.reduce((n, r) => n + r.end - r.start + 1, 0),
    coverageBefore: before,
    patchCoverageBefore: patchBefore
  }
  const fullyCovered =
    patchBefore.lines.covered === patchBefore.lines.total &&
    patchBefore.branches.covered === patchBefore.branches.total
  const skipReason = settings.healOnly
    ? previousFiles.length === 0
      ? 'no tests generated by TestMaster to heal'
      : undefined
    : !settings.includeCovered &&
        fullyCovered &&
        patchBefore.lines.total > 0 &&
        candidates.length === 0
      ? coveredBy(job, changed)
      : undefined
  if (skipReason) {
    return {
      report: {
        ...base,
        status: 'skipped',
        reason: skipReason,
        candidates,
        coverageAfter: before,
        patchCoverageAfter: patchBefore,
        uncoveredChangedLines: uncoveredChangedLines(union, job.moduleFile, changed)
      },
      testFiles: [],
      possibleBugs
    }
  }

  // Heal-only runs propose nothing new, except a free replacement for earlier tests that could not
  // be healed (no LLM, or healing failed): the explorer's regression tests of the code as it is now.
  const previousFailed = candidates.some(
    (c) => c.id.startsWith('previous') && c.verdict.status === 'rejected'
  )
  const strategies = !settings.healOnly
    ? job.strategies
    : previousFailed
      ? job.strategies.filter((s) => s.name === 'explorer')
      : []
  for (const strategy of strategies) {
    // A strategy that works call by call (`more`) is asked again once its candidates are judged,
    // so each call sees the coverage and the tests accepted so far; it ends with `exhausted`.
    for (;;) {
      if (signal.aborted) break
      const context = {
        ...contextFor(job, union, events, signal, acceptedTitles),
        rejectedCandidates: candidates.flatMap((c) =>
          c.strategy === strategy.name &&
          !c.id.startsWith('previous') &&
          c.verdict.status === 'rejected'
            ? [
                `${c.target ? `${c.id} (${c.target})` : c.id}: rejected at ${c.verdict.gate}: ${c.verdict.reason}`
              ]
            : []
        )
      }
      const count = strategy.name === 'llm' ? settings.candidatesPerModule : 1
      const outcome = await strategy.propose(context, count)
      if (outcome.status === 'exhausted') {
        if (strategy.name === 'llm') llmStoppedBecause = outcome.reason
        break
      }
      if (outcome.status === 'stopped') {
        stoppedBy = outcome.limit
        events.emit('budget:limit', {
          limit: outcome.limit,
          detail: `${module.path}: ${outcome.reason}`
        })
        break
      }
      // Every rejection keeps its gate and reason: a whole answer without code, and the candidates
      // a strategy discarded itself while proposing others.
      const discarded =
        outcome.status === 'no-code'
          ? [{ reason: outcome.reason, target: outcome.target }]
          : (outcome.rejected ?? [])
      for (const { reason, target } of discarded) {
        const id = `${strategy.name}-${++sequence}`
        const verdict = rejected('generates', reason)
        candidates.push({
          id,
          strategy: strategy.name,
          verdict,
          tests: 0,
          healingRounds: 0,
          durationMs: 0,
          addedLines: 0,
          addedBranches: 0,
          ...(target ? { target } : {})
        })
        events.emit('candidate:verdict', {
          module: module.path,
          candidate: id,
          strategy: strategy.name,
          verdict
        })
      }
      if (outcome.status === 'no-code') {
        if (outcome.more) continue
        break
      }
      for (const offered of outcome.tests) {
        if (signal.aborted) break
        const id = `${strategy.name}-${++sequence}`
        const started = Date.now()
        const fresh = newPartOf(offered, acceptedTests, finalPath, moduleStem(job.moduleFile))
        if (fresh.remaining === 0) {
          const verdict = rejected(
            'adds-coverage',
            `adds nothing new: its ${fresh.known} test(s) are already in ${basename(finalPath)} or in a candidate accepted before it`
          )
          candidates.push({
            id,
            strategy: strategy.name,
            verdict,
            tests: fresh.known,
            healingRounds: 0,
            durationMs: Date.now() - started,
            addedLines: 0,
            addedBranches: 0,
            ...(offered.target ? { target: offered.target } : {}),
            reached: 'answered',
            code: capCode(offered.code)
          })
          events.emit('candidate:verdict', {
            module: module.path,
            candidate: id,
            strategy: strategy.name,
            verdict
          })
          continue
        }
        if (fresh.known > 0)
          events.emit('log', {
            level: 'debug',
            message: `${module.path}: ${id}: ${fresh.known} of its tests are already in the file, left out`
          })
        const proposed = fresh.proposed
        const result = await evaluateCandidate({
          job,
          settings,
          healer: strategy.heal ? strategy : undefined,
          context: { ...context, uncoveredLines: uncoveredLines(union, job.moduleFile) },
          proposed,
          id,
          finalPath,
          union,
          signal
        })
        if (result.possibleBug) possibleBugs.push(result.possibleBug)
        if (result.stoppedBy) stoppedBy = result.stoppedBy
        candidates.push({
          id,
          strategy: strategy.name,
          verdict: result.verdict,
          tests: result.tests,
          healingRounds: result.healingRounds,
          durationMs: Date.now() - started,
          addedLines: result.addedLines,
          addedBranches: result.addedBranches,
          mutantsKilled: result.mutantsKilled,
          mutantsTried: result.mutantsTried,
          ...(proposed.target ? { target: proposed.target } : {}),
          ...(result.reached ? { reached: result.reached } : {}),
          // A rejected candidate's code stays in the report, so its reason can be checked.
          ...(result.verdict.status === 'rejected' ? { code: capCode(proposed.code) } : {}),
          ...(result.droppedTests.length > 0 ? { droppedTests: result.droppedTests } : {})
        })
        events.emit('candidate:verdict', {
          module: module.path,
          candidate: id,
          strategy: strategy.name,
          verdict: result.verdict
        })
        if (result.verdict.status === 'accepted' && result.coverage && result.code) {
          union = mergeCoverage(union, result.coverage)
          acceptedTests.push({ id, code: result.code, coverage: result.coverage })
          acceptedTitles.push(...result.titles)
        }
      }
      // A budget limit hit while healing stops this strategy's further calls too.
      if (!outcome.more || stoppedBy !== undefined) break
    }
  }

  let testFiles: ModuleOutcome['testFiles'] = []
  if (acceptedTests.length > 0) {
    const delivered = await deliver(job, settings, finalPath, acceptedTests, candidates, signal)
    // A candidate the final check dropped was announced as accepted: announce its new fate.
    for (const candidate of candidates) {
      const first = acceptedTests.some((t) => t.id === candidate.id)
      if (first && candidate.verdict.status === 'rejected')
        events.emit('candidate:verdict', {
          module: module.path,
          candidate: candidate.id,
          strategy: candidate.strategy,
          verdict: candidate.verdict
        })
    }
    testFiles = delivered.testFiles
    union = delivered.coverage ?? union
  }
  const after = coverageFigures(union, job.moduleFile)
  const patchAfter = patchCoverage(union, job.moduleFile, changed)
  // Counted test by test against the files on the branch: a rewritten file is not all new.
  const changes =
    testFiles.length > 0
      ? testChanges(
          previousFiles,
          testFiles.map((file) => ({ path: join(job.repoRoot, file.path), code: file.code }))
        )
      : undefined
  const status =
    testFiles.length > 0
      ? 'done'
      : stoppedBy && candidates.length === 0
        ? 'stopped-by-budget'
        : 'done'
  return {
    report: {
      ...base,
      status,
      reason: stoppedBy ? stoppedReason(stoppedBy, settings.limitLayers) : undefined,
      testFile: testFiles[0]?.path,
      ...(changes ? { testChanges: changes } : {}),
      candidates,
      coverageAfter: after,
      patchCoverageAfter: patchAfter,
      uncoveredChangedLines: uncoveredChangedLines(union, job.moduleFile, changed),
      ...(job.strategies.some((s) => s.name === 'llm')
        ? {
            funnel: funnelOf(candidates),
            focalUnits: planFocus(module.path, job.source).units.length,
            ...(llmStoppedBecause ? { llmStoppedBecause } : {})
          }
        : {})
    },
    testFiles,
    possibleBugs,
    stoppedBy
  }
}

/**
 * What a proposed candidate brings beyond the tests already accepted (those committed earlier
 * first): its loose tests grouped by unit, and the tests whose body is already there left out.
 */
function newPartOf(
  proposed: ProposedTest,
  accepted: readonly { readonly code: string; readonly path?: string }[],
  finalPath: string,
  fallbackTitle: string
): { readonly proposed: ProposedTest; readonly known: number; readonly remaining: number } {
  const grouped = groupLooseTests(proposed.code, finalPath, fallbackTitle)
  const fresh = withoutKnownTests(
    grouped,
    finalPath,
    accepted.map((test) => ({ path: test.path ?? finalPath, code: test.code }))
  )
  return {
    proposed: { ...proposed, code: fresh.known.length > 0 ? fresh.code : grouped },
    known: fresh.known.length,
    remaining: fresh.remaining
  }
}

/** Time a cold jest or vitest may take to start, on top of the tests' own limit. */
const FRAMEWORK_START_ALLOWANCE_MS = 60_000

/**
 * Merges the accepted candidates into the files to deliver and runs those through the final check
 * (deliver-tests.ts), then writes each candidate's fate into its report entry. When the final
 * check cut tests, the "after" coverage is measured again on what is delivered.
 */
async function deliver(
  job: ModuleJob,
  settings: PipelineSettings,
  finalPath: string,
  acceptedTests: readonly { id: string; code: string; coverage: CoverageMapData; path?: string }[],
  candidates: CandidateReport[],
  signal: AbortSignal
): Promise<{ testFiles: ModuleOutcome['testFiles']; coverage?: CoverageMapData }> {
  const style = {
    repoRoot: job.repoRoot,
    packageRoot: join(job.repoRoot, job.module.package.root),
    signal
  }
  const delivery = await deliverTests({
    accepted: acceptedTests.map(({ id, code, path }) => ({ id, code, ...(path ? { path } : {}) })),
    finalPath,
    repoRoot: job.repoRoot,
    runner: job.runner,
    format: (code, path) => formatLikeRepository(code, path, style),
    ...(job.finalCheck ? { finalCheck: job.finalCheck } : {}),
    // A cold start of the framework (slow on a busy runner) comes on top of the tests' own time.
    timeoutMs: settings.testTimeoutMs + FRAMEWORK_START_ALLOWANCE_MS,
    signal
  })
  const relativePath = (path: string): string => relative(job.repoRoot, path).split(sep).join('/')
  candidates.forEach((candidate, index) => {
    const fate = delivery.fates.get(candidate.id)
    if (!fate || candidate.verdict.status !== 'accepted') return
    const code = acceptedTests.find((t) => t.id === candidate.id)?.code ?? ''
    candidates[index] = withFate(candidate, fate, relativePath, code)
  })
  const testFiles = delivery.files.map((file) => ({
    path: relativePath(file.path),
    code: file.code
  }))
  if (!delivery.lostTests) return { testFiles }
  // Tests were cut: coverage "after" is what the delivered files cover, nothing more.
  let coverage = job.baseline
  if (delivery.files.length > 0) {
    const measured = await job.runner.run({
      testFiles: delivery.files.map((file) => file.path),
      coverageOf: [job.moduleFile],
      timeoutMs: settings.testTimeoutMs * 2,
      signal
    })
    if (measured.status === 'completed' && measured.coverage)
      coverage = mergeCoverage(job.baseline, measured.coverage)
    else {
      const kept = acceptedTests.filter((t) => !delivery.fates.get(t.id)?.rejected)
      for (const test of kept) coverage = mergeCoverage(coverage, test.coverage)
    }
  }
  return { testFiles, coverage }
}

function withFate(
  candidate: CandidateReport,
  fate: CandidateFate,
  relativePath: (path: string) => string,
  code: string
): CandidateReport {
  const dropped = [
    ...(candidate.droppedTests ?? []),
    ...fate.dropped.map((t) => ({ name: t.name, gate: 'final-check' as const, error: t.error }))
  ]
  return {
    ...candidate,
    tests: fate.tests,
    ...(fate.rejected
      ? { verdict: rejected('final-check', fate.rejected), code: capCode(code) }
      : {}),
    ...(fate.file ? { testFile: relativePath(fate.file) } : {}),
    ...(fate.note ? { note: fate.note } : {}),
    ...(dropped.length > 0 ? { droppedTests: dropped } : {})
  }
}

/** Rejected code kept per candidate in the report (characters). */
const MAX_REJECTED_CODE = 20_000

function capCode(code: string): string {
  return code.length > MAX_REJECTED_CODE
    ? `${code.slice(0, MAX_REJECTED_CODE)}\n// … cut at ${MAX_REJECTED_CODE} characters`
    : code
}

type DroppedTestReport = NonNullable<CandidateReport['droppedTests']>[number]

interface CandidateResult {
  verdict: Verdict
  tests: number
  droppedTests: DroppedTestReport[]
  /** Titles of its passing tests, for later calls to avoid. */
  titles: string[]
  /** The last gate it passed, for the funnel. */
  reached?: FunnelStage
  healingRounds: number
  addedLines: number
  addedBranches: number
  mutantsKilled?: number
  mutantsTried?: number
  coverage?: CoverageMapData
  code?: string
  possibleBug?: PossibleBug
  stoppedBy?: string
}

async function evaluateCandidate(input: {
  job: ModuleJob
  settings: PipelineSettings
  /** The strategy that may heal a failing candidate, if any. */
  healer: Strategy | undefined
  context: GenerationContext
  proposed: ProposedTest
  id: string
  finalPath: string
  union: CoverageMapData
  signal: AbortSignal
  /** Tests TestMaster committed earlier: already past the coverage and assertion gates once. */
  previous?: boolean
}): Promise<CandidateResult> {
  const { job, settings, healer, context, id, finalPath, signal } = input
  const path = candidatePath(finalPath, id)
  let test = input.proposed
  let rounds = 0
  let reached: FunnelStage = 'answered'
  // Tests cut out because they failed: the rest of the candidate goes on through the gates.
  const droppedTests: DroppedTestReport[] = []
  const none = { tests: 0, titles: [], addedLines: 0, addedBranches: 0, droppedTests }
  const cut = (failed: readonly FailedTest[], gate: Gate, names: readonly string[]): boolean => {
    const result = removeTests(test.code, path, names)
    if (result.notFound.length > 0 || result.remaining === 0) return false
    droppedTests.push(
      ...names.map((name) => ({
        name,
        gate,
        error: failed.find((t) => t.name === name)?.error ?? gate
      }))
    )
    test = { ...test, code: result.code }
    return true
  }
  try {
    let coverage: CoverageMapData | undefined
    let tests = 0
    let titles: string[] = []
    for (;;) {
      for (;;) {
        let failure: FailureEvidence | undefined
        let verdict: FileVerdict | undefined
        let illTyped: FailedTest[] = []
        const compiled = checkCompiles(test.code, path)
        if (!compiled.ok) {
          failure = { gate: 'compiles', message: trimForHealer(compiled.message, job.repoRoot) }
          // Quoted with the path as the repository names it, not this machine's.
          illTyped = testsWithTypeErrors(test.code, path, compiled.typeErrors ?? []).map((t) => ({
            ...t,
            error: t.error.split(`${job.repoRoot}${sep}`).join('')
          }))
        } else {
          reached = 'compiles'
          await writeTestFile(job.repoRoot, path, test.code)
          const result = await job.runner.run({
            testFiles: [path],
            coverageOf: [job.moduleFile],
            timeoutMs: settings.testTimeoutMs,
            signal
          })
          verdict = fileVerdict(result, path, job.repoRoot)
          if (verdict.kind === 'passed' && result.status === 'completed') {
            coverage = result.coverage
            titles = passedTests(result, path)
            tests = titles.length
            reached = 'passes'
            break
          }
          const message = firstFailure(result, path) ?? 'failed'
          failure = { gate: 'passes', message: trimForHealer(message, job.repoRoot) }
        }
        const gate = rounds === 0 ? failure.gate : 'heals'
        if (!healer?.heal || rounds >= settings.healingRounds || signal.aborted) {
          // What healing could not fix costs the failing tests, not the passing ones.
          if (
            verdict?.kind === 'some-failed' &&
            !signal.aborted &&
            cut(
              verdict.failed,
              gate,
              verdict.failed.map((t) => t.name)
            )
          )
            continue
          // Type errors inside tests (an input of the wrong type) cost those tests, not the file.
          if (
            illTyped.length > 0 &&
            !signal.aborted &&
            cut(
              illTyped,
              gate,
              illTyped.map((t) => t.name)
            )
          )
            continue
          const cause = verdict ? reasonOf(verdict) : firstLine(failure.message)
          const reason =
            rounds > 0 ? `still failing after ${rounds} healing round(s): ${cause}` : cause
          return {
            ...none,
            reached,
            tests: testsSeen(verdict, test.code, path),
            verdict: rejected(gate, reason),
            healingRounds: rounds
          }
        }
        const healed = await healer.heal(context, test, failure)
        rounds++
        if (healed.status === 'possible-bug') {
          return {
            ...none,
            reached,
            healingRounds: rounds,
            verdict: rejected('heals', `possible bug in the code, not healed: ${healed.assertion}`),
            possibleBug: {
              module: job.module.path,
              test: id,
              assertion: healed.assertion,
              explanation: healed.explanation
            }
          }
        }
        if (healed.status === 'stopped') {
          return {
            ...none,
            reached,
            healingRounds: rounds,
            verdict: rejected('heals', `healing stopped: ${healed.reason}`),
            stoppedBy: healed.limit
          }
        }
        if (healed.status === 'no-code') {
          return {
            ...none,
            reached,
            healingRounds: rounds,
            verdict: rejected('heals', healed.reason)
          }
        }
        test = healed.test
      }

      const stability = await checkStability(
        job.runner,
        path,
        settings.stabilityRuns,
        settings.testTimeoutMs,
        signal
      )
      if (stability.stable) {
        reached = 'stable'
        break
      }
      // Flaky tests go, and what is left runs the passes and stability gates again.
      const unstable = stability.unstableTests ?? []
      const error = firstLine(stability.reason)
      if (
        unstable.length > 0 &&
        !signal.aborted &&
        cut(
          unstable.map((name) => ({ name, error })),
          'stable',
          unstable
        )
      )
        continue
      return {
        ...none,
        reached,
        tests,
        healingRounds: rounds,
        verdict: rejected('stable', stability.reason)
      }
    }

    if (!coverage) {
      return {
        ...none,
        reached,
        tests,
        healingRounds: rounds,
        verdict: rejected('adds-coverage', 'the run reported no coverage for the module')
      }
    }
    if (input.previous) {
      return {
        ...none,
        reached,
        tests,
        healingRounds: rounds,
        verdict: accepted(),
        coverage,
        code: test.code
      }
    }
    const gain = coverageGain(input.union, coverage, job.moduleFile, job.module.changedLines)
    if (!gain.adds) {
      return {
        ...none,
        reached,
        tests,
        healingRounds: rounds,
        verdict: rejected(
          'adds-coverage',
          'covers nothing that existing or already accepted tests do not'
        )
      }
    }

    reached = 'adds-coverage'
    const figures = {
      reached,
      titles,
      tests,
      droppedTests,
      healingRounds: rounds,
      addedLines: gain.addedLines,
      addedBranches: gain.addedBranches
    }
    const statically = checkAssertsStatically(test.code, path)
    if (!statically.ok) return { ...figures, verdict: rejected('asserts', statically.reason) }

    let mutantsKilled: number | undefined
    let mutantsTried: number | undefined
    if (settings.mutantGate) {
      const check = await checkKillsMutant({
        runner: job.runner,
        repoRoot: job.repoRoot,
        module: job.module,
        moduleFile: job.moduleFile,
        source: job.source,
        testCode: test.code,
        testPath: path,
        coverage,
        timeoutMs: settings.testTimeoutMs,
        signal
      })
      mutantsTried = 'tried' in check ? check.tried : 0
      mutantsKilled = check.status === 'killed' ? 1 : 0
      const reason = mutantRejection(check, job.module)
      if (reason !== undefined) {
        return {
          ...figures,
          mutantsKilled,
          mutantsTried,
          verdict: rejected('asserts', reason)
        }
      }
    }

    return {
      ...figures,
      reached: 'asserts',
      verdict: accepted(),
      mutantsKilled,
      mutantsTried,
      coverage,
      code: test.code
    }
  } finally {
    await removeFile(job.repoRoot, path)
  }
}

/**
 * Why the mutant check rejects a candidate, or undefined when it passes: a mutant was killed, or
 * no mutant exists for the lines it covers (then the static check alone has spoken, and the
 * candidate says so with 0 mutants tried).
 */
function mutantRejection(check: MutantCheck, module: ModuleAnalysis): string | undefined {
  switch (check.status) {
    case 'killed':
    case 'no-mutants':
      return undefined
    case 'survived':
      return `survived all ${check.tried} mutant(s) of the lines it covers: it asserts nothing that would catch a change`
    case 'not-redirected':
      return `its import of ${module.path} cannot be pointed at the ${check.mutants} mutant(s) of the lines it covers (through a re-export or another path?), so what it asserts cannot be checked: import the module directly with '${module.placement.importSpecifier}'`
    case 'stopped':
      return `the run stopped before the mutant check finished (${check.tried} mutant(s) tried)`
  }
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim().length > 0) ?? message
  return line.length > 300 ? `${line.slice(0, 297)}...` : line.trim()
}

/** The module name used to derive sibling file names (`math` for `src/math.ts`). */
export function moduleStem(moduleFile: string): string {
  return basename(moduleFile, extname(moduleFile))
}

/** "the limit set by the input `pr-budget-usd` was reached": named as the user set it. */
function stoppedReason(limit: string, layers: ResolvedConfig['layers']): string {
  const known = LimitNameSchema.safeParse(limit)
  const name = known.success ? limitSettingName(known.data, layers) : undefined
  return name ? `the limit set by ${name} was reached` : `budget limit ${limit} reached`
}

/** Who already covers a module's changed lines: the repository's tests, or ours from earlier. */
function coveredBy(job: ModuleJob, changed: readonly LineRange[]): string {
  const existing = patchCoverage(job.baseline, job.moduleFile, changed)
  const byExisting =
    existing.lines.covered === existing.lines.total &&
    existing.branches.covered === existing.branches.total
  return byExisting
    ? 'its changed lines are already covered by existing tests'
    : 'its changed lines are already covered, by the tests TestMaster committed earlier'
}

/**
 * The tests that hold a type error, each with its error. Only when every error is inside a test:
 * an error in an import or a helper is the whole file's, and no cut can fix it.
 */
function testsWithTypeErrors(
  code: string,
  path: string,
  errors: readonly { line: number; text: string }[]
): FailedTest[] {
  if (errors.length === 0) return []
  const located = testsAtLines(
    code,
    path,
    errors.map((e) => e.line)
  )
  const inTests = errors.every((e) => testsAtLines(code, path, [e.line]).length > 0)
  if (!inTests) return []
  return located.map(({ name, line }) => ({
    name,
    error: errors.find((e) => e.line === line)?.text ?? 'type error'
  }))
}
