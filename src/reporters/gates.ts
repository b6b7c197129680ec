import { GateConfigError } from './gate-error.ts'
import type { JsonReport } from './json-report.ts'
import { formatExact, isMetricKey, metricCatalog, metricInfo, type MetricKey } from './metric-catalog.ts'

export const gateOperators = ['>=', '<=', '==', '>', '<'] as const
export type GateOperator = (typeof gateOperators)[number]

/** One requirement on one metric of one strategy, or of every strategy (`*`). */
export interface Threshold {
  strategy: string
  metric: MetricKey
  op: GateOperator
  value: number
}

/**
 * Thresholds as written in the plugin options: strategy (or `*`) -> metric -> `'<op> <number>'`.
 * `{ B4: { srr: '>= 0.95', wcr: '>= 0.75' }, '*': { uar: '<= 0' } }`
 */
export type ThresholdOptions = Record<string, Partial<Record<MetricKey, string>>>

/** Allowed regression per metric against the baseline, in the metric's unit; `*` for the rest. */
export type ToleranceOptions = Partial<Record<MetricKey | '*', number>>

/** One checked gate, as `report.json` lists it. */
export interface GateResult {
  /** `threshold`: from the options or `AWRR_GATES`; `baseline`: no worse than the baseline report. */
  kind: 'threshold' | 'baseline'
  strategy: string
  metric: string
  op: string
  /** The required value (for a baseline gate: the baseline's value with the tolerance applied). */
  value: number
  /** `null` when the metric was not measured: the gate fails. */
  actual: number | null
  pass: boolean
  /** Baseline gates: the baseline's value and the tolerance that was applied. */
  baseline?: number
  tolerance?: number
}

const gatePattern = /^\s*(.+?)\s*\.\s*([A-Za-z_]+)\s*(>=|<=|==|>|<)\s*(\S+)\s*$/
const requirementPattern = /^\s*(>=|<=|==|>|<)\s*(\S+)\s*$/

function parseNumber(text: string, where: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new GateConfigError(`[awrr] ${where}: "${text}" is not a number. Write the threshold as e.g. ">= 0.95".`)
  }
  return value
}

function parseMetric(name: string, where: string): MetricKey {
  const key = name.toLowerCase()
  if (!isMetricKey(key)) {
    throw new GateConfigError(
      `[awrr] ${where}: unknown metric "${name}". Metrics: ${metricCatalog.map((info) => info.key).join(', ')}.`,
    )
  }
  return key
}

/**
 * The `thresholds` plugin option as a list, in the order written.
 * @throws GateConfigError naming the strategy and metric of the first entry it cannot read.
 */
export function parseThresholdOptions(options: ThresholdOptions): Threshold[] {
  const thresholds: Threshold[] = []
  for (const [strategy, metrics] of Object.entries(options)) {
    if (typeof metrics !== 'object' || metrics === null) {
      throw new GateConfigError(`[awrr] thresholds.${strategy} must be an object of metric: '<op> <number>' (got ${JSON.stringify(metrics)}).`)
    }
    for (const [name, requirement] of Object.entries(metrics)) {
      const where = `thresholds.${strategy}.${name}`
      const metric = parseMetric(name, where)
      const match = typeof requirement === 'string' ? requirementPattern.exec(requirement) : null
      if (!match) {
        throw new GateConfigError(
          `[awrr] ${where} must be an operator (${gateOperators.join(' ')}) and a number, e.g. '>= 0.95' (got ${JSON.stringify(requirement)}).`,
        )
      }
      thresholds.push({ strategy, metric, op: match[1] as GateOperator, value: parseNumber(match[2]!, where) })
    }
  }
  return thresholds
}

/**
 * `AWRR_GATES`: comma-separated `strategy.metric<op>number`, e.g. `B4.srr>=0.95,*.uar<=0`.
 * Strategy names may contain dots; the metric is what follows the last one.
 * @throws GateConfigError quoting the entry it cannot read.
 */
export function parseGateList(text: string): Threshold[] {
  const thresholds: Threshold[] = []
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue
    const match = gatePattern.exec(entry)
    if (!match) {
      throw new GateConfigError(
        `[awrr] AWRR_GATES entry "${entry.trim()}" must read strategy.metric<op>number, e.g. "B4.srr>=0.95" or "*.uar<=0" (operators ${gateOperators.join(' ')}).`,
      )
    }
    const where = `AWRR_GATES entry "${entry.trim()}"`
    thresholds.push({
      strategy: match[1]!,
      metric: parseMetric(match[2]!, where),
      op: match[3] as GateOperator,
      value: parseNumber(match[4]!, where),
    })
  }
  return thresholds
}

/**
 * The thresholds a run checks. `AWRR_GATES`, when set, replaces the options: a CI job that gates
 * differently states its whole policy in one place. Set but empty, it turns threshold gates off.
 */
export function resolveThresholds(options: ThresholdOptions, env: Readonly<Record<string, string | undefined>>): Threshold[] {
  const fromEnv = env['AWRR_GATES']
  return fromEnv === undefined ? parseThresholdOptions(options) : parseGateList(fromEnv)
}

