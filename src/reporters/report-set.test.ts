import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { buildJsonReport } from './json-report.ts'
import { reportFormats, writeReportFiles, type ReportSetManifest } from './report-files.ts'
import { makeRun } from './test-fixtures.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const report = buildJsonReport({ seed: 7, strategies: ['B0', 'B2'], summaries: makeRun({ strategies: ['B0', 'B2'] }) })
const reportNames = ['report.json', 'report.md', 'report.csv', 'report.html']
let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'awrr-report-set-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const sha256 = (file: string) => createHash('sha256').update(readFileSync(path.join(dir, file))).digest('hex')

describe('writeReportFiles writes one set per run', () => {
  test('every file of the set and a manifest naming the run, with the hash of each file', async () => {
    await writeReportFiles(dir, report, reportFormats, { runId: 'run-1' })
    const manifest = JSON.parse(readFileSync(path.join(dir, 'report-set.json'), 'utf8')) as ReportSetManifest
    expect(manifest.run).toBe('run-1')
    expect(Object.keys(manifest.files).sort()).toEqual([...reportNames].sort())
    for (const name of reportNames) expect(manifest.files[name]!.sha256, name).toBe(sha256(name))
    // The run id is not in the reports: the same seed gives the same bytes on every run.
    const first = readFileSync(path.join(dir, 'report.json'), 'utf8')
    await writeReportFiles(dir, report, reportFormats, { runId: 'run-2' })
    expect(readFileSync(path.join(dir, 'report.json'), 'utf8')).toBe(first)
    expect(first).not.toContain('run-2')
  })

  test('a run killed right after report.json is in place leaves no file of the previous run beside it', async () => {
    // The previous run's set, with a mark in each file.
    for (const name of reportNames) writeFileSync(path.join(dir, name), `previous run's ${name}\n`)
    writeFileSync(path.join(dir, 'report-set.json'), '{"version":1,"run":"previous","files":{}}\n')
    const reportFile = path.join(dir, 'input.json')
    writeFileSync(reportFile, JSON.stringify(report))
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
        const { readFileSync } = await import('node:fs')
        const { writeReportFiles, reportFormats } = await import(${JSON.stringify(path.join(here, 'report-files.ts'))})
        const report = JSON.parse(readFileSync(${JSON.stringify(reportFile)}, 'utf8'))
        await writeReportFiles(${JSON.stringify(dir)}, report, reportFormats, {
          runId: 'killed',
          afterFile: (name) => { if (name === 'report.json') process.kill(process.pid, 'SIGKILL') },
        })
      `,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    )
    const signal = await new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)))
    expect(signal).toBe('SIGKILL')
    const left = readdirSync(dir).filter((name) => name !== 'input.json')
    // The new report.json, and nothing else: no old report.md/.csv/.html, no manifest claiming a whole set.
    expect(left).toEqual(['report.json'])
    expect(readFileSync(path.join(dir, 'report.json'), 'utf8')).not.toContain('previous run')
  })
})
