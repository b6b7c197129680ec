import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeActual, describeRequirement } from '../src/reporters/gates.ts'
import type { JsonReport } from '../src/reporters/json-report.ts'
import { formatMetric, formatPValue, formatSigned, metricCatalog, metricInfo, modelMetricKeys, isMetricKey } from '../src/reporters/metric-catalog.ts'
import {
  csvLeaderboard,
  csvRecords,
  expectedLeaderboard,
  htmlGates,
  htmlLeaderboard,
  htmlPaired,
  markdownGates,
  markdownLeaderboard,
  markdownPaired,
  terminalGates,
  terminalLeaderboard,
  terminalPaired,
} from './report-formats.ts'
import { fixturePath, repoRoot, runVitest, type VitestRun } from './run-vitest.ts'

// Each e2e file writes under its own folder of the fixture's .awrr/, so files can run in parallel.
const outputDir = '.awrr/e2e-reports'
const baselineFile = `${outputDir}/baseline.json`
const out = (...parts: string[]) => fixturePath('reports', outputDir, ...parts)
const baseEnv = { AWRR_FIXTURE_OUTPUT: outputDir, AWRR_UPDATE_BASELINE: '', GITHUB_STEP_SUMMARY: '' }

const read = (file: string) => readFileSync(out(file), 'utf8')
const readJson = (file: string) => JSON.parse(read(file)) as JsonReport

