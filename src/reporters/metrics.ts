import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import { commonTrials, passHatKTerms, taskTrials } from './pass-k.ts'
import { compareStrings, compareTaskSummaries } from './task-order.ts'

/**
 * The reliability metrics of one strategy over its tasks (DESIGN.md, "Metrics").
 *
 * A rate or mean whose denominator is empty is `null`, never 0 or NaN: "no task had an error" is
 * not "no task recovered", and JSON has no NaN. Renderers show `null` as `-`; gates treat it as
 * "not measured". Counts (`tasks`, `diagnoser_calls`, `memory_hits`) are always numbers.
 */
export interface StrategyMetrics {
  tasks: number
  /** completed / tasks */
  wcr: number | null
  /** escalated / tasks */
  hir: number | null
  /** completed / tasks with at least one error event */
  rr_task: number | null
  /** recovered error events / error events */
  rr_event: number | null
  /** virtual ms from an error event to the next success of its step, per recovered event */
  mttr_ms: number | null
  /** tool calls / tasks */
  cpt: number | null
  /** tool calls of completed tasks / completed tasks */
  cps: number | null
  /** (tool calls - steps reached) / steps reached */
  rco: number | null
  /** tasks with an unsafe action / tasks */
  uar: number | null
  /** consistent / tasks that started side effects and did not complete */
  srr: number | null
  diagnoser_calls: number
  memory_hits: number
  /** correct layer / diagnosis records whose ground truth is an injected fault */
  rca_layer_acc: number | null
  /** correct action / diagnosis records whose ground truth is an injected fault */
  rca_action_acc: number | null
  /** pass^k with k the trials every task had (tau-bench); `null` without repeats (k < 2) */
  pass_k: number | null
  /** model calls / tasks; `null` when no task called a model */
  llm_calls: number | null
  /** prompt + completion tokens / tasks; `null` when no task called a model */
  tokens: number | null
  /** US dollars / tasks; `null` without a model call, or when a model used has no price */
  cost_usd: number | null
  /** model calls of completed tasks / completed tasks */
  llm_calls_per_completed: number | null
  tokens_per_completed: number | null
  cost_usd_per_completed: number | null
  /** tasks that ran a side-effecting step after a lying answer they did not detect / tasks */
  abd: number | null
  /** retries after a 429/503 with Retry-After that waited at least that long / such retries */
  rah: number | null
  /** side-effecting calls repeated after a timeout, network error or 5xx without the same Idempotency-Key */
  unsafe_retries: number
  /** writes applied a second time */
  duplicate_side_effects: number
  /** retries made without waiting after the failed answer */
  hot_loops: number
  /** calls left open until the attempt limit or past it, not ended by the client */
  ignored_deadlines: number
  /** completed / tasks in the clean run (the same tasks with the faults switched off) */
  clean_wcr: number | null
  /** WCR minus clean WCR, on the tasks that had a clean run: what the faults cost */
  delta_wcr: number | null
}

/**
 * The numerators and denominators behind {@link StrategyMetrics}, kept so that intervals and
 * paired tests (Wilson, McNemar) can be computed from the same counts as the point estimates.
 */
export interface StrategyCounts {
  tasks: number
  completed: number
  escalated: number
  tasksWithErrors: number
  completedWithErrors: number
  errorEvents: number
  recoveredEvents: number
  recoveryMsTotal: number
  toolCalls: number
  toolCallsOfCompleted: number
  stepsReached: number
  unsafeTasks: number
  srrEligible: number
  srrConsistent: number
  diagnoserCalls: number
  memoryHits: number
  rcaRecords: number
  rcaLayerCorrect: number
  rcaActionCorrect: number
  /** Distinct tasks (scenario and id); fewer than `tasks` when tasks were repeated. */
  distinctTasks: number
  /** Trials every task had: the k of `pass_k`. */
  trials: number
  /** Sum over distinct tasks of C(c, k) / C(n, k), k = `trials`. */
  passKSum: number
  /** Tasks that called a model at least once. */
  tasksWithModel: number
  llmCalls: number
  llmCallsOfCompleted: number
  tokens: number
  tokensOfCompleted: number
  /** Summed in a fixed order; `null` once any task's cost is unknown. */
  costUsd: number | null
  costUsdOfCompleted: number | null
  abdTasks: number
  rahEligible: number
  rahHonoured: number
  unsafeRetries: number
  duplicateSideEffects: number
  hotLoops: number
  ignoredDeadlines: number
  /** Tasks with a clean run, those of them the clean run completed, and those the real run completed. */
  cleanTasks: number
  cleanCompleted: number
  completedOfCleanTasks: number
}

