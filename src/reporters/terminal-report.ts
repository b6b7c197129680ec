import { Chalk, type ChalkInstance } from 'chalk'
import { escapeControlCharacters, escapeControlCharactersDeep } from '../runtime/text/control-characters.ts'
import { describeActual, describeRequirement } from './gates.ts'
import type { JsonGateResult, JsonReport, JsonRca } from './json-report.ts'
import { renderSparkline } from './learning-curve.ts'
import { renderLeaderboard } from './leaderboard.ts'
import { formatMetric, formatPValue, formatSigned, metricInfo } from './metric-catalog.ts'
import {
  describeTaskSet,
  diagnosingStrategies,
  distinctTaskCount,
  pairedByReference,
  shortLabels,
  strategiesWithCurves,
  strategiesWithRepeats,
  suspiciousEntries,
  suspiciousExplanation,
  suspiciousTaskName,
  taskSetViews,
  breakdownMatrix,
  strategyEntries,
  offendingTasks,
  verdictMetrics,
} from './report-view.ts'
import { breakdownDimensions } from './breakdown.ts'
import { alignColumns, sideBySide, wrapItems } from './text-table.ts'

export interface TerminalReportOptions {
  /** @default false */
  color?: boolean
  /** Wrap and place blocks within this many columns. @default 100 */
  width?: number
  /** Strategies shown but not ranked in the leaderboard. @default ['ORACLE'] */
  unranked?: readonly string[]
  /** Shown next to the baseline gates' count. @default undefined */
  baselinePath?: string | undefined
}

export type ResolvedTerminalReportOptions = Required<TerminalReportOptions>

export const defaultTerminalReportOptions: ResolvedTerminalReportOptions = {
  color: false,
  width: 100,
  unranked: ['ORACLE'],
  baselinePath: undefined,
}

function rcaBlock(name: string, rca: JsonRca): string[] {
  const { per_event: perEvent, first_error: firstError, sources } = rca
  const matrix = perEvent.layer_matrix
  const rows = [
    ['truth\\pred', ...matrix.columns.map((label) => shortLabels[label] ?? label)],
    ...matrix.rows.map((label, r) => [label, ...matrix.counts[r]!.map(String)]),
  ]
  return [
    `${name} (${sources.join(', ')}; ${perEvent.records} fault events)`,
    `layer acc ${formatMetric('rca_layer_acc', perEvent.layer_acc)}, first error ${formatMetric('rca_layer_acc', firstError.layer_acc)}`,
    `action acc ${formatMetric('rca_action_acc', perEvent.action_acc)}, first error ${formatMetric('rca_action_acc', firstError.action_acc)}`,
    ...alignColumns(rows),
  ]
}

function gateLines(gates: readonly JsonGateResult[], report: JsonReport, chalk: ChalkInstance, baselinePath: string | undefined): string[] {
  const thresholds = gates.filter((gate) => gate.kind === 'threshold')
  const baseline = gates.filter((gate) => gate.kind === 'baseline')
  const failedBaseline = baseline.filter((gate) => !gate.pass)
  // Every threshold is listed; of the baseline gates (one per strategy and metric) only misses.
  const listed = [...thresholds, ...failedBaseline]
  const met = gates.filter((gate) => gate.pass).length
  const heading = met === gates.length ? `Gates: all ${gates.length} met` : `Gates: ${gates.length - met} of ${gates.length} missed`
  const rows = listed.map((gate) => [
    gate.pass ? 'pass' : 'FAIL',
    gate.strategy,
    gate.metric,
    `required ${describeRequirement(gate)}`,
    `actual ${describeActual(gate, report)}`,
  ])
  const lines = alignColumns(rows, 5).map((line, i) => `  ${listed[i]!.pass ? chalk.green(line) : chalk.red.bold(line)}`)
  if (baseline.length > 0) {
    const where = baselinePath ? ` ${baselinePath}` : ''
    lines.push(`  baseline${where}: ${baseline.length - failedBaseline.length} of ${baseline.length} metrics within tolerance`)
  }
  return [met === gates.length ? chalk.green(heading) : chalk.red.bold(heading), ...lines]
}

/**
 * What a person reads at the end of a run, on one screen: the leaderboard, paired differences
 * against the reference, pass^k, the RCA matrix of each diagnosing strategy, learning curves and
 * gate results. Every number comes from the report, formatted as every other rendering does.
 */
