import type { JsonReport } from './json-report.ts'
import { escapeMarkdownCell as esc, markdownText } from './markdown-escape.ts'
import { formatMetric, formatSigned, metricCatalog, type MetricInfo } from './metric-catalog.ts'
import { orderStrategies } from './metrics.ts'

export type ChangeVerdict = 'better' | 'worse' | 'changed' | 'now measured' | 'no longer measured'

/** One metric of one strategy that reads differently in the head report. */
export interface MetricChange {
  strategy: string
  metric: MetricInfo
  base: number | null
  head: number | null
  verdict: ChangeVerdict
}

export interface ReportComparison {
  /** Strategies in both reports, in the head's order. */
  compared: string[]
  onlyBase: string[]
  onlyHead: string[]
  /** Metrics compared: compared strategies x catalog metrics. */
  metricsCompared: number
  /** Metrics whose shown value differs, or every compared metric with `all`. */
  rows: (MetricChange | (Omit<MetricChange, 'verdict'> & { verdict: 'unchanged' }))[]
}

/** A metric as a report file gives it: a head report is input like any other, so what is not a number is not a value. */
const metricValue = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

function verdictOf(info: MetricInfo, base: number | null, head: number | null): ChangeVerdict {
  if (base === null) return 'now measured'
  if (head === null) return 'no longer measured'
  if (info.better === null) return 'changed'
  return (head > base) === (info.better === 'higher') ? 'better' : 'worse'
}

/**
 * Per strategy and metric, what changed between two reports. A metric counts as changed when it
 * reads differently at the digits every report shows, so float noise is not a change.
 */
export function compareReports(base: JsonReport, head: JsonReport, options: { all?: boolean } = {}): ReportComparison {
  const headNames = Object.keys(head.strategies)
  const compared = headNames.filter((name) => base.strategies[name] !== undefined)
  const rows: ReportComparison['rows'] = []
  for (const strategy of compared) {
    for (const info of metricCatalog) {
      const baseValue = metricValue(base.strategies[strategy]!.metrics[info.key])
      const headValue = metricValue(head.strategies[strategy]!.metrics[info.key])
      const unchanged = formatMetric(info.key, baseValue) === formatMetric(info.key, headValue)
      if (unchanged && !options.all) continue
      rows.push({
        strategy,
        metric: info,
        base: baseValue,
        head: headValue,
        verdict: unchanged ? 'unchanged' : verdictOf(info, baseValue, headValue),
      })
    }
  }
  return {
    compared,
    onlyBase: orderStrategies(Object.keys(base.strategies).filter((name) => head.strategies[name] === undefined)),
    onlyHead: headNames.filter((name) => base.strategies[name] === undefined),
    metricsCompared: compared.length * metricCatalog.length,
    rows,
  }
}

const verdictMarks: Readonly<Record<string, string>> = {
  better: '🟢 better',
  worse: '🔴 worse',
  changed: 'changed',
  'now measured': 'now measured',
  'no longer measured': '🔴 no longer measured',
  unchanged: '',
}

/**
 * The comparison as Markdown for a pull-request comment: a heading, one table row per changed
 * metric (base, head, difference, verdict), the strategies only one side ran, and the head's gates.
 * Both reports are input (the head one comes from the branch under review): every value from them
 * is escaped text or a number, so a report cannot put HTML, a link or a heading into the comment.
 */
export function renderComparisonMarkdown(
  base: JsonReport,
  head: JsonReport,
  names: { base: string; head: string },
  options: { all?: boolean } = {},
): string {
  const comparison = compareReports(base, head, options)
  const changed = comparison.rows.filter((row) => row.verdict !== 'unchanged')
  const lines = [`### AWRR: ${esc(names.base)} → ${esc(names.head)}`, '']
  if (base.seed !== head.seed) lines.push(`Seeds differ (${markdownText(base.seed)} → ${markdownText(head.seed)}): the tasks are not the same.`, '')

  if (comparison.rows.length > 0) {
    lines.push('| Strategy | Metric | Base | Head | Change | |', '| :-- | :-- | --: | --: | --: | :-- |')
    for (const row of comparison.rows) {
      const { key, digits } = row.metric
      const difference = row.base !== null && row.head !== null ? formatSigned(row.head - row.base, digits) : ''
      lines.push(
        `| ${esc(row.strategy)} | ${esc(row.metric.label)} | ${formatMetric(key, row.base)} | ${formatMetric(key, row.head)} | ${difference} | ${verdictMarks[row.verdict]} |`,
      )
    }
    lines.push('')
  }
  const better = changed.filter((row) => row.verdict === 'better').length
  const worse = changed.filter((row) => row.verdict === 'worse' || row.verdict === 'no longer measured').length
  lines.push(
    changed.length === 0
      ? `No metric changed (${comparison.compared.length} strategies, ${comparison.metricsCompared} metrics compared).`
      : `${changed.length} of ${comparison.metricsCompared} metrics changed: ${better} better, ${worse} worse.`,
  )
  if (comparison.onlyHead.length > 0) lines.push(`Only in head: ${comparison.onlyHead.map(esc).join(', ')}.`)
  if (comparison.onlyBase.length > 0) lines.push(`Only in base: ${comparison.onlyBase.map(esc).join(', ')}.`)
  const gates = Array.isArray(head.gates) ? head.gates : []
  if (gates.length > 0) {
    const missed = gates.filter((gate) => gate?.pass !== true)
    lines.push(
      missed.length === 0
        ? `Head gates: all ${gates.length} met.`
        : `Head gates: **${missed.length} of ${gates.length} missed** (${missed.map((gate) => `${markdownText(gate?.strategy)} ${markdownText(gate?.metric)}`).join(', ')}).`,
    )
  }
  return lines.join('\n') + '\n'
}
