import { Chalk } from 'chalk'
import { escapeMarkdownCell } from './markdown-escape.ts'
import { formatMetric, metricInfo, modelMetricKeys, type MetricKey } from './metric-catalog.ts'
import { padVisibleEnd as padEnd, padVisibleStart as padStart, visibleWidth } from './text-table.ts'
import type { StrategyMetrics } from './metrics.ts'

export interface LeaderboardRow {
  strategy: string
  metrics: StrategyMetrics
}

export interface LeaderboardOptions {
  /**
   * Mark the best values in bold green instead of a `*` suffix. The renderer never looks at the
   * terminal: the caller decides (see `shouldUseColor`).
   * @default false
   */
  color?: boolean
  /**
   * Strategies shown for reference but left out of the best-value marks. ORACLE reads the ground
   * truth, so it would be "best" everywhere and hide which real strategy wins.
   * @default ['ORACLE']
   */
  reference?: readonly string[]
}

export type ResolvedLeaderboardOptions = Required<LeaderboardOptions>

export const defaultLeaderboardOptions: ResolvedLeaderboardOptions = {
  color: false,
  reference: ['ORACLE'],
}

interface Column {
  header: string
  value: (metrics: StrategyMetrics) => number | null
  better: 'higher' | 'lower'
  key: MetricKey
}

/** The leaderboard's columns, in DESIGN.md's order; digits and direction come from the catalog. */
export const leaderboardMetrics: readonly MetricKey[] = ['wcr', 'rr_task', 'rr_event', 'mttr_ms', 'rco', 'cps', 'hir', 'uar', 'abd', 'srr', 'diagnoser_calls']

/** The leaderboard's keys for these rows: the model columns join when any task called a model. */
export function leaderboardKeys(rows: readonly { metrics: StrategyMetrics }[]): readonly MetricKey[] {
  return rows.some((row) => row.metrics.llm_calls !== null) ? [...leaderboardMetrics, ...modelMetricKeys] : leaderboardMetrics
}

function columnsFor(rows: readonly { metrics: StrategyMetrics }[]): Column[] {
  return leaderboardKeys(rows).map((key) => {
    const info = metricInfo(key)
    return { header: info.label, value: (m) => m[key], better: info.better ?? 'higher', key }
  })
}

export interface LeaderboardCell {
  text: string
  best: boolean
}

/**
 * Formats every cell and decides the marks. Best is judged on the value as displayed, so values
 * that print the same are marked together; a column is left unmarked when fewer than two ranked
 * strategies have a value or when they all tie, because a mark would say nothing.
 */
export function leaderboardCells(rows: readonly LeaderboardRow[], reference: readonly string[]): LeaderboardCell[][] {
  const cells: LeaderboardCell[][] = rows.map(() => [])
  for (const column of columnsFor(rows)) {
    const shown = rows.map((row) => {
      const value = column.value(row.metrics)
      return value === null ? null : Number(formatMetric(column.key, value))
    })
    const ranked = shown.filter((value, i): value is number => value !== null && !reference.includes(rows[i]!.strategy))
    const best = column.better === 'higher' ? Math.max(...ranked) : Math.min(...ranked)
    const worst = column.better === 'higher' ? Math.min(...ranked) : Math.max(...ranked)
    const marking = ranked.length >= 2 && best !== worst
    shown.forEach((value, i) => {
      cells[i]!.push({
        text: value === null ? '-' : formatMetric(column.key, value),
        best: marking && value === best && !reference.includes(rows[i]!.strategy),
      })
    })
  }
  return cells
}

function legendLines(legend: string, note: string, width: number): string[] {
  if (note === '' || legend.length + note.length <= width) return [legend + note]
  return [legend, note.replace(/^; /, '')]
}

/**
 * The leaderboard as a terminal table: one row per strategy, in the order given, numbers right
 * aligned, `-` where a metric has no denominator. Without colour the best value of a column gets a
 * `*` suffix (other cells a space, so the digits stay aligned); with colour it is bold green.
 */
export function renderLeaderboard(rows: readonly LeaderboardRow[], options: LeaderboardOptions = {}): string {
  const resolved: ResolvedLeaderboardOptions = { ...defaultLeaderboardOptions, ...options }
  const chalk = new Chalk({ level: resolved.color ? 1 : 0 })
  const cells = leaderboardCells(rows, resolved.reference)
  const columns = columnsFor(rows)
  const higherIsBetter = columns.filter((c) => c.better === 'higher').map((c) => c.header)

  // Without colour every number carries a one-character mark slot; headers get one too so they
  // line up with the digits rather than with the marks.
  const header = ['Strategy', ...columns.map((c) => (resolved.color ? c.header : `${c.header} `))]
  const body = rows.map((row, i) => [
    row.strategy,
    ...cells[i]!.map((cell) => {
      if (resolved.color) return cell.best ? chalk.bold.green(cell.text) : cell.text
      return cell.text + (cell.best ? '*' : ' ')
    }),
  ])
  const widths = header.map((title, c) => Math.max(visibleWidth(title), ...body.map((line) => visibleWidth(line[c]!))))

  const renderLine = (line: readonly string[], style: (text: string) => string = (t) => t) =>
    line
      .map((text, c) => (c === 0 ? padEnd(text, widths[c]!) : padStart(text, widths[c]!)))
      .map(style)
      .join('  ')
      .trimEnd()

  const legend = resolved.color ? 'best per column in bold green' : '* best per column'
  const referenceNote = rows.some((row) => resolved.reference.includes(row.strategy))
    ? `; ${rows.filter((row) => resolved.reference.includes(row.strategy)).map((row) => row.strategy).join(', ')} not ranked (reference)`
    : ''
  return [
    renderLine(header, (text) => chalk.bold(text)),
    renderLine(widths.map((w) => '-'.repeat(w))),
    ...body.map((line) => renderLine(line)),
    // The note goes on a line of its own rather than past the table's right edge.
    ...legendLines(`${legend} (higher is better for ${higherIsBetter.join(', ')}; lower for the rest)`, referenceNote, 100).map((line) => chalk.dim(line)),
  ].join('\n')
}

/** The same numbers and marks as {@link renderLeaderboard}, as a GitHub-flavoured Markdown table. */
export function renderLeaderboardMarkdown(
  rows: readonly LeaderboardRow[],
  options: Omit<LeaderboardOptions, 'color'> = {},
): string {
  const resolved: ResolvedLeaderboardOptions = { ...defaultLeaderboardOptions, ...options, color: false }
  const cells = leaderboardCells(rows, resolved.reference)
  const columns = columnsFor(rows)
  const line = (values: readonly string[]) => `| ${values.join(' | ')} |`
  return [
    line(['Strategy', ...columns.map((c) => c.header)]),
    line([':--', ...columns.map(() => '--:')]),
    ...rows.map((row, i) =>
      line([escapeMarkdownCell(row.strategy), ...cells[i]!.map((cell) => (cell.best ? `**${cell.text}**` : cell.text))]),
    ),
  ].join('\n')
}
