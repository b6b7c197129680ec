import { describe, expect, it } from 'vitest'
import { csvField, renderCsvReport } from './csv-report.ts'
import { evaluateThresholds, parseGateList } from './gates.ts'
import { renderHtmlReport } from './html-report.ts'
import { buildJsonReport, withGates } from './json-report.ts'
import { renderMarkdownReport, renderStepSummary } from './markdown-report.ts'
import { makeRun } from './test-fixtures.ts'

// Names a user could write: a strategy module's project name and a scenario with markup in it.
const evilStrategy = 'mine<script>alert(1)</script>|*x*'
const evilScenario = `<img src=x onerror=alert(1)>&"q", 'done'`
const strategies = ['B0', 'B2', 'B4', evilStrategy]
const summaries = [...makeRun({ strategies }), ...makeRun({ strategies, scenario: evilScenario, tasks: 2 })]
const measured = buildJsonReport({ seed: 7, strategies, summaries })
const report = withGates(measured, evaluateThresholds(parseGateList('*.wcr>=0.7'), measured))

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(report)

  it('is one self-contained page that cannot fetch anything', () => {
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|url\(|@import/i)
    const tags = html.match(/<[^>]+>/g)!
    expect(tags.length).toBeGreaterThan(100)
    for (const tag of tags) expect(tag).not.toMatch(/^<(script|link|iframe|img|object|embed|image|use)\b|\b(src|href|xlink:href|srcset)=|\bon[a-z]+=/i)
  })

  it('escapes every name from a scenario or a strategy', () => {
    expect(html).not.toContain('<img')
    expect(html).not.toContain('alert(1)</script>')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;q&quot;, &#39;done&#39;')
    expect(html).toContain('mine&lt;script&gt;alert(1)&lt;/script&gt;|*x*')
  })

  it('has every chart: one per rate, cost, learning curve, and two heat maps per diagnosing strategy', () => {
    const charts = [...html.matchAll(/<svg class="chart chart-(\w+)"[^>]* width="(\d+)" height="(\d+)"/g)]
    const kinds = charts.map((m) => m[1])
    expect(kinds.filter((k) => k === 'rate')).toHaveLength(9)
    expect(kinds.filter((k) => k === 'cost')).toHaveLength(1)
    expect(kinds.filter((k) => k === 'learning')).toHaveLength(1)
    expect(kinds.filter((k) => k === 'heatmap')).toHaveLength(2) // B4 only: the others use rules
    for (const chart of charts) expect(Number(chart[2]) * Number(chart[3])).toBeGreaterThan(0)
  })

  it('shows the leaderboard numbers as the terminal formats them', () => {
    const b4 = report.strategies['B4']!.metrics
    expect(html).toMatch(new RegExp(`<td data-metric="wcr"( class="best")?>${b4.wcr!.toFixed(3)}</td>`))
    expect(html).toMatch(new RegExp(`<td data-metric="cps"( class="best")?>${b4.cps!.toFixed(2)}</td>`))
  })

  it('is the same for the same report', () => {
    expect(renderHtmlReport(report)).toBe(html)
  })
})

describe('renderMarkdownReport', () => {
  const markdown = renderMarkdownReport(report)

  it('escapes names so that they stay text in a table', () => {
    expect(markdown).toContain('| \\<img src=x onerror=alert(1)\\>\\&"q", \'done\' |')
    expect(markdown).toContain('mine\\<script\\>alert(1)\\</script\\>\\|\\*x\\*')
    expect(markdown).not.toMatch(/(^|[^\\])<img/)
  })

  it('has every section the run has data for', () => {
    for (const heading of ['## Leaderboard', '## Rates with 95% Wilson intervals', '## Paired with B2 on the same tasks', '## Root-cause analysis', '### B4', '## Learning curve', '## Completed per scenario', '## Gates']) {
      expect(markdown).toContain(`\n${heading}\n`)
    }
    expect(markdown).not.toContain('## pass^k')
    expect(markdown).not.toContain('### B2')
  })

  it('writes each rate with its interval', () => {
    const b2 = report.strategies['B2']!
    const interval = b2.intervals.wcr!
    expect(markdown).toContain(`| B2 | ${b2.metrics.wcr!.toFixed(3)} [${interval.lower.toFixed(3)}, ${interval.upper.toFixed(3)}] |`)
  })
})

describe('renderStepSummary', () => {
  it('is the leaderboard and the missed gates only', () => {
    const summary = renderStepSummary(report)
    expect(summary).toMatch(/^### AWRR leaderboard \(seed 7, 26 tasks\)\n\n\| Strategy \|/)
    const missed = report.gates.filter((g) => !g.pass)
    expect(missed.length).toBeGreaterThan(0)
    expect(summary).toContain(`**${missed.length} of ${report.gates.length} gates missed:**`)
    expect(summary.match(/\| \*\*FAIL\*\* \|/g)).toHaveLength(missed.length)
    expect(summary).not.toContain('| pass |')
  })
})

describe('renderCsvReport', () => {
  const csv = renderCsvReport(report)
  const [header, ...rows] = csv.trimEnd().split('\r\n')

  it('has one row per strategy and every metric with its interval bounds', () => {
    const columns = header!.split(',')
    expect(columns.slice(0, 6)).toEqual(['strategy', 'wcr', 'wcr_lower', 'wcr_upper', 'rr_task', 'rr_task_lower'])
    expect(columns).toContain('mcnemar_p')
    expect(rows).toHaveLength(strategies.length)
  })

  it('keeps full precision and leaves unmeasured fields empty', () => {
    const columns = header!.split(',')
    const b4 = rows.find((row) => row.startsWith('B4,'))!.split(',')
    expect(Number(b4[columns.indexOf('wcr')])).toBe(report.strategies['B4']!.metrics.wcr)
    expect(Number(b4[columns.indexOf('mcnemar_p')])).toBe(report.strategies['B4']!.paired!.p_value)
    expect(b4[columns.indexOf('pass_k')]).toBe('')
  })

  it('quotes fields that need it', () => {
    expect(rows.at(-1)).toMatch(/^mine<script>alert\(1\)<\/script>\|\*x\*,/)
    expect(csvField('a,"b"')).toBe('"a,""b"""')
    expect(csvField(' padded')).toBe('" padded"')
    expect(csvField('line\nbreak')).toBe('"line\nbreak"')
    expect(csvField(null)).toBe('')
    expect(csvField(0.1)).toBe('0.1')
  })
})