/** @throws GateConfigError for an unknown metric or a tolerance that is not a finite number >= 0. */
export function validateTolerance(tolerance: Readonly<Record<string, unknown>>): ToleranceOptions {
  for (const [name, value] of Object.entries(tolerance)) {
    if (name !== '*') parseMetric(name, `tolerance.${name}`)
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new GateConfigError(`[awrr] tolerance.${name} must be a finite number >= 0 (got ${JSON.stringify(value)}).`)
    }
  }
  return tolerance as ToleranceOptions
}

function holds(actual: number, op: string, value: number, slack = 0): boolean {
  switch (op) {
    case '>=':
      return actual >= value - slack
    case '<=':
      return actual <= value + slack
    case '>':
      return actual > value
    case '<':
      return actual < value
    default:
      return Math.abs(actual - value) <= slack
  }
}

function metricOf(report: JsonReport, strategy: string, metric: MetricKey): number | null {
  const value = report.strategies[strategy]?.metrics[metric]
  return typeof value === 'number' ? value : null
}

/** Checks each threshold on the report's metrics; `*` expands to every strategy in the report. */
export function evaluateThresholds(thresholds: readonly Threshold[], report: JsonReport): GateResult[] {
  const results: GateResult[] = []
  for (const threshold of thresholds) {
    const targets = threshold.strategy === '*' ? Object.keys(report.strategies) : [threshold.strategy]
    for (const strategy of targets) {
      const actual = metricOf(report, strategy, threshold.metric)
      results.push({
        kind: 'threshold',
        strategy,
        metric: threshold.metric,
        op: threshold.op,
        value: threshold.value,
        actual,
        pass: actual !== null && holds(actual, threshold.op, threshold.value),
      })
    }
  }
  return results
}

// Baseline values go through a subtraction; without a little slack, a metric that equals
// "baseline - tolerance" could miss by one ulp.
const baselineSlack = 1e-9

/**
 * No worse than the baseline report beyond the tolerance, for every metric that has a direction
 * (`tolerance` default 0: runs are deterministic, so any drop is a real change). A metric the
 * baseline did not measure is skipped; one the head run did not measure fails. A strategy in the
 * baseline that did not run at all fails once, on `tasks`.
 */
export function evaluateBaseline(baseline: JsonReport, head: JsonReport, tolerance: ToleranceOptions = {}): GateResult[] {
  const results: GateResult[] = []
  for (const strategy of Object.keys(head.strategies)) {
    const base = baseline.strategies[strategy]
    if (!base) continue
    for (const info of metricCatalog) {
      if (info.better === null) continue
      const baseValue = base.metrics[info.key]
      if (typeof baseValue !== 'number') continue
      const allowed = tolerance[info.key] ?? tolerance['*'] ?? 0
      const op = info.better === 'higher' ? '>=' : '<='
      const value = info.better === 'higher' ? baseValue - allowed : baseValue + allowed
      const actual = metricOf(head, strategy, info.key)
      results.push({
        kind: 'baseline',
        strategy,
        metric: info.key,
        op,
        value,
        actual,
        pass: actual !== null && holds(actual, op, value, baselineSlack),
        baseline: baseValue,
        tolerance: allowed,
      })
    }
  }
  for (const [strategy, base] of Object.entries(baseline.strategies)) {
    if (head.strategies[strategy]) continue
    results.push({ kind: 'baseline', strategy, metric: 'tasks', op: '==', value: base.metrics.tasks, actual: null, pass: false, baseline: base.metrics.tasks, tolerance: 0 })
  }
  return results
}

/** A measured value at a precision a reader can compare: the metric's digits, at least four. */
function formatMeasured(value: number, metric: string): string {
  const digits = isMetricKey(metric) ? metricInfo(metric).digits : 3
  return formatExact(Number(value.toFixed(Math.max(4, digits))))
}

/** `>= 0.95`, or for a baseline gate `>= 0.7516 (baseline 0.7716 - 0.02)`. */
export function describeRequirement(gate: GateResult): string {
  if (gate.kind !== 'baseline' || gate.baseline === undefined) return `${gate.op} ${formatExact(gate.value)}`
  const required = `${gate.op} ${formatMeasured(gate.value, gate.metric)}`
  if (!gate.tolerance) return `${required} (baseline)`
  const sign = gate.op === '>=' ? '-' : '+'
  return `${required} (baseline ${formatMeasured(gate.baseline, gate.metric)} ${sign} ${formatExact(gate.tolerance)})`
}

/**
 * The actual value with as few decimals as the metric shows, and more when rounding would make
 * a miss look like a hit (0.9499 against >= 0.95 is not "0.950"). `null` says why it is missing.
 */
export function describeActual(gate: GateResult, report?: JsonReport): string {
  if (gate.actual === null) {
    if (report && !report.strategies[gate.strategy]) return `not measured (no task ran under ${gate.strategy})`
    const why = isMetricKey(gate.metric) ? metricInfo(gate.metric).emptyWhen : null
    return why ? `not measured (${why})` : 'not measured'
  }
  const digits = isMetricKey(gate.metric) ? metricInfo(gate.metric).digits : 3
  for (let d = digits; d <= 12; d++) {
    const shown = Number(gate.actual.toFixed(d))
    if (holds(shown, gate.op, gate.value) === gate.pass && (shown === gate.value) === (gate.actual === gate.value)) {
      return gate.actual.toFixed(d)
    }
  }
  return formatExact(gate.actual)
}
