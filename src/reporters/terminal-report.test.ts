import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { evaluateThresholds, parseGateList } from './gates.ts'
import { buildJsonReport, withGates } from './json-report.ts'
import { renderTerminalReport } from './terminal-report.ts'
import { makeRun } from './test-fixtures.ts'

const strategies = ['B0', 'B2', 'B4']
const report = buildJsonReport({ seed: 42, strategies, summaries: makeRun() })

describe('renderTerminalReport', () => {
  const text = renderTerminalReport(report)
  const lines = text.split('\n')

  it('starts with the leaderboard', () => {
    expect(lines[0]).toBe('AWRR leaderboard (seed 42, 24 tasks, 3 strategies)')
    expect(lines[1]).toMatch(/^Strategy +WCR +RR_task/)
  })

  it('pairs every strategy with the reference', () => {
    const b0 = report.strategies['B0']!.paired!
    expect(text).toContain('Paired with B2 on the same tasks')
    expect(text).toMatch(new RegExp(`B0 ${b0.difference.toFixed(3).replace('+', '\\+')} \\(p [<0-9.]+\\)`))
    expect(text).not.toMatch(/^ +B2 [+-]?\d\.\d{3} \(p/m)
  })

  it('shows the RCA matrix only for strategies that diagnose with more than rules', () => {
    expect(text).toContain('Root-cause analysis')
    expect(text).toMatch(/^ {2}B4 \(diagnoser, memory; \d+ fault events\)$/m)
    expect(text).not.toMatch(/^ {2}B2 \(rule/m)
    const rca = report.strategies['B4']!.rca!.per_event
    const transientRow = lines.find((line) => /^ {2}transient +\d/.test(line))!
    expect(transientRow.trim().split(/ +/).slice(1).map(Number)).toEqual(rca.layer_matrix.counts[0])
  })

  it('draws a learning curve per strategy with its first batch reaching 0.8', () => {
    for (const name of strategies) {
      const first = report.strategies[name]!.learning_curve.first_batch_reaching
      expect(text).toMatch(new RegExp(`^ {2}${name} +[▁▂▃▄▅▆▇█ ]{4} {2}${first === null ? "never" : `batch ${first}`}$`, 'm'))
    }
  })

  it('leaves out sections with nothing to show', () => {
    expect(text).not.toContain('pass^k')
    expect(text).not.toContain('Gates')
    const single = renderTerminalReport(buildJsonReport({ seed: 1, strategies: ['B0'], summaries: makeRun({ strategies: ['B0'], tasks: 3 }) }))
    expect(single).not.toContain('Paired with')
    expect(single).not.toContain('Learning curve')
    expect(single).not.toContain('Root-cause analysis')
  })

  it('shows pass^k when tasks were repeated', () => {
    const repeated = buildJsonReport({ seed: 1, strategies, summaries: makeRun({ repeats: 3 }) })
    const shown = renderTerminalReport(repeated)
    expect(shown).toContain(`B4 k=3 ${repeated.strategies['B4']!.metrics.pass_k!.toFixed(3)}`)
  })

  it('lists every threshold gate and only the missed baseline gates', () => {
    const gates = evaluateThresholds(parseGateList('B4.wcr>=0.5,B0.uar<=0'), report)
    const withBaselineGates = withGates(report, [
      ...gates,
      { kind: 'baseline', strategy: 'B2', metric: 'cps', op: '<=', value: 5, actual: 6.5, pass: false, baseline: 5, tolerance: 0 },
      { kind: 'baseline', strategy: 'B2', metric: 'wcr', op: '>=', value: 0.1, actual: 0.5, pass: true, baseline: 0.1, tolerance: 0 },
    ])
    const shown = renderTerminalReport(withBaselineGates, { baselinePath: '.awrr/baseline.json' }).split('\n')
    const start = shown.findIndex((line) => line.startsWith('Gates: '))
    expect(shown.slice(start)).toEqual([
      'Gates: 2 of 4 missed',
      expect.stringMatching(/^ {2}pass {2}B4 {2}wcr {2}required >= 0\.5 +actual \d\.\d{3}$/),
      expect.stringMatching(/^ {2}FAIL {2}B0 {2}uar {2}required <= 0 +actual 0\.\d{3}$/),
      expect.stringMatching(/^ {2}FAIL {2}B2 {2}cps {2}required <= 5 \(baseline\) +actual 6\.50$/),
      '  baseline .awrr/baseline.json: 1 of 2 metrics within tolerance',
    ])
  })

  it('fits one screen for seven strategies, two of them diagnosing', () => {
    const seven = ['B0', 'B1', 'B2', 'STD', 'B3', 'B4', 'ORACLE']
    const summaries = makeRun({ strategies: seven, tasks: 100 }).map((summary) =>
      summary.strategy === 'B3' ? { ...summary, diagnoses: summary.diagnoses.map((d) => ({ ...d, source: 'diagnoser' as const })) } : summary,
    )
    const big = buildJsonReport({ seed: 42, strategies: seven, summaries })
    const gates = evaluateThresholds(parseGateList('B4.srr>=0.95,*.uar<=0'), big)
    const shown = renderTerminalReport(withGates(big, gates), { color: true })
    const plain = stripVTControlCharacters(shown).split('\n')
    expect(plain.length).toBeLessThanOrEqual(60)
    expect(Math.max(...plain.map((line) => line.length))).toBeLessThanOrEqual(120)
    // The two RCA matrices sit side by side, on the same lines.
    const headers = plain.filter((line) => line.includes('truth\\pred'))
    expect(headers).toHaveLength(1)
    expect(headers[0]!.split('truth\\pred')).toHaveLength(3)
  })
})
