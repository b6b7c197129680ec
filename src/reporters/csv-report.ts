import type { JsonReport, JsonStrategyReport } from './json-report.ts'
import { metricCatalog, modelMetricKeys, rateKeys, type RateKey } from './metric-catalog.ts'

/** RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes inside. */
export function csvField(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) || text.trim() !== text ? `"${text.replaceAll('"', '""')}"` : text
}

interface CsvColumn {
  header: string
  /** Model use: a column only in a run where some task called a model. */
  model?: boolean
  value: (name: string, entry: JsonStrategyReport, report: JsonReport) => string | number | null
}

const isRate = (key: string): key is RateKey => (rateKeys as readonly string[]).includes(key)

const allColumns: readonly CsvColumn[] = [
  { header: 'strategy', value: (name) => name },
  ...metricCatalog.flatMap((info): CsvColumn[] => {
    const metric: CsvColumn = {
      header: info.key,
      value: (_, entry) => entry.metrics[info.key],
      ...((modelMetricKeys as readonly string[]).includes(info.key) ? { model: true } : {}),
    }
    if (!isRate(info.key)) return [metric]
    const key = info.key
    return [
      metric,
      { header: `${key}_lower`, value: (_, entry) => entry.intervals[key]?.lower ?? null },
      { header: `${key}_upper`, value: (_, entry) => entry.intervals[key]?.upper ?? null },
    ]
  }),
  { header: 'pass_k_trials', value: (_, entry) => entry.pass_hat_k?.trials ?? null },
  { header: 'paired_reference', value: (_, entry) => entry.paired?.reference ?? null },
  { header: 'paired_tasks', value: (_, entry) => entry.paired?.pairs ?? null },
  { header: 'wcr_difference', value: (_, entry) => entry.paired?.difference ?? null },
  { header: 'mcnemar_p', value: (_, entry) => entry.paired?.p_value ?? null },
  { header: 'first_batch_reaching', value: (_, entry) => entry.learning_curve.first_batch_reaching },
  // Rows with another task_set ran other tasks: compare rows of one set only.
  { header: 'task_set', value: (name, _, report) => report.task_sets.findIndex((set) => set.strategies.includes(name)) + 1 },
  { header: 'suspicious_tasks', value: (_, entry) => entry.suspicious.length },
]

/**
 * `report.csv`: one row per strategy, every metric at full precision (rounding is for people, a
 * spreadsheet can round), each rate followed by its 95% Wilson bounds. Empty field = not measured.
 */
export function renderCsvReport(report: JsonReport): string {
  const usedModel = Object.values(report.strategies).some((entry) => entry.metrics.llm_calls !== null && entry.metrics.llm_calls !== undefined)
  const columns = allColumns.filter((column) => usedModel || column.model !== true)
  // A strategy with a module that did not report all its tasks gets an `incomplete_modules` column.
  const incomplete = report.incomplete ?? []
  const extra = incomplete.length === 0 ? [] : ['incomplete_modules']
  const lines = [[...columns.map((column) => column.header), ...extra].join(',')]
  for (const [name, entry] of Object.entries(report.strategies)) {
    const count = incomplete.filter((module) => module.strategy === name).length
    lines.push([...columns.map((column) => csvField(column.value(name, entry, report))), ...(extra.length ? [String(count)] : [])].join(','))
  }
  return lines.join('\r\n') + '\r\n'
}
