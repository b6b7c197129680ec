import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import writeFileAtomicLib from 'write-file-atomic'
import { completedWithoutCalls, type DiagnosisRecord, type TaskSummary } from '../runtime/executor/task-summary.ts'
import type { Outcome } from '../runtime/scenario/schema.ts'
import { GateConfigError } from './gate-error.ts'
import type { GateResult } from './gates.ts'
import { computeBreakdown, type Breakdown } from './breakdown.ts'
import type { IncompleteModule } from './incomplete.ts'
import { computeLearningCurve, type LearningCurve } from './learning-curve.ts'
import { rateKeys, type RateKey } from './metric-catalog.ts'
import { countStrategy, groupByStrategy, isSrrEligible, metricsFromCounts, type StrategyCounts, type StrategyMetrics } from './metrics.ts'
import { comparePaired, type PairedComparison } from './paired-comparison.ts'
import { passHatCurve, taskTrials, type PassHatPoint } from './pass-k.ts'
import { computeRca, type ConfusionMatrix, type RcaScore, type StrategyRca } from './rca.ts'
import { compareStrings } from './task-order.ts'
import { wilsonInterval } from './wilson.ts'

/** One checked gate, as `report.json` lists it. */
export type JsonGateResult = GateResult

export interface JsonTaskEntry {
  id: string
  scenario: string
  /** Only in runs with repeats: which trial of the task this was. */
  repeat?: number
  outcome: Outcome
  reason: string
  /** Same as `tool_calls`; kept under the prototype's name. */
  attempts: number
  tool_calls: number
  steps_reached: number
  consistent: boolean
  /** Started side effects and did not complete: counts for SRR. */
  srr_eligible: boolean
  compensations: { tool: string; step: number; ok: boolean }[]
  diagnoses: DiagnosisRecord[]
  batch: number
  /** Lying answers received, detected, and whether the task acted on one (ABD). */
  lies?: { received: number; detected: number; acted: boolean }
  /** The offending calls per verdict (call indices of the trace), only verdicts with some. */
  offending?: Partial<Record<'retry_after' | 'unsafe_retries' | 'duplicate_side_effects' | 'hot_loops' | 'ignored_deadlines', number[]>>
  /** Outcome of the clean run (faults off), when one was made. */
  clean?: Outcome
}

/** A rate's 95% Wilson interval and the counts it is computed from. */
export interface JsonInterval {
  successes: number
  trials: number
  lower: number
  upper: number
}

/** This strategy against the reference on the tasks both ran (see {@link PairedComparison}). */
export interface JsonPairedComparison {
  reference: string
  pairs: number
  both_completed: number
  only_this: number
  only_reference: number
  neither_completed: number
  /** WCR of this strategy minus WCR of the reference, on the pairs. */
  difference: number
  /** McNemar's exact two-sided p-value. */
  p_value: number
}

export interface JsonPassHatK {
  /** Trials every task had. */
  trials: number
  values: PassHatPoint[]
}

export interface JsonRcaScore {
  records: number
  layer_correct: number
  action_correct: number
  layer_acc: number | null
  action_acc: number | null
  layer_matrix: ConfusionMatrix
  action_matrix: ConfusionMatrix
}

export interface JsonRca {
  sources: string[]
  /** Some diagnosis came from a diagnoser, an LLM or memory (not only rules). */
  diagnosing: boolean
  per_event: JsonRcaScore
  first_error: JsonRcaScore
}

export interface JsonLearningBatch {
  batch: number
  tasks: number
  tasks_with_errors: number
  completed_with_errors: number
  rr_task: number | null
  cumulative_rr_task: number | null
}

export interface JsonLearningCurve {
  threshold: number
  first_batch_reaching: number | null
  batches: JsonLearningBatch[]
}

/** Outcomes of one strategy on one scenario. */
export interface JsonScenarioEntry {
  scenario: string
  tasks: number
  completed: number
  escalated: number
  failed: number
}

