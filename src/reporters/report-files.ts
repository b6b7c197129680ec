import { renderCsvReport } from './csv-report.ts'
import { renderHtmlReport } from './html-report.ts'
import { serializeJsonReport, writeFileAtomic, type JsonReport } from './json-report.ts'
import { renderMarkdownReport } from './markdown-report.ts'

export const reportFormats = ['json', 'markdown', 'csv', 'html'] as const
export type ReportFormat = (typeof reportFormats)[number]

export const reportFileNames: Readonly<Record<ReportFormat, string>> = {
  json: 'report.json',
  markdown: 'report.md',
  csv: 'report.csv',
  html: 'report.html',
}

export interface RenderFileOptions {
  /** Strategies shown but not ranked. @default ['ORACLE'] */
  unranked?: readonly string[]
}

/** The text of one report file; pure. */
export function renderReportFile(format: ReportFormat, report: JsonReport, options: RenderFileOptions = {}): string {
  switch (format) {
    case 'json':
      return serializeJsonReport(report)
    case 'markdown':
      return renderMarkdownReport(report, options)
    case 'csv':
      return renderCsvReport(report)
    case 'html':
      return renderHtmlReport(report, options)
  }
}

/** Writes the chosen report files under `dir`, each atomically. @returns the paths written. */
export async function writeReportFiles(
  dir: string,
  report: JsonReport,
  formats: readonly ReportFormat[],
  options: RenderFileOptions = {},
): Promise<string[]> {
  const written: string[] = []
  for (const format of formats) {
    written.push(await writeFileAtomic(dir, reportFileNames[format], renderReportFile(format, report, options)))
  }
  return written
}

/**
 * What a baseline keeps of a report: everything but the per-task list (which would make a file
 * committed to the repository grow with every task) and the gates (a baseline is not judged).
 */
export function baselineOf(report: JsonReport): JsonReport {
  const strategies: JsonReport['strategies'] = {}
  for (const [name, entry] of Object.entries(report.strategies)) strategies[name] = { ...entry, tasks: [] }
  return { ...report, strategies, gates: [] }
}
