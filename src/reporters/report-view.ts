// Read-only views of a report that several renderers need, so that they pick the same things.
import type { JsonReport, JsonRca, JsonStrategyReport } from './json-report.ts'
import type { LeaderboardRow } from './leaderboard.ts'

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