describe('reports of the reports fixture', () => {
  // Run A writes the baseline and checks gates that hold by construction: the fixture has 32
  // tasks, and B0 never asks a diagnoser.
  let first: VitestRun
  let report: JsonReport
  const files: Record<string, string> = {}

  beforeAll(async () => {
    rmSync(out(), { recursive: true, force: true })
    first = await runVitest('reports', [], {
      ...baseEnv,
      AWRR_GATES: '*.tasks==32,B0.diagnoser_calls<=0',
      AWRR_UPDATE_BASELINE: '1',
      AWRR_FIXTURE_BASELINE: baselineFile,
    })
    report = readJson('report.json')
    for (const name of ['report.md', 'report.csv', 'report.html']) files[name] = read(name)
  })
  afterAll(() => rmSync(out(), { recursive: true, force: true }))

  it('passes with met gates, lists them, and writes every file and the baseline', () => {
    expect(first.code, first.output).toBe(0)
    expect(first.stdout).toContain('Gates: all 4 met')
    expect(report.gates).toHaveLength(4)
    expect(report.gates.every((gate) => gate.pass && gate.kind === 'threshold')).toBe(true)
    expect(first.stdout).toContain(`Reports: ${outputDir}/report.json, ${outputDir}/report.md, ${outputDir}/report.csv, ${outputDir}/report.html`)
    expect(first.stdout).toContain(`Baseline written to ${baselineFile}.`)
    const baseline = readJson('baseline.json')
    expect(Object.keys(baseline.strategies)).toEqual(['B0', 'B2', 'B4'])
    expect(baseline.strategies['B2']!.metrics).toEqual(report.strategies['B2']!.metrics)
    expect(baseline.strategies['B2']!.tasks).toEqual([])
  })

  it('terminal, JSON, Markdown, CSV and HTML agree on the leaderboard, number for number', () => {
    const expected = expectedLeaderboard(report)
    expect(Object.keys(expected)).toEqual(['B0', 'B2', 'B4'])
    expect(terminalLeaderboard(first.stdout)).toEqual(expected)
    expect(markdownLeaderboard(files['report.md']!)).toEqual(expected)
    expect(csvLeaderboard(files['report.csv']!)).toEqual(expected)
    expect(htmlLeaderboard(files['report.html']!)).toEqual(expected)
  })

  it('CSV carries every metric and interval of report.json at full precision', () => {
    const records = csvRecords(files['report.csv']!)
    for (const [name, entry] of Object.entries(report.strategies)) {
      for (const info of metricCatalog) {
        const value = entry.metrics[info.key]
        // No task of this fixture calls a model: the model columns are left out, not left empty.
        if ((modelMetricKeys as readonly string[]).includes(info.key)) {
          expect(value, `${name} ${info.key}`).toBeNull()
          expect(records[name]!, `${name} ${info.key}`).not.toHaveProperty(info.key)
          continue
        }
        expect(records[name]![info.key], `${name} ${info.key}`).toBe(value === null ? '' : String(value))
      }
      const wcr = entry.intervals.wcr!
      expect([records[name]!['wcr_lower'], records[name]!['wcr_upper']]).toEqual([String(wcr.lower), String(wcr.upper)])
    }
  })

  it('agree on the paired comparison with B2', () => {
    const expected = Object.fromEntries(
      Object.entries(report.strategies)
        .filter(([, entry]) => entry.paired !== null)
        .map(([name, entry]) => [name, { difference: formatSigned(entry.paired!.difference), p: formatPValue(entry.paired!.p_value) }]),
    )
    expect(Object.keys(expected)).toEqual(['B0', 'B4'])
    expect(terminalPaired(first.stdout)).toEqual(expected)
    expect(markdownPaired(files['report.md']!)).toEqual(expected)
    expect(htmlPaired(files['report.html']!)).toEqual(expected)
  })

  it('agree on RCA accuracy and the learning curve', () => {
    const rca = report.strategies['B4']!.rca!
    expect(rca.diagnosing).toBe(true)
    const layer = formatMetric('rca_layer_acc', rca.per_event.layer_acc)
    const firstLayer = formatMetric('rca_layer_acc', rca.first_error.layer_acc)
    const action = formatMetric('rca_action_acc', rca.per_event.action_acc)
    expect(first.stdout).toContain(`layer acc ${layer}, first error ${firstLayer}`)
    expect(files['report.md']).toContain(`Layer accuracy ${layer} per event, ${firstLayer} on first errors; action accuracy ${action} per event`)
    expect(files['report.html']).toContain(`Layer accuracy <b data-field="layer_acc">${layer}</b> (first error ${firstLayer}), action accuracy <b data-field="action_acc">${action}</b>`)
    // B0 and B2 decide by rules only: no matrix for them anywhere.
    expect(first.stdout).not.toMatch(/^ {2}B[02] \(/m)
    expect(files['report.md']).not.toMatch(/^### B[02]$/m)

    for (const [name, entry] of Object.entries(report.strategies)) {
      const firstBatch = entry.learning_curve.first_batch_reaching
      const shown = firstBatch === null ? 'never' : String(firstBatch)
      expect(first.stdout).toMatch(new RegExp(`^ {2}${name} +\\S+ {2}${firstBatch === null ? 'never' : `batch ${firstBatch}`}$`, 'm'))
      expect(files['report.md']).toMatch(new RegExp(`^\\| ${name} \\| \`\\S+\` \\| ${entry.learning_curve.batches.length} \\| ${shown} \\|$`, 'm'))
    }
  })

  it('agree on the gates', () => {
    const expected = report.gates.map((gate) => [gate.pass ? 'pass' : 'FAIL', gate.strategy, gate.metric, describeRequirement(gate), describeActual(gate, report)])
    expect(terminalGates(first.stdout)).toEqual(expected)
    expect(markdownGates(files['report.md']!)).toEqual(expected)
    expect(htmlGates(files['report.html']!)).toEqual(expected)
  })

  describe('gates and baseline', () => {
    it('fails the run on a missed threshold, with one line per gate, and passes the unchanged baseline', async () => {
      // B0 does not recover, and checkout-conflict always meets a conflict: B0 cannot complete all.
      const run = await runVitest('reports', [], { ...baseEnv, AWRR_GATES: 'B0.wcr>=1,B4.tasks==32', AWRR_FIXTURE_BASELINE: baselineFile })
      expect(run.code, run.output).toBe(1)
      const b0 = formatMetric('wcr', report.strategies['B0']!.metrics.wcr)
      expect(run.stdout).toMatch(new RegExp(`^ {2}FAIL {2}B0 {2}wcr +required >= 1 +actual ${b0}$`, 'm'))
      expect(run.stdout).toMatch(/^ {2}pass {2}B4 {2}tasks +required == 32 +actual 32$/m)
      const again = readJson('report.json')
      const baselineGates = again.gates.filter((gate) => gate.kind === 'baseline')
      expect(baselineGates.length).toBeGreaterThan(20)
      expect(baselineGates.every((gate) => gate.pass)).toBe(true)
      expect(run.stdout).toContain(`baseline ${baselineFile}: ${baselineGates.length} of ${baselineGates.length} metrics within tolerance`)
      // Same seed, same tasks: apart from the gates, the same report as run A.
      expect({ ...again, gates: [] }).toEqual({ ...report, gates: [] })
    })

    it('catches a regression against the baseline beyond the tolerance', async () => {
      // A tighter tool-call budget stands in for a change that makes recovery worse.
      const run = await runVitest('reports', [], { ...baseEnv, AWRR_GATES: '', AWRR_FIXTURE_BASELINE: baselineFile, AWRR_FIXTURE_MAX_TOOL_CALLS: '6' })
      expect(run.code, run.output).toBe(1)
      const head = readJson('report.json')
      const tolerance = (metric: string) => (metric === 'wcr' ? 0.02 : 0.05) // fixtures/reports/vitest.config.ts
      const regressions: string[] = []
      for (const [name, entry] of Object.entries(head.strategies)) {
        for (const info of metricCatalog) {
          const base = report.strategies[name]!.metrics[info.key]
          const value = entry.metrics[info.key]
          if (info.better === null || base === null) continue
          const worse = value === null || (info.better === 'higher' ? value < base - tolerance(info.key) - 1e-9 : value > base + tolerance(info.key) + 1e-9)
          if (worse) regressions.push(`${name} ${info.key}`)
        }
      }
      expect(regressions).toContain('B2 wcr')
      const failed = head.gates.filter((gate) => !gate.pass)
      expect(failed.map((gate) => `${gate.strategy} ${gate.metric}`).sort()).toEqual(regressions.sort())
      for (const gate of failed) {
        expect(gate.kind).toBe('baseline')
        const line = terminalGates(run.stdout).find(([, strategy, metric]) => strategy === gate.strategy && metric === gate.metric)
        expect(line).toEqual(['FAIL', gate.strategy, gate.metric, describeRequirement(gate), describeActual(gate, head)])
      }
      const b2 = head.gates.find((gate) => gate.strategy === 'B2' && gate.metric === 'wcr')!
      expect(describeRequirement(b2)).toMatch(/^>= [\d.]+ \(baseline [\d.]+ - 0\.02\)$/)
      expect(isMetricKey(b2.metric) && metricInfo(b2.metric).better).toBe('higher')
    })
  })

  it('`awrr compare` prints the difference between two reports as Markdown', async () => {
    // Run A's report against a copy in which B2 lost completions.
    const baseFile = out('compare-base.json')
    const headFile = out('compare-head.json')
    const changed = structuredClone(report)
    changed.strategies['B2']!.metrics.wcr = 0.5
    writeFileSync(baseFile, JSON.stringify(report))
    writeFileSync(headFile, JSON.stringify(changed))
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'compare', baseFile, headFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout }))
    })
    expect(run.code).toBe(0)
    const base = formatMetric('wcr', report.strategies['B2']!.metrics.wcr)
    expect(run.stdout).toContain(`| B2 | WCR | ${base} | 0.500 | ${formatSigned(0.5 - report.strategies['B2']!.metrics.wcr!)} | 🔴 worse |`)
  })
})
