import { createHash, randomUUID } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
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

export const reportSetFileName = 'report-set.json'

/** `report-set.json`: which run wrote the report files beside it, and the SHA-256 of each. */
export interface ReportSetManifest {
  version: 1
  /** The run's id (random per run); kept out of the reports so that they stay byte-identical. */
  run: string
  files: Record<string, { sha256: string; bytes: number }>
}

export interface WriteReportFilesOptions extends RenderFileOptions {
  /** The run's id, written to `report-set.json`. @default a random id */
  runId?: string
  /** Called after each file is in place (tests use it to kill the process there). */
  afterFile?: (name: string) => void | Promise<void>
}

/**
 * Writes the chosen report files under `dir` as one set: first the previous set goes (its manifest
 * first, then every report file of any format), then each new file is written atomically
 * (write-file-atomic: a temporary file, fsync, rename), and `report-set.json` comes last. A run
 * killed part way leaves some files of the new run and no manifest, never a new report.json beside
 * an old report.md: whatever is there belongs to one run, and the manifest says the set is whole.
 * @returns the paths written, the manifest last.
 */
export async function writeReportFiles(
  dir: string,
  report: JsonReport,
  formats: readonly ReportFormat[],
  options: WriteReportFilesOptions = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  await rm(join(dir, reportSetFileName), { force: true })
  for (const name of Object.values(reportFileNames)) await rm(join(dir, name), { force: true })
  const manifest: ReportSetManifest = { version: 1, run: options.runId ?? randomUUID(), files: {} }
  const written: string[] = []
  for (const format of formats) {
    const name = reportFileNames[format]
    const text = renderReportFile(format, report, options)
    written.push(await writeFileAtomic(dir, name, text))
    manifest.files[name] = { sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) }
    await options.afterFile?.(name)
  }
  written.push(await writeFileAtomic(dir, reportSetFileName, JSON.stringify(manifest, null, 2) + '\n'))
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