/**
 * Strategies (and agents) that ran exactly the same tasks. Only these are ranked in one table and
 * paired with each other: a completion rate over other tasks is not comparable.
 */
export interface JsonTaskSet {
  /** In the report's strategy order. */
  strategies: string[]
  /** Distinct tasks (scenario and id; repeats not counted). */
  tasks: number
  scenarios: string[]
  /**
   * The one the others in this set are paired with: the run's reference if it ran these tasks;
   * in a run where it ran other tasks, the set's first strategy; else none.
   */
  reference: string | null
}

/** A task whose result cannot be trusted as it stands, and why. */
export interface JsonSuspiciousTask {
  id: string
  scenario: string
  repeat?: number
  /** `completed_without_calls`: completed, but no call of it was recorded, so no fault reached it. */
  reason: 'completed_without_calls'
}

export interface JsonStrategyReport {
  metrics: StrategyMetrics
  /** 95% Wilson interval of each rate; `null` where the rate is. */
  intervals: Record<RateKey, JsonInterval | null>
  /** `null` for the reference itself, or when it did not run on the same tasks. */
  paired: JsonPairedComparison | null
  /** `null` without repeats. */
  pass_hat_k: JsonPassHatK | null
  /** `null` when no diagnosis was about an injected fault. */
  rca: JsonRca | null
  learning_curve: JsonLearningCurve
  /** WCR, RR_task and MTTR per fault type, layer, mode and position (first, middle, last third). */
  breakdown: Breakdown
  scenarios: JsonScenarioEntry[]
  /** Tasks flagged for a person to look at (empty when none). */
  suspicious: JsonSuspiciousTask[]
  tasks: JsonTaskEntry[]
}

/**
 * The machine-readable truth of a run, and the single input of every other rendering. No
 * timestamps, durations or absolute paths: two runs with the same seed give byte-identical files,
 * whatever the worker count or shard split.
 */
export interface JsonReport {
  version: 1
  seed: number
  /** The strategy the others are paired with. */
  reference: string
  strategies: Record<string, JsonStrategyReport>
  /** Strategies grouped by the tasks they ran; one leaderboard per set. */
  task_sets: JsonTaskSet[]
  gates: JsonGateResult[]
  /**
   * Modules whose worker crashed or was ended before all their tasks reported (present only then):
   * the figures above leave those tasks out, and the run fails.
   */
  incomplete?: IncompleteModule[]
}

export interface BuildJsonReportInput {
  seed: number
  /** Configured strategy order; strategies not listed follow, sorted by name. */
  strategies: readonly string[]
  summaries: readonly TaskSummary[]
  /** Paired comparisons are against this strategy. @default 'B2' */
  reference?: string
  /** @default [] */
  gates?: readonly JsonGateResult[]
}

// Objects are rebuilt key by key so that the key order in the file does not depend on how the
// worker happened to build them.
function taskEntry(summary: TaskSummary): JsonTaskEntry {
  return {
    id: summary.id,
    scenario: summary.scenario,
    ...(summary.repeat === undefined ? {} : { repeat: summary.repeat }),
    outcome: summary.outcome,
    reason: summary.reason,
    attempts: summary.toolCalls,
    tool_calls: summary.toolCalls,
    steps_reached: summary.stepsReached,
    consistent: summary.consistent,
    srr_eligible: isSrrEligible(summary),
    compensations: summary.compensations.map((c) => ({ tool: c.tool, step: c.step, ok: c.ok })),
    diagnoses: summary.diagnoses.map((d) => ({
      step: d.step,
      attempt: d.attempt,
      layer_true: d.layer_true,
      action_true: d.action_true,
      layer_pred: d.layer_pred,
      action_pred: d.action_pred,
      source: d.source,
      event: d.event,
    })),
    batch: summary.batch,
    ...(summary.lies && summary.lies.received > 0 ? { lies: { received: summary.lies.received, detected: summary.lies.detected, acted: summary.lies.acted } } : {}),
    ...offendingOf(summary),
    ...(summary.clean === undefined ? {} : { clean: summary.clean }),
  }
}