export function renderTerminalReport(input: JsonReport, options: TerminalReportOptions = {}): string {
  // Every string of the report (task ids, scenario and file names, reasons) with its control
  // characters escaped: the only ESC this text holds is the colour AWRR adds below.
  const report = escapeControlCharactersDeep(input)
  const resolved: ResolvedTerminalReportOptions = { ...defaultTerminalReportOptions, ...options }
  if (resolved.baselinePath !== undefined) resolved.baselinePath = escapeControlCharacters(resolved.baselinePath, { singleLine: true })
  const chalk = new Chalk({ level: resolved.color ? 1 : 0 })
  const strategyCount = Object.keys(report.strategies).length
  const sections: string[][] = []

  const strategiesLabel = (count: number) => `${count} ${count === 1 ? 'strategy' : 'strategies'}`
  const views = taskSetViews(report)
  if (views.length <= 1) {
    sections.push([
      chalk.bold(`AWRR leaderboard (seed ${report.seed}, ${distinctTaskCount(report)} tasks, ${strategiesLabel(strategyCount)})`),
      renderLeaderboard(views[0]?.rows ?? [], { color: resolved.color, reference: resolved.unranked }),
    ])
  } else {
    // A completion rate over other tasks is not comparable: one table per set of tasks.
    sections.push([
      chalk.bold(`AWRR leaderboards (seed ${report.seed}, ${distinctTaskCount(report)} tasks, ${strategiesLabel(strategyCount)}, ${views.length} task sets)`),
      chalk.dim('Strategies and agents that ran different tasks are ranked in separate tables, never against each other.'),
    ])
    for (const view of views) {
      sections.push([
        chalk.bold(`Leaderboard, ${describeTaskSet(view, views.length)}, ${strategiesLabel(view.rows.length)}`),
        renderLeaderboard(view.rows, { color: resolved.color, reference: resolved.unranked }),
      ])
    }
  }

  for (const [reference, paired] of pairedByReference(report)) {
    sections.push([
      chalk.bold(`Paired with ${reference} on the same tasks`) + chalk.dim(' (WCR difference, McNemar exact p)'),
      ...wrapItems(
        paired.map(([name, entry]) => `${name} ${formatSigned(entry.paired!.difference)} (p ${formatPValue(entry.paired!.p_value)})`),
        resolved.width,
      ),
    ])
  }

  const suspicious = suspiciousEntries(report)
  if (suspicious.length > 0) {
    const count = suspicious.reduce((sum, [, tasks]) => sum + tasks.length, 0)
    sections.push([
      chalk.yellow.bold(`Suspicious: ${count} ${count === 1 ? 'task' : 'tasks'} ${suspiciousExplanation}`),
      ...suspicious.flatMap(([name, tasks]) =>
        wrapItems(
          [`${name}:`, ...tasks.slice(0, 10).map(suspiciousTaskName), ...(tasks.length > 10 ? [`and ${tasks.length - 10} more (report.json)`] : [])],
          resolved.width,
        ),
      ),
    ])
  }

  const repeated = strategiesWithRepeats(report)
  if (repeated.length > 0) {
    sections.push([
      chalk.bold('pass^k') + chalk.dim(' (all of k trials of a task complete; k = trials per task)'),
      ...wrapItems(
        repeated.map(([name, entry]) => `${name} k=${entry.pass_hat_k!.trials} ${formatMetric('pass_k', entry.metrics.pass_k)}`),
        resolved.width,
      ),
    ])
  }

  const diagnosing = diagnosingStrategies(report)
  if (diagnosing.length > 0) {
    sections.push([
      chalk.bold('Root-cause analysis') + chalk.dim(' (layer confusion per error event: rows truth, columns predicted)'),
      ...sideBySide(
        diagnosing.map(([name, rca]) => rcaBlock(name, rca)),
        resolved.width,
      ).map((line) => (line === '' ? '' : `  ${line}`)),
    ])
  }

  const curves = strategiesWithCurves(report)
  if (curves.length > 0) {
    const threshold = curves[0]![1].learning_curve.threshold
    sections.push([
      chalk.bold('Learning curve') + chalk.dim(` (RR_task per batch, ▁ 0 to █ 1; first batch reaching ${threshold})`),
      ...alignColumns(
        curves.map(([name, entry]) => {
          const first = entry.learning_curve.first_batch_reaching
          return [`  ${name}`, renderSparkline(entry.learning_curve.batches), first === null ? 'never' : `batch ${first}`]
        }),
        3,
      ),
    ])
  }

  sections.push([
    chalk.bold('Degradation and client verdicts') + chalk.dim(' (clean run: the same tasks with faults off; counts are calls)'),
    ...alignColumns([
      ['  Strategy', ...verdictMetrics.map((key) => metricInfo(key).label)],
      ...strategyEntries(report).map(([name, entry]) => [`  ${name}`, ...verdictMetrics.map((key) => formatMetric(key, entry.metrics[key]))]),
    ]),
  ])
  for (const dimension of breakdownDimensions) {
    const matrix = breakdownMatrix(report, dimension)
    if (matrix.keys.length === 0 || (matrix.keys.length === 1 && matrix.keys[0] === 'none')) continue
    sections.push([
      chalk.bold(`WCR by fault ${dimension}`) + chalk.dim(' (tasks the fault reached; RR_task and MTTR in the JSON, Markdown and HTML reports)'),
      ...alignColumns([
        [`  ${dimension}`, 'tasks', ...matrix.strategies],
        ...matrix.keys.map((key) => [
          `  ${key}`,
          String(matrix.row(key, matrix.strategies[0]!)?.tasks ?? 0),
          ...matrix.strategies.map((strategy) => formatMetric('wcr', matrix.row(key, strategy)?.wcr ?? null)),
        ]),
      ]),
    ])
  }
  const offending = offendingTasks(report, 5)
  if (offending.length > 0) {
    sections.push([
      chalk.bold('Offending calls') + chalk.dim(' (call indices in the trace; first 5 tasks per strategy, all in report.json)'),
      ...offending.flatMap(([name, list]) => list.map((item) => `  ${name}  ${item.task}  ${item.verdict}: ${item.calls.join(', ')}`)),
    ])
  }

  if (report.gates.length > 0) sections.push(gateLines(report.gates, report, chalk, resolved.baselinePath))

  return sections.map((lines) => lines.join('\n')).join('\n\n')
}