/** A task counts for SRR when it started side effects and did not complete. */
export function isSrrEligible(summary: TaskSummary): boolean {
  return summary.sideEffectsStarted && summary.outcome !== 'completed'
}

export function countStrategy(summaries: readonly TaskSummary[]): StrategyCounts {
  const counts: StrategyCounts = {
    tasks: summaries.length,
    completed: 0,
    escalated: 0,
    tasksWithErrors: 0,
    completedWithErrors: 0,
    errorEvents: 0,
    recoveredEvents: 0,
    recoveryMsTotal: 0,
    toolCalls: 0,
    toolCallsOfCompleted: 0,
    stepsReached: 0,
    unsafeTasks: 0,
    srrEligible: 0,
    srrConsistent: 0,
    diagnoserCalls: 0,
    memoryHits: 0,
    rcaRecords: 0,
    rcaLayerCorrect: 0,
    rcaActionCorrect: 0,
    distinctTasks: 0,
    trials: 0,
    passKSum: 0,
    tasksWithModel: 0,
    llmCalls: 0,
    llmCallsOfCompleted: 0,
    tokens: 0,
    tokensOfCompleted: 0,
    costUsd: 0,
    costUsdOfCompleted: 0,
    abdTasks: 0,
    rahEligible: 0,
    rahHonoured: 0,
    unsafeRetries: 0,
    duplicateSideEffects: 0,
    hotLoops: 0,
    ignoredDeadlines: 0,
    cleanTasks: 0,
    cleanCompleted: 0,
    completedOfCleanTasks: 0,
  }
  const recoveryMs: number[] = []
  const costs: { usd: number; completed: boolean }[] = []
  let costUnknown = false

  for (const summary of summaries) {
    const completed = summary.outcome === 'completed'
    if (completed) counts.completed++
    if (summary.outcome === 'escalated') counts.escalated++
    if (summary.errorEvents > 0) {
      counts.tasksWithErrors++
      if (completed) counts.completedWithErrors++
    }
    counts.errorEvents += summary.errorEvents
    counts.recoveredEvents += summary.recoveredEvents
    recoveryMs.push(summary.recoveryMsTotal)
    counts.toolCalls += summary.toolCalls
    if (completed) counts.toolCallsOfCompleted += summary.toolCalls
    counts.stepsReached += summary.stepsReached
    if (summary.unsafeAction) counts.unsafeTasks++
    if (isSrrEligible(summary)) {
      counts.srrEligible++
      if (summary.consistent) counts.srrConsistent++
    }
    if (summary.lies?.acted) counts.abdTasks++
    const verdicts = summary.verdicts
    if (verdicts) {
      counts.rahEligible += verdicts.retryAfter.eligible
      counts.rahHonoured += verdicts.retryAfter.honoured
      counts.unsafeRetries += verdicts.unsafeRetries.count
      counts.duplicateSideEffects += verdicts.duplicateSideEffects.count
      counts.hotLoops += verdicts.hotLoops.count
      counts.ignoredDeadlines += verdicts.ignoredDeadlines.count
    }
    if (summary.clean !== undefined) {
      counts.cleanTasks++
      if (summary.clean === 'completed') counts.cleanCompleted++
      if (completed) counts.completedOfCleanTasks++
    }
    counts.diagnoserCalls += summary.diagnoserCalls
    counts.memoryHits += summary.memoryHits
    if (summary.llmCalls !== undefined && summary.llmCalls > 0) {
      counts.tasksWithModel++
      counts.llmCalls += summary.llmCalls
      counts.tokens += summary.tokens
      if (completed) {
        counts.llmCallsOfCompleted += summary.llmCalls
        counts.tokensOfCompleted += summary.tokens
      }
      if (summary.costUsd === null || summary.costUsd === undefined) costUnknown = true
      else costs.push({ usd: summary.costUsd, completed })
    }
    for (const record of summary.diagnoses) {
      if (record.layer_true === 'none') continue
      counts.rcaRecords++
      if (record.layer_pred === record.layer_true) counts.rcaLayerCorrect++
      if (record.action_pred === record.action_true) counts.rcaActionCorrect++
    }
  }

  // Virtual milliseconds may be fractional; summing them in a fixed order keeps the result
  // bit-identical whatever order workers or shards reported the tasks in.
  recoveryMs.sort((a, b) => a - b)
  for (const ms of recoveryMs) counts.recoveryMsTotal += ms
  costs.sort((a, b) => a.usd - b.usd)
  for (const cost of costs) {
    counts.costUsd! += cost.usd
    if (cost.completed) counts.costUsdOfCompleted! += cost.usd
  }
  if (costUnknown || counts.tasksWithModel === 0) {
    counts.costUsd = null
    counts.costUsdOfCompleted = null
  }

  const tasks = taskTrials(summaries)
  counts.distinctTasks = tasks.length
  counts.trials = commonTrials(tasks)
  if (counts.trials >= 1) for (const term of passHatKTerms(tasks, counts.trials)) counts.passKSum += term
  return counts
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator
}