function offendingOf(summary: TaskSummary): Pick<JsonTaskEntry, 'offending'> {
  const verdicts = summary.verdicts
  if (!verdicts) return {}
  const lists: NonNullable<JsonTaskEntry['offending']> = {}
  if (verdicts.retryAfter.calls.length > 0) lists.retry_after = [...verdicts.retryAfter.calls]
  if (verdicts.unsafeRetries.calls.length > 0) lists.unsafe_retries = [...verdicts.unsafeRetries.calls]
  if (verdicts.duplicateSideEffects.calls.length > 0) lists.duplicate_side_effects = [...verdicts.duplicateSideEffects.calls]
  if (verdicts.hotLoops.calls.length > 0) lists.hot_loops = [...verdicts.hotLoops.calls]
  if (verdicts.ignoredDeadlines.calls.length > 0) lists.ignored_deadlines = [...verdicts.ignoredDeadlines.calls]
  return Object.keys(lists).length === 0 ? {} : { offending: lists }
}

const rateCounts: Record<RateKey, (counts: StrategyCounts) => [successes: number, trials: number]> = {
  wcr: (c) => [c.completed, c.tasks],
  hir: (c) => [c.escalated, c.tasks],
  rr_task: (c) => [c.completedWithErrors, c.tasksWithErrors],
  rr_event: (c) => [c.recoveredEvents, c.errorEvents],
  uar: (c) => [c.unsafeTasks, c.tasks],
  abd: (c) => [c.abdTasks, c.tasks],
  rah: (c) => [c.rahHonoured, c.rahEligible],
  clean_wcr: (c) => [c.cleanCompleted, c.cleanTasks],
  srr: (c) => [c.srrConsistent, c.srrEligible],
  rca_layer_acc: (c) => [c.rcaLayerCorrect, c.rcaRecords],
  rca_action_acc: (c) => [c.rcaActionCorrect, c.rcaRecords],
}

function intervalsOf(counts: StrategyCounts): Record<RateKey, JsonInterval | null> {
  const intervals = {} as Record<RateKey, JsonInterval | null>
  for (const key of rateKeys) {
    const [successes, trials] = rateCounts[key](counts)
    // Counts a runtime got wrong (more recoveries than errors) must not take the report down.
    const interval = successes <= trials ? wilsonInterval(successes, trials) : null
    intervals[key] = interval && { successes, trials, lower: interval.lower, upper: interval.upper }
  }
  return intervals
}

function pairedEntry(paired: PairedComparison | null): JsonPairedComparison | null {
  return (
    paired && {
      reference: paired.reference,
      pairs: paired.pairs,
      both_completed: paired.bothCompleted,
      only_this: paired.onlyThis,
      only_reference: paired.onlyReference,
      neither_completed: paired.neitherCompleted,
      difference: paired.difference,
      p_value: paired.pValue,
    }
  )
}

function rcaScoreEntry(score: RcaScore): JsonRcaScore {
  return {
    records: score.records,
    layer_correct: score.layerCorrect,
    action_correct: score.actionCorrect,
    layer_acc: score.layerAccuracy,
    action_acc: score.actionAccuracy,
    layer_matrix: score.layerMatrix,
    action_matrix: score.actionMatrix,
  }
}

function rcaEntry(rca: StrategyRca | null): JsonRca | null {
  return (
    rca && {
      sources: rca.sources,
      diagnosing: rca.diagnosing,
      per_event: rcaScoreEntry(rca.perEvent),
      first_error: rcaScoreEntry(rca.firstError),
    }
  )
}

