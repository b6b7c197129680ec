import type { StrategyMetrics } from './metrics.ts'

export type MetricKey = keyof StrategyMetrics

/** What one metric is, for every renderer, the gates and `awrr compare`. */
export interface MetricInfo {
  key: MetricKey
  /** Short column header. */
  label: string
  /** Which way is an improvement; `null` when neither is (counts that only describe the run). */
  better: 'higher' | 'lower' | null
  /** Decimal places whenever the value is shown rounded; every renderer uses the same. */
  digits: number
  /** Why the value can be `null`: what its empty denominator means. Counts are never null. */
  emptyWhen: string | null
}

/** In leaderboard order, then the rest. Keys are the JSON report's (DESIGN.md). */
export const metricCatalog: readonly MetricInfo[] = [
  { key: 'wcr', label: 'WCR', better: 'higher', digits: 3, emptyWhen: 'no task ran' },
  { key: 'rr_task', label: 'RR_task', better: 'higher', digits: 3, emptyWhen: 'no task had a tool error' },
  { key: 'rr_event', label: 'RR_event', better: 'higher', digits: 3, emptyWhen: 'no tool error happened' },
  { key: 'mttr_ms', label: 'MTTR ms', better: 'lower', digits: 0, emptyWhen: 'no error was recovered' },
  { key: 'rco', label: 'RCO', better: 'lower', digits: 3, emptyWhen: 'no workflow step was reached' },
  { key: 'cps', label: 'CPS', better: 'lower', digits: 2, emptyWhen: 'no task completed' },
  { key: 'hir', label: 'HIR', better: 'lower', digits: 3, emptyWhen: 'no task ran' },
  { key: 'uar', label: 'UAR', better: 'lower', digits: 3, emptyWhen: 'no task ran' },
  { key: 'abd', label: 'ABD', better: 'lower', digits: 3, emptyWhen: 'no task ran' },
  { key: 'srr', label: 'SRR', better: 'higher', digits: 3, emptyWhen: 'no task started side effects and then failed or escalated' },
  { key: 'diagnoser_calls', label: 'Diag calls', better: 'lower', digits: 0, emptyWhen: null },
  { key: 'cpt', label: 'CPT', better: 'lower', digits: 2, emptyWhen: 'no task ran' },
  { key: 'rca_layer_acc', label: 'RCA layer', better: 'higher', digits: 3, emptyWhen: 'no diagnosis was about an injected fault' },
  { key: 'rca_action_acc', label: 'RCA action', better: 'higher', digits: 3, emptyWhen: 'no diagnosis was about an injected fault' },
  { key: 'pass_k', label: 'pass^k', better: 'higher', digits: 3, emptyWhen: 'no task was repeated (set `repeats: k`, k >= 2)' },
  { key: 'llm_calls', label: 'LLM calls', better: 'lower', digits: 2, emptyWhen: 'no task called a model' },
  { key: 'tokens', label: 'Tokens', better: 'lower', digits: 0, emptyWhen: 'no task called a model' },
  { key: 'cost_usd', label: 'Cost $', better: 'lower', digits: 6, emptyWhen: 'no task called a model, or a model it used has no price in `prices`' },
  { key: 'llm_calls_per_completed', label: 'LLM/done', better: 'lower', digits: 2, emptyWhen: 'no task that called a model completed' },
  { key: 'tokens_per_completed', label: 'Tok/done', better: 'lower', digits: 0, emptyWhen: 'no task that called a model completed' },
  { key: 'cost_usd_per_completed', label: '$/done', better: 'lower', digits: 6, emptyWhen: 'no task that called a model completed, or a model has no price' },
  { key: 'clean_wcr', label: 'Clean WCR', better: 'higher', digits: 3, emptyWhen: 'no task had a clean run (cleanRun, or no suite)' },
  { key: 'delta_wcr', label: 'Delta WCR', better: 'higher', digits: 3, emptyWhen: 'no task had a clean run (cleanRun, or no suite)' },
  { key: 'rah', label: 'RAH', better: 'higher', digits: 3, emptyWhen: 'no retry followed a 429 or 503 with Retry-After' },
  { key: 'unsafe_retries', label: 'Unsafe retries', better: 'lower', digits: 0, emptyWhen: null },
  { key: 'duplicate_side_effects', label: 'Duplicate writes', better: 'lower', digits: 0, emptyWhen: null },
  { key: 'hot_loops', label: 'Hot loops', better: 'lower', digits: 0, emptyWhen: null },
  { key: 'ignored_deadlines', label: 'Ignored deadlines', better: 'lower', digits: 0, emptyWhen: null },
  { key: 'memory_hits', label: 'Memory hits', better: null, digits: 0, emptyWhen: null },
  { key: 'tasks', label: 'Tasks', better: null, digits: 0, emptyWhen: null },
]

const byKey = new Map<string, MetricInfo>(metricCatalog.map((info) => [info.key, info]))

export function isMetricKey(name: string): name is MetricKey {
  return byKey.has(name)
}

export function metricInfo(key: MetricKey): MetricInfo {
  return byKey.get(key)!
}

/** The way every report shows a metric: fixed decimals, `-` when not measured. */
export function formatMetric(key: MetricKey, value: number | null): string {
  return value === null ? '-' : value.toFixed(metricInfo(key).digits)
}

/**
 * A number as given or computed, without float noise (`0.752`, not `0.7520000000000001`), for
 * gate thresholds and differences, where rounding to the metric's digits would hide a near miss.
 */
export function formatExact(value: number): string {
  return String(Number(value.toPrecision(12)))
}

/** Model use: shown on the leaderboard and in the CSV only when some task called a model. */
export const modelMetricKeys = ['llm_calls', 'tokens', 'cost_usd', 'llm_calls_per_completed', 'tokens_per_completed', 'cost_usd_per_completed'] as const satisfies readonly MetricKey[]

/** The proportions among the metrics; each has a Wilson interval in the reports. */
export const rateKeys = ['wcr', 'hir', 'rr_task', 'rr_event', 'uar', 'abd', 'srr', 'rca_layer_acc', 'rca_action_acc', 'rah', 'clean_wcr'] as const
export type RateKey = (typeof rateKeys)[number]

/** A difference with its sign, e.g. `+0.119` or `-0.020`. */
export function formatSigned(value: number, digits = 3): string {
  const text = Math.abs(value).toFixed(digits)
  if (Number(text) === 0) return (0).toFixed(digits)
  return (value > 0 ? '+' : '-') + text
}

/** A p-value: three decimals, `<0.001` below that. */
export function formatPValue(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3)
}