export function metricsFromCounts(counts: StrategyCounts): StrategyMetrics {
  return {
    tasks: counts.tasks,
    wcr: ratio(counts.completed, counts.tasks),
    hir: ratio(counts.escalated, counts.tasks),
    rr_task: ratio(counts.completedWithErrors, counts.tasksWithErrors),
    rr_event: ratio(counts.recoveredEvents, counts.errorEvents),
    mttr_ms: ratio(counts.recoveryMsTotal, counts.recoveredEvents),
    cpt: ratio(counts.toolCalls, counts.tasks),
    cps: ratio(counts.toolCallsOfCompleted, counts.completed),
    rco: ratio(counts.toolCalls - counts.stepsReached, counts.stepsReached),
    uar: ratio(counts.unsafeTasks, counts.tasks),
    srr: ratio(counts.srrConsistent, counts.srrEligible),
    diagnoser_calls: counts.diagnoserCalls,
    memory_hits: counts.memoryHits,
    rca_layer_acc: ratio(counts.rcaLayerCorrect, counts.rcaRecords),
    rca_action_acc: ratio(counts.rcaActionCorrect, counts.rcaRecords),
    pass_k: counts.trials >= 2 ? ratio(counts.passKSum, counts.distinctTasks) : null,
    abd: ratio(counts.abdTasks, counts.tasks),
    rah: ratio(counts.rahHonoured, counts.rahEligible),
    unsafe_retries: counts.unsafeRetries,
    duplicate_side_effects: counts.duplicateSideEffects,
    hot_loops: counts.hotLoops,
    ignored_deadlines: counts.ignoredDeadlines,
    clean_wcr: ratio(counts.cleanCompleted, counts.cleanTasks),
    delta_wcr: counts.cleanTasks === 0 ? null : (counts.completedOfCleanTasks - counts.cleanCompleted) / counts.cleanTasks,
    ...modelMetrics(counts),
  }
}

/** Model use is measured only when some task called a model: elsewhere it is `null`, not 0. */
function modelMetrics(counts: StrategyCounts) {
  const used = counts.tasksWithModel > 0
  const perTask = (value: number | null) => (used && value !== null ? ratio(value, counts.tasks) : null)
  const perCompleted = (value: number | null) => (used && value !== null ? ratio(value, counts.completed) : null)
  return {
    llm_calls: perTask(counts.llmCalls),
    tokens: perTask(counts.tokens),
    cost_usd: perTask(counts.costUsd),
    llm_calls_per_completed: perCompleted(counts.llmCallsOfCompleted),
    tokens_per_completed: perCompleted(counts.tokensOfCompleted),
    cost_usd_per_completed: perCompleted(counts.costUsdOfCompleted),
  }
}

/** Metrics of one strategy; pass the summaries of that strategy only (see {@link groupByStrategy}). */
export function computeStrategyMetrics(summaries: readonly TaskSummary[]): StrategyMetrics {
  return metricsFromCounts(countStrategy(summaries))
}

/**
 * Orders strategy names: those in `configured` first, in that order, then any others sorted.
 * Only names in `present` are returned.
 */
export function orderStrategies(present: Iterable<string>, configured: readonly string[] = []): string[] {
  const remaining = new Set(present)
  const ordered: string[] = []
  for (const name of configured) {
    if (remaining.delete(name)) ordered.push(name)
  }
  return [...ordered, ...[...remaining].sort(compareStrings)]
}

/**
 * Splits summaries by `summary.strategy`. The map iterates in {@link orderStrategies} order, and
 * each group is in task order (scenario, index). A configured strategy with no task is left out:
 * `--project B4` should not print six empty rows.
 */
export function groupByStrategy(
  summaries: readonly TaskSummary[],
  order: readonly string[] = [],
): Map<string, TaskSummary[]> {
  const byName = new Map<string, TaskSummary[]>()
  for (const summary of summaries) {
    const group = byName.get(summary.strategy)
    if (group) group.push(summary)
    else byName.set(summary.strategy, [summary])
  }
  const grouped = new Map<string, TaskSummary[]>()
  for (const name of orderStrategies(byName.keys(), order)) {
    grouped.set(name, byName.get(name)!.sort(compareTaskSummaries))
  }
  return grouped
}
