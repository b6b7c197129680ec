// Read-only views of a report that several renderers need, so that they pick the same things.
import type { JsonReport, JsonRca, JsonStrategyReport, JsonSuspiciousTask, JsonTaskSet } from './json-report.ts'
import type { LeaderboardRow } from './leaderboard.ts'
import type { BreakdownDimension, BreakdownRow } from './breakdown.ts'

export function strategyEntries(report: JsonReport): [string, JsonStrategyReport][] {
  return Object.entries(report.strategies)
}

export function leaderboardRows(report: JsonReport): LeaderboardRow[] {
  return strategyEntries(report).map(([strategy, entry]) => ({ strategy, metrics: entry.metrics }))
}

/** Distinct tasks (scenario and id) over all strategies: what "N tasks" in a heading means. */
export function distinctTaskCount(report: JsonReport): number {
  const keys = new Set<string>()
  for (const entry of Object.values(report.strategies)) for (const task of entry.tasks) keys.add(`${task.scenario}\0${task.id}`)
  return keys.size
}

/** Strategies whose RCA is worth showing: a diagnoser, an LLM or memory made some decision. */
export function diagnosingStrategies(report: JsonReport): [string, JsonRca][] {
  return strategyEntries(report).flatMap(([name, entry]) => (entry.rca?.diagnosing ? [[name, entry.rca] as [string, JsonRca]] : []))
}

/** Strategies whose learning curve has more than one batch; a single point is not a curve. */
export function strategiesWithCurves(report: JsonReport): [string, JsonStrategyReport][] {
  return strategyEntries(report).filter(([, entry]) => entry.learning_curve.batches.length > 1)
}

export function strategiesWithRepeats(report: JsonReport): [string, JsonStrategyReport][] {
  return strategyEntries(report).filter(([, entry]) => entry.pass_hat_k !== null)
}

export function pairedStrategies(report: JsonReport): [string, JsonStrategyReport][] {
  return strategyEntries(report).filter(([, entry]) => entry.paired !== null)
}

/** Paired strategies by the reference they are paired with (one per task set), in report order. */
export function pairedByReference(report: JsonReport): [reference: string, [string, JsonStrategyReport][]][] {
  const groups = new Map<string, [string, JsonStrategyReport][]>()
  for (const pair of pairedStrategies(report)) {
    const reference = pair[1].paired!.reference
    groups.set(reference, [...(groups.get(reference) ?? []), pair])
  }
  return [...groups]
}

/** One leaderboard's worth: a task set and its rows. A run has at least one. */
export interface TaskSetView {
  set: JsonTaskSet
  /** From 1. */
  index: number
  rows: LeaderboardRow[]
}

export function taskSetViews(report: JsonReport): TaskSetView[] {
  const rows = leaderboardRows(report)
  return report.task_sets.map((set, i) => ({
    set,
    index: i + 1,
    rows: rows.filter((row) => set.strategies.includes(row.strategy)),
  }))
}

/** `task set 2 of 2: 3 tasks (idle, rejected, visit)`, naming at most three scenarios. */
export function describeTaskSet(view: TaskSetView, count: number): string {
  const { set } = view
  const shown = set.scenarios.slice(0, 3).join(', ')
  const more = set.scenarios.length > 3 ? ` and ${set.scenarios.length - 3} more` : ''
  return `task set ${view.index} of ${count}: ${set.tasks} ${set.tasks === 1 ? 'task' : 'tasks'} (${shown}${more})`
}

/** Strategies with tasks flagged suspicious, and those tasks. */
export function suspiciousEntries(report: JsonReport): [string, JsonSuspiciousTask[]][] {
  return strategyEntries(report).flatMap(([name, entry]) => (entry.suspicious.length > 0 ? [[name, entry.suspicious] as [string, JsonSuspiciousTask[]]] : []))
}

/** `idle > main #2`: a task as its test is named. */
export function suspiciousTaskName(task: JsonSuspiciousTask): string {
  return `${task.scenario} > ${task.id}${task.repeat === undefined ? '' : ` #${task.repeat + 1}`}`
}

export const suspiciousExplanation = 'completed with no recorded call: no request of theirs reached AWRR, so no fault could be injected (another interceptor answered, or a client AWRR does not see)'

/** Short column labels for the layer confusion matrix, so that two fit side by side. */
export const shortLabels: Readonly<Record<string, string>> = {
  transient: 'trans',
  persistent: 'pers',
  semantic: 'sem',
  cascade: 'casc',
  unknown: 'unk',
  retry: 'retry',
  rollback: 'rollb',
  compensate: 'comp',
  escalate: 'esc',
  fail: 'fail',
}

/** The degradation and client-verdict metrics, in the order every report shows them. */
export const verdictMetrics = ['clean_wcr', 'delta_wcr', 'abd', 'rah', 'unsafe_retries', 'duplicate_side_effects', 'hot_loops', 'ignored_deadlines'] as const

/** One breakdown dimension across strategies: its keys (sorted) and each strategy's row per key. */
export function breakdownMatrix(
  report: JsonReport,
  dimension: BreakdownDimension,
): { keys: string[]; strategies: string[]; row(key: string, strategy: string): BreakdownRow | undefined } {
  const entries = strategyEntries(report).filter(([, entry]) => entry.breakdown !== undefined)
  const keys = [...new Set(entries.flatMap(([, entry]) => entry.breakdown[dimension].map((row) => row.key)))].sort()
  return {
    keys,
    strategies: entries.map(([name]) => name),
    row: (key, strategy) => report.strategies[strategy]?.breakdown?.[dimension].find((row) => row.key === key),
  }
}

/** Tasks with offending calls, per strategy, for the reports' "offending calls" lists (bounded). */
export function offendingTasks(report: JsonReport, max = 20): [string, { task: string; verdict: string; calls: number[] }[]][] {
  return strategyEntries(report).flatMap(([name, entry]) => {
    const found = entry.tasks.flatMap((task) =>
      Object.entries(task.offending ?? {}).map(([verdict, calls]) => ({ task: `${task.scenario} > ${task.id}`, verdict, calls })),
    )
    return found.length === 0 ? [] : [[name, found.slice(0, max)] as [string, { task: string; verdict: string; calls: number[] }[]]]
  })
}
