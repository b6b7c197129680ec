import { metricCatalog } from './metric-catalog.ts'
import { describe, expect, it } from 'vitest'
import { compareReports, renderComparisonMarkdown } from './compare-reports.ts'
import { buildJsonReport, type JsonReport } from './json-report.ts'
import { makeRun } from './test-fixtures.ts'

const base = buildJsonReport({ seed: 42, strategies: ['B0', 'B2', 'B4'], summaries: makeRun() })

function headWith(change: (report: JsonReport) => void): JsonReport {
  const head = structuredClone(base)
  change(head)
  return head
}

describe('compareReports', () => {
  it('finds nothing between a report and itself', () => {
    const comparison = compareReports(base, base)
    expect(comparison.rows).toEqual([])
    expect(comparison.metricsCompared).toBe(3 * metricCatalog.length)
  })

  it('judges each change by the direction of its metric and ignores float noise', () => {
    const head = headWith((r) => {
      r.strategies['B2']!.metrics.wcr = 0.9 // higher is better
      r.strategies['B4']!.metrics.mttr_ms = r.strategies['B4']!.metrics.mttr_ms! + 40 // lower is better
      r.strategies['B0']!.metrics.cps = r.strategies['B0']!.metrics.cps! + 1e-9 // reads the same
      r.strategies['B0']!.metrics.rr_task = null
      r.strategies['B4']!.metrics.memory_hits += 2 // no direction
    })
    const rows = compareReports(base, head).rows.map((row) => `${row.strategy} ${row.metric.key} ${row.verdict}`)
    expect(rows).toEqual(['B0 rr_task no longer measured', 'B2 wcr better', 'B4 mttr_ms worse', 'B4 memory_hits changed'])
  })

  it('lists strategies only one side ran', () => {
    const head = headWith((r) => {
      r.strategies['STD'] = r.strategies['B0']!
      delete r.strategies['B0']
    })
    const comparison = compareReports(base, head)
    expect(comparison).toMatchObject({ compared: ['B2', 'B4'], onlyBase: ['B0'], onlyHead: ['STD'] })
  })
})

describe('renderComparisonMarkdown', () => {
  it('prints one table row per changed metric, with base, head and difference', () => {
    const head = headWith((r) => {
      r.strategies['B2']!.metrics.wcr = 0.9
      r.gates = [{ kind: 'threshold', strategy: 'B2', metric: 'wcr', op: '>=', value: 0.95, actual: 0.9, pass: false }]
    })
    const markdown = renderComparisonMarkdown(base, head, { base: 'main.json', head: 'pr.json' })
    expect(markdown).toBe(
      [
        '### AWRR: main.json → pr.json',
        '',
        '| Strategy | Metric | Base | Head | Change | |',
        '| :-- | :-- | --: | --: | --: | :-- |',
        `| B2 | WCR | ${base.strategies['B2']!.metrics.wcr!.toFixed(3)} | 0.900 | +${(0.9 - base.strategies['B2']!.metrics.wcr!).toFixed(3)} | 🟢 better |`,
        '',
        `1 of ${3 * metricCatalog.length} metrics changed: 1 better, 0 worse.`,
        'Head gates: **1 of 1 missed** (B2 wcr).',
        '',
      ].join('\n'),
    )
  })

  it('says so when nothing changed, and can list every metric', () => {
    expect(renderComparisonMarkdown(base, base, { base: 'a', head: 'b' })).toContain(`No metric changed (3 strategies, ${3 * metricCatalog.length} metrics compared).`)
    const all = renderComparisonMarkdown(base, base, { base: 'a', head: 'b' }, { all: true })
    expect(all.split('\n').filter((line) => line.startsWith('| B'))).toHaveLength(3 * metricCatalog.length)
  })
})
