// Reads the numbers back out of each rendering of an AWRR report, so that the end-to-end tests can
// check that terminal, Markdown, CSV and HTML say what report.json says.
import { stripVTControlCharacters } from 'node:util'
import { formatMetric, type MetricKey } from '../src/reporters/metric-catalog.ts'
import type { JsonReport } from '../src/reporters/json-report.ts'
import { leaderboardMetrics } from '../src/reporters/leaderboard.ts'

export type MetricTable = Record<string, Record<string, string>>

/** What report.json says, formatted as every rendering shows it. */
export function expectedLeaderboard(report: JsonReport): MetricTable {
  const table: MetricTable = {}
  for (const [name, entry] of Object.entries(report.strategies)) {
    table[name] = Object.fromEntries(leaderboardMetrics.map((key) => [key, formatMetric(key, entry.metrics[key])]))
  }
  return table
}

function rowsToTable(rows: string[][]): MetricTable {
  const table: MetricTable = {}
  for (const [name, ...cells] of rows) {
    table[name!] = Object.fromEntries(leaderboardMetrics.map((key, i) => [key, cells[i]!.replace(/[*]/g, '')]))
  }
  return table
}

/** The leaderboard printed at the end of a run (first table after the "AWRR leaderboard" line). */
export function terminalLeaderboard(output: string): MetricTable {
  const lines = stripVTControlCharacters(output).split('\n')
  const start = lines.findIndex((line) => line.startsWith('AWRR leaderboard ('))
  if (start < 0) throw new Error('no leaderboard in the output')
  const rows: string[][] = []
  for (const line of lines.slice(start + 3)) {
    if (line.trim() === '' || /best per column/.test(line)) break
    rows.push(line.trim().split(/\s+/))
  }
  return rowsToTable(rows)
}

/** The first table under "## Leaderboard" in report.md. */
export function markdownLeaderboard(markdown: string): MetricTable {
  const lines = markdown.split('\n')
  const start = lines.indexOf('## Leaderboard')
  const rows: string[][] = []
  for (const line of lines.slice(start + 4)) {
    if (!line.startsWith('|')) break
    rows.push(line.slice(2, -2).split(' | ').map((cell) => cell.replace(/\\(.)/g, '$1')))
  }
  return rowsToTable(rows)
}

/** report.csv as records of column -> field (no quoted fields expected for these names). */
export function csvRecords(csv: string): Record<string, Record<string, string>> {
  const [header, ...rows] = csv.trimEnd().split('\r\n')
  const columns = header!.split(',')
  return Object.fromEntries(rows.map((row) => {
    const fields = row.split(',')
    return [fields[0]!, Object.fromEntries(columns.map((column, i) => [column, fields[i]!]))]
  }))
}

export function csvLeaderboard(csv: string): MetricTable {
  const table: MetricTable = {}
  for (const [name, record] of Object.entries(csvRecords(csv))) {
    table[name] = Object.fromEntries(
      leaderboardMetrics.map((key) => [key, formatMetric(key as MetricKey, record[key] === '' ? null : Number(record[key]))]),
    )
  }
  return table
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
}

/** The `<table class="leaderboard">` of report.html, by its data attributes. */
export function htmlLeaderboard(html: string): MetricTable {
  const body = html.slice(html.indexOf('<table class="leaderboard">'), html.indexOf('</table>', html.indexOf('<table class="leaderboard">')))
  const table: MetricTable = {}
  for (const row of body.matchAll(/<tr data-strategy="([^"]*)">(.*?)<\/tr>/g)) {
    table[unescapeHtml(row[1]!)] = Object.fromEntries([...row[2]!.matchAll(/<td data-metric="(\w+)"[^>]*>([^<]*)<\/td>/g)].map((m) => [m[1]!, m[2]!]))
  }
  return table
}

/** `B0 -0.258 (p 0.008)` entries of the terminal's paired line(s). */
export function terminalPaired(output: string): Record<string, { difference: string; p: string }> {
  const text = stripVTControlCharacters(output)
  const section = text.slice(text.indexOf('Paired with'), text.indexOf('\n\n', text.indexOf('Paired with')))
  return Object.fromEntries([...section.matchAll(/(\S+) ([+-]?\d+\.\d{3}) \(p ([<\d.]+)\)/g)].map((m) => [m[1]!, { difference: m[2]!, p: m[3]! }]))
}

export function markdownPaired(markdown: string): Record<string, { difference: string; p: string }> {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => line.startsWith('## Paired with'))
  const result: Record<string, { difference: string; p: string }> = {}
  for (const line of lines.slice(start + 4)) {
    if (!line.startsWith('|')) break
    const cells = line.slice(2, -2).split(' | ')
    result[cells[0]!] = { difference: cells[6]!, p: cells[7]! }
  }
  return result
}

export function htmlPaired(html: string): Record<string, { difference: string; p: string }> {
  const body = html.slice(html.indexOf('<table class="paired">'), html.indexOf('</table>', html.indexOf('<table class="paired">')))
  return Object.fromEntries(
    [...body.matchAll(/<tr data-strategy="([^"]*)">.*?<td data-field="difference">([^<]*)<\/td><td data-field="p_value">([^<]*)<\/td><\/tr>/g)].map((m) => [
      unescapeHtml(m[1]!),
      { difference: m[2]!, p: unescapeHtml(m[3]!) },
    ]),
  )
}

/** One line per gate in the terminal: result, strategy, metric, required, actual. */
export function terminalGates(output: string): string[][] {
  return stripVTControlCharacters(output)
    .split('\n')
    .flatMap((line) => {
      const m = /^ {2}(pass|FAIL) {2}(\S+) +(\S+) +required (.+?) +actual (.+)$/.exec(line)
      return m ? [[m[1]!, m[2]!, m[3]!, m[4]!.trim(), m[5]!]] : []
    })
}

export function markdownGates(markdown: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.indexOf('## Gates')
  const tableStart = lines.findIndex((line, i) => i > start && line.startsWith('| Result'))
  const rows: string[][] = []
  for (const line of lines.slice(tableStart + 2)) {
    if (!line.startsWith('|')) break
    const cells = line.slice(2, -2).split(' | ').map((cell) => cell.replace(/\\(.)/g, '$1'))
    rows.push([cells[0]!.replace(/\*/g, ''), cells[2]!, cells[3]!, cells[4]!, cells[5]!])
  }
  return rows
}

export function htmlGates(html: string): string[][] {
  const body = html.slice(html.indexOf('<table class="gates">'), html.indexOf('</table>', html.indexOf('<table class="gates">')))
  return [...body.matchAll(/<tr><td class="(?:pass|fail)">(pass|FAIL)<\/td><td class="text">\w+<\/td>((?:<td class="text">[^<]*<\/td>){4})<\/tr>/g)].map((m) => [
    m[1]!,
    ...[...m[2]!.matchAll(/<td class="text">([^<]*)<\/td>/g)].map((cell) => unescapeHtml(cell[1]!)),
  ])
}
