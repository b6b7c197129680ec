import { stringify } from 'csv-stringify/sync'
import { escapeControlCharactersDeep } from '../runtime/text/control-characters.ts'
import type { JsonReport, JsonStrategyReport } from './json-report.ts'
import { metricCatalog, modelMetricKeys, rateKeys, type RateKey } from './metric-catalog.ts'

type CsvCell = string | number | null

/**
 * Rows as RFC 4180 CSV, by csv-stringify: a field holding a comma, a quote or a line break is
 * quoted with its quotes doubled, and a text field that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, a tab or a CR, or their full-width forms) gets a leading `'`
 * (OWASP's advice for CSV injection). Numbers stay numbers, negative ones included.
 */
export function renderCsvRows(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(
    rows.map((row) => [...row]),
    // A line break of either kind is quoted (csv-stringify quotes only its own record delimiter),
    // and so are leading or trailing blanks, so that a spreadsheet keeps them.
    { escape_formulas: true, record_delimiter: 'windows', quoted_match: /^\s|\s$|[\r\n]/ },
  )
}

/** One field as `renderCsvRows` writes it. */
export function csvField(value: CsvCell): string {
  return renderCsvRows([[value]]).replace(/\r\n$/, '')
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
export function renderCsvReport(input: JsonReport): string {
  const report = escapeControlCharactersDeep(input)
  const usedModel = Object.values(report.strategies).some((entry) => entry.metrics.llm_calls !== null && entry.metrics.llm_calls !== undefined)
  const columns = allColumns.filter((column) => usedModel || column.model !== true)
  // A strategy with a module that did not report all its tasks gets an `incomplete_modules` column.
  const incomplete = report.incomplete ?? []
  const extra = incomplete.length === 0 ? [] : ['incomplete_modules']
  const rows: CsvCell[][] = [[...columns.map((column) => column.header), ...extra]]
  for (const [name, entry] of Object.entries(report.strategies)) {
    const count = incomplete.filter((module) => module.strategy === name).length
    rows.push([...columns.map((column) => column.value(name, entry, report)), ...(extra.length ? [count] : [])])
  }
  return renderCsvRows(rows)
}