function learningCurveEntry(curve: LearningCurve): JsonLearningCurve {
  return {
    threshold: curve.threshold,
    first_batch_reaching: curve.firstBatchReaching,
    batches: curve.batches.map((b) => ({
      batch: b.batch,
      tasks: b.tasks,
      tasks_with_errors: b.tasksWithErrors,
      completed_with_errors: b.completedWithErrors,
      rr_task: b.rrTask,
      cumulative_rr_task: b.cumulativeRrTask,
    })),
  }
}

function scenarioEntries(summaries: readonly TaskSummary[]): JsonScenarioEntry[] {
  const byScenario = new Map<string, JsonScenarioEntry>()
  for (const summary of summaries) {
    let entry = byScenario.get(summary.scenario)
    if (!entry) byScenario.set(summary.scenario, (entry = { scenario: summary.scenario, tasks: 0, completed: 0, escalated: 0, failed: 0 }))
    entry.tasks++
    entry[summary.outcome]++
  }
  return [...byScenario.values()].sort((a, b) => compareStrings(a.scenario, b.scenario))
}

function suspiciousTasks(summaries: readonly TaskSummary[]): JsonSuspiciousTask[] {
  return summaries.filter(completedWithoutCalls).map((summary) => ({
    id: summary.id,
    scenario: summary.scenario,
    ...(summary.repeat === undefined ? {} : { repeat: summary.repeat }),
    reason: 'completed_without_calls',
  }))
}

/**
 * Groups strategies by the exact set of tasks (scenario and id) they ran, in strategy order. A
 * set's reference is the run's reference when it ran those tasks; when the run's reference ran
 * another set (agents beside strategies), the set's first strategy; when it did not run, none.
 */
export function groupTaskSets(
  tasksByStrategy: ReadonlyMap<string, readonly { scenario: string; id: string }[]>,
  reference: string,
): JsonTaskSet[] {
  const sets = new Map<string, { strategies: string[]; keys: Set<string>; scenarios: Set<string> }>()
  for (const [name, tasks] of tasksByStrategy) {
    const keys = new Set(tasks.map((task) => `${task.scenario}\0${task.id}`))
    const signature = [...keys].sort(compareStrings).join('\n')
    let set = sets.get(signature)
    if (!set) sets.set(signature, (set = { strategies: [], keys, scenarios: new Set(tasks.map((task) => task.scenario)) }))
    set.strategies.push(name)
  }
  const referenceRan = tasksByStrategy.has(reference)
  return [...sets.values()].map((set) => ({
    strategies: set.strategies,
    tasks: set.keys.size,
    scenarios: [...set.scenarios].sort(compareStrings),
    reference: set.strategies.includes(reference) ? reference : referenceRan ? set.strategies[0]! : null,
  }))
}

/** Every number any report shows, computed once from the task summaries. Pure. */
export function buildJsonReport(input: BuildJsonReportInput): JsonReport {
  const reference = input.reference ?? defaultReference
  const groups = groupByStrategy(input.summaries, input.strategies)
  const taskSets = groupTaskSets(groups, reference)
  const referenceOf = new Map(taskSets.flatMap((set) => set.strategies.map((name) => [name, set.reference] as const)))
  const strategies: Record<string, JsonStrategyReport> = {}
  for (const [name, summaries] of groups) {
    const counts = countStrategy(summaries)
    const passHat = passHatCurve(taskTrials(summaries))
    // Pairs only within a task set: strategies that ran other tasks are not compared at all.
    const setReference = referenceOf.get(name) ?? null
    strategies[name] = {
      metrics: metricsFromCounts(counts),
      intervals: intervalsOf(counts),
      paired:
        setReference === null || name === setReference ? null : pairedEntry(comparePaired(summaries, groups.get(setReference)!, setReference)),
      pass_hat_k: passHat.length === 0 ? null : { trials: passHat.length, values: passHat },
      rca: rcaEntry(computeRca(summaries)),
      learning_curve: learningCurveEntry(computeLearningCurve(summaries)),
      breakdown: computeBreakdown(summaries),
      scenarios: scenarioEntries(summaries),
      suspicious: suspiciousTasks(summaries),
      tasks: summaries.map(taskEntry),
    }
  }
  return {
    version: 1,
    seed: input.seed,
    reference,
    strategies,
    task_sets: taskSets,
    gates: (input.gates ?? []).map(gateEntry),
  }
}

