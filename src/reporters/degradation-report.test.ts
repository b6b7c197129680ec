import { describe, expect, it } from 'vitest'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import { computeBreakdown } from './breakdown.ts'
import { renderCsvReport } from './csv-report.ts'
import { renderHtmlReport } from './html-report.ts'
import { buildJsonReport } from './json-report.ts'
import { renderMarkdownReport } from './markdown-report.ts'
import { renderTerminalReport } from './terminal-report.ts'
import { makeSummary, noVerdicts } from './test-fixtures.ts'

function task(strategy: string, id: string, fields: Partial<TaskSummary>): TaskSummary {
  return makeSummary({ strategy, id, clean: 'completed', verdicts: noVerdicts, ...fields })
}

const lie = { type: 'SilentNoOp' as const, layer: 'semantic' as const, mode: 'once' as const, position: 'first' as const }
const blip = { type: 'HTTP_500' as const, layer: 'transient' as const, mode: 'per_attempt' as const, position: 'last' as const }

const summaries = [
  task('B2', 'T0', { outcome: 'failed', reason: 'success_oracle_rejected', faultHits: [lie], lies: { received: 1, detected: 0, acted: true } }),
  task('B2', 'T1', { faultHits: [blip], errorEvents: 1, recoveredEvents: 1, recoveryMsTotal: 120, verdicts: { ...noVerdicts, hotLoops: { count: 1, calls: [3] } } }),
  task('B2-verify', 'T0', { faultHits: [lie], lies: { received: 1, detected: 1, acted: false }, errorEvents: 1, recoveredEvents: 1, recoveryMsTotal: 300 }),
  task('B2-verify', 'T1', { faultHits: [blip], errorEvents: 1, recoveredEvents: 1, recoveryMsTotal: 100 }),
]
const report = buildJsonReport({ seed: 42, strategies: ['B2', 'B2-verify'], summaries })

describe('degradation, breakdowns and verdicts', () => {
  it('computes clean WCR, delta WCR, ABD and the verdict counts', () => {
    expect(report.strategies['B2']!.metrics).toMatchObject({ clean_wcr: 1, delta_wcr: -0.5, abd: 0.5, hot_loops: 1, unsafe_retries: 0 })
    expect(report.strategies['B2-verify']!.metrics).toMatchObject({ clean_wcr: 1, delta_wcr: 0, abd: 0 })
  })

  it('breaks WCR, RR_task and MTTR down by type, layer, mode and position', () => {
    const breakdown = computeBreakdown(summaries.filter((summary) => summary.strategy === 'B2'))
    expect(breakdown.type).toEqual([
      { key: 'HTTP_500', tasks: 1, completed: 1, wcr: 1, rr_task: 1, mttr_ms: 120 },
      { key: 'SilentNoOp', tasks: 1, completed: 0, wcr: 0, rr_task: null, mttr_ms: null },
    ])
    expect(breakdown.position.map((row) => row.key)).toEqual(['first', 'last'])
    expect(computeBreakdown([makeSummary()]).layer).toEqual([{ key: 'none', tasks: 1, completed: 1, wcr: 1, rr_task: null, mttr_ms: null }])
  })

  it('lists the offending calls per task in the JSON report', () => {
    expect(report.strategies['B2']!.tasks.find((entry) => entry.id === 'T1')!.offending).toEqual({ hot_loops: [3] })
    expect(report.strategies['B2']!.tasks.find((entry) => entry.id === 'T0')!.lies).toEqual({ received: 1, detected: 0, acted: true })
  })

  it('shows all of it in the terminal, Markdown, HTML and CSV reports', () => {
    const terminal = renderTerminalReport(report)
    expect(terminal).toContain('Degradation and client verdicts')
    expect(terminal).toMatch(/WCR by fault type[\s\S]*SilentNoOp\s+1\s+0\.000\s+1\.000/)
    expect(terminal).toContain('B2  checkout > T1  hot_loops: 3')
    const markdown = renderMarkdownReport(report)
    expect(markdown).toContain('## By fault position')
    expect(markdown).toContain('| SilentNoOp | 1 | 0.000 / - / - | 1.000 / 1.000 / 300 |')
    expect(markdown).toMatch(/\| B2 \| 1\.000 \| -0\.500 \| 0\.500 \| - \| 0 \| 0 \| 1 \| 0 \|/)
    const html = renderHtmlReport(report)
    expect(html).toContain('data-dimension="mode"')
    expect(html).toContain('<td data-metric="delta_wcr">-0.500</td>')
    const csv = renderCsvReport(report).split('\r\n')
    for (const column of ['abd', 'rah', 'unsafe_retries', 'duplicate_side_effects', 'hot_loops', 'ignored_deadlines', 'clean_wcr', 'delta_wcr']) {
      expect(csv[0]!.split(',')).toContain(column)
    }
  })
})