function gateEntry(g: GateResult): GateResult {
  return {
    kind: g.kind,
    strategy: g.strategy,
    metric: g.metric,
    op: g.op,
    value: g.value,
    actual: g.actual,
    pass: g.pass,
    ...(g.baseline === undefined ? {} : { baseline: g.baseline }),
    ...(g.tolerance === undefined ? {} : { tolerance: g.tolerance }),
  }
}

/** The same report with the gates replaced (gates are checked against the report's own metrics). */
export function withGates(report: JsonReport, gates: readonly GateResult[]): JsonReport {
  return { ...report, gates: gates.map(gateEntry) }
}

/** @default 'B2': the rule-based strategy every smarter one has to beat. */
export const defaultReference = 'B2'

export function serializeJsonReport(report: JsonReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

/**
 * Writes `name` under `dir` (created if missing) through a temporary file and a rename, so a
 * reader never sees half a report and a killed run leaves the previous one intact.
 * @returns the path written.
 */
export async function writeFileAtomic(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const target = join(dir, name)
  // write-file-atomic: a temporary file beside the target, fsync, rename; the temporary file is
  // removed on failure and when the process exits mid-write.
  await writeFileAtomicLib(target, content, { encoding: 'utf8' })
  return target
}

/** Writes `report.json` under `dir`; see {@link writeFileAtomic}. */
export function writeJsonReport(dir: string, report: JsonReport): Promise<string> {
  return writeFileAtomic(dir, 'report.json', serializeJsonReport(report))
}

/**
 * Reads a `report.json` written by this or an earlier run (a baseline, or `awrr compare`'s
 * inputs). Checks the version and the parts the gates and the comparison read.
 * @throws GateConfigError saying which file and what is wrong with it.
 */
export function parseJsonReport(text: string, source: string): JsonReport {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new GateConfigError(`[awrr] ${source} is not JSON (${error instanceof Error ? error.message : String(error)}). Expected an AWRR report.json.`)
  }
  const report = parsed as Partial<JsonReport> | null
  if (typeof report !== 'object' || report === null || report.version !== 1) {
    throw new GateConfigError(
      `[awrr] ${source} is not an AWRR report of version 1 (got version ${JSON.stringify(report?.version)}). Write a fresh one with AWRR_UPDATE_BASELINE=1.`,
    )
  }
  if (typeof report.strategies !== 'object' || report.strategies === null) {
    throw new GateConfigError(`[awrr] ${source} has no "strategies" object.`)
  }
  for (const [name, entry] of Object.entries(report.strategies)) {
    if (typeof entry?.metrics !== 'object' || entry.metrics === null) {
      throw new GateConfigError(`[awrr] ${source}: strategies.${name} has no "metrics" object.`)
    }
  }
  // Reports written before task sets and suspicious tasks existed: derive what they lack.
  const strategies = report.strategies
  for (const entry of Object.values(strategies)) entry.suspicious ??= []
  report.task_sets ??= groupTaskSets(
    new Map(Object.entries(strategies).map(([name, entry]) => [name, Array.isArray(entry.tasks) ? entry.tasks : []])),
    typeof report.reference === 'string' ? report.reference : defaultReference,
  )
  return report as JsonReport
}

/** Reads and checks a report file; see {@link parseJsonReport}. */
export async function readJsonReport(file: string): Promise<JsonReport> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new GateConfigError(`[awrr] Cannot read report "${file}" (${code ?? String(error)}).`)
  }
  return parseJsonReport(text, file)
}
