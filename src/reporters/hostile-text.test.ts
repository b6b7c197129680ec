import MarkdownIt from 'markdown-it'
import { describe, expect, it } from 'vitest'
import { hasControlCharacters } from '../runtime/text/control-characters.ts'
import { renderComparisonMarkdown } from './compare-reports.ts'
import { csvField, renderCsvReport, renderCsvRows } from './csv-report.ts'
import { evaluateThresholds, parseGateList } from './gates.ts'
import { renderHtmlReport } from './html-report.ts'
import { buildJsonReport, withGates, type JsonReport } from './json-report.ts'
import { renderMarkdownReport, renderStepSummary } from './markdown-report.ts'
import { renderTerminalReport } from './terminal-report.ts'
import { makeRun } from './test-fixtures.ts'

// What a scenario in a pull request can put into a report: task ids are any text, a scenario's
// default name is its file name. Each one tries something else on the reader.
const hostileTaskIds = [
  'clear\u001b[2J\u001b[H',
  'link\u001b]8;;https://evil.test/\u0007click\u001b]8;;\u0007',
  'overwrite\rPASSED',
  'bidi\u202egnp.exe\u202c and \u2066isolate\u2069',
  'csi\u009b31m',
]
const hostileScenarios = [
  '<img src=x onerror=alert(1)>',
  '# Heading from a file name',
  '[click](javascript:alert(1))',
  'cell|break|here',
  'line\nbreak',
  'lone\rreturn',
  '=HYPERLINK("https://evil.test")',
]

function hostileReport(): JsonReport {
  const strategies = ['B0', 'B2', 'B4']
  const summaries = hostileScenarios.flatMap((scenario, s) =>
    makeRun({ strategies, scenario, tasks: 4 }).map((summary, i) => ({ ...summary, id: `${hostileTaskIds[(s + i) % hostileTaskIds.length]} ${summary.id}` })),
  )
  const measured = buildJsonReport({ seed: 42, strategies, summaries })
  const report = withGates(measured, evaluateThresholds(parseGateList('*.wcr>=0.99'), measured))
  // Sections that list tasks by name: suspicious tasks, offending calls, incomplete modules.
  const b2 = report.strategies['B2']!
  b2.suspicious = hostileTaskIds.map((id, i) => ({ id, scenario: hostileScenarios[i]!, reason: 'completed_without_calls' }))
  b2.tasks = b2.tasks.map((task) => ({ ...task, offending: { hot_loops: [1, 2] } }))
  return { ...report, incomplete: hostileScenarios.map((name) => ({ strategy: 'B2', file: `scenarios/${name}.scenario.yaml`, missing: 1, error: `boom ${hostileTaskIds[0]}` })) }
}

const report = hostileReport()
// Bidi controls and C1 controls are not matched by a C0 range: hasControlCharacters covers all of them.
const rawControls = (text: string) => text.split(/\r\n|\n/).filter((line) => hasControlCharacters(line))
// The colour codes AWRR adds itself (SGR): what is left must hold no control character.
const withoutOwnColour = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '')

describe('hostile names in the terminal report', () => {
  it('reach it only as visible escapes, with and without colour', () => {
    const plain = renderTerminalReport(report, { color: false, baselinePath: 'base\u001b[2J.json' })
    expect(plain).toContain('clear\\x1b[2J\\x1b[H')
    expect(plain).toContain('overwrite\\rPASSED')
    expect(plain).toContain('bidi\\u202egnp.exe\\u202c')
    expect(rawControls(plain)).toEqual([])
    const coloured = renderTerminalReport(report, { color: true })
    expect(coloured).toContain('\u001b[')
    expect(rawControls(withoutOwnColour(coloured))).toEqual([])
  })
})

/** GitHub-flavoured rendering (tables, raw HTML allowed, bare links linked), to see what a reader gets. */
const markdown = new MarkdownIt({ html: true, linkify: true })

function renderedHtml(text: string) {
  const html = markdown.render(text)
  return {
    html,
    headings: [...html.matchAll(/<h(\d)>(.*?)<\/h\1>/g)].map((match) => `h${match[1]} ${match[2]}`),
    rows: [...html.matchAll(/<tr>/g)].length,
    tags: [...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((match) => match[1]!.toLowerCase()),
  }
}

// The tags AWRR's own Markdown produces: tables, headings, paragraphs, lists, bold and code.
const ownTags = new Set(['table', 'thead', 'tbody', 'tr', 'th', 'td', 'h1', 'h2', 'h3', 'h4', 'p', 'ul', 'li', 'strong', 'code'])

/**
 * Links in the rendered HTML other than bare http(s) addresses shown as themselves: GitHub, like
 * markdown-it's linkify, turns a visible `https://...` in any text into a link to exactly that.
 */
const foreignLinks = (html: string) =>
  [...html.matchAll(/<a href="([^"]*)">(.*?)<\/a>/g)]
    .filter(([, href, text]) => !/^https?:\/\//.test(href!) || !/^https?:\/\//.test(text!) || new URL(href!).host !== new URL(text!).host)
    .map(([link]) => link)
const foreignTags = (rendered: { tags: string[] }) => rendered.tags.filter((tag) => !ownTags.has(tag) && tag !== 'a')

describe('hostile names in report.md and the step summary', () => {
  for (const [name, render] of [
    ['report.md', renderMarkdownReport],
    ['step summary', renderStepSummary],
  ] as const) {
    it(`${name}: no tag, link, heading or table row comes from a name`, () => {
      const text = render(report)
      const rendered = renderedHtml(text)
      expect(foreignTags(rendered)).toEqual([])
      expect(foreignLinks(rendered.html)).toEqual([])
      expect(rendered.html).not.toMatch(/<img|href="javascript|<[^>]*\bon[a-z]+=/i)
      // Names show up inside AWRR's own headings (a task set's), never as a heading of their own.
      expect(rendered.headings.filter((heading) => /^h\d (Heading from|&lt;img|\[click|click)/.test(heading))).toEqual([])
      expect(rendered.headings.length).toBeGreaterThan(2)
      expect(rawControls(text)).toEqual([])
      // Every row of the text is one row of the rendered tables: no `|`, `\r` or `\n` split one.
      const tableLines = text.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| :--') && !/^\| (:--|--:)/.test(line))
      expect(rendered.rows).toBe(tableLines.length)
      expect(rendered.html).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(rendered.html).toContain('[click](javascript:alert(1))')
    })
  }

  it('report.md shows a lone CR, a line break and a screen clear as escapes', () => {
    const text = renderMarkdownReport(report)
    expect(text).toContain('lone\\\\rreturn')
    expect(text).toContain('line\\\\nbreak')
    expect(text).toContain('clear\\\\x1b\\[2J')
  })
})

describe('awrr compare on a hostile head report', () => {
  const base = buildJsonReport({ seed: 42, strategies: ['B2'], summaries: makeRun({ strategies: ['B2'] }) })
  // A head report is a file from the branch under review: any JSON at all.
  const head = JSON.parse(
    JSON.stringify({
      ...base,
      seed: '<img src=x onerror=alert(1)>',
      strategies: {
        ...base.strategies,
        '# <script>alert(1)</script>': base.strategies['B2'],
        B2: { ...base.strategies['B2'], metrics: { ...base.strategies['B2']!.metrics, wcr: '<img src=x onerror=alert(2)>', hir: 0.5 } },
      },
      gates: [
        { kind: 'threshold', strategy: '[x](javascript:alert(3))', metric: '<img src=x onerror=alert(4)>\n# Owned\rnow', op: '>=', value: 1, actual: 0, pass: false },
      ],
    }),
  ) as JsonReport

  it('puts no tag, link or heading of the head report into the comment', () => {
    const text = renderComparisonMarkdown(base, head, { base: 'main.json', head: 'pr\u001b[2J|x.json' })
    const rendered = renderedHtml(text)
    expect(foreignTags(rendered)).toEqual([])
      expect(foreignLinks(rendered.html)).toEqual([])
    expect(rendered.html).not.toMatch(/<img|<script|href=/i)
    expect(rendered.headings).toEqual(['h3 AWRR: main.json → pr\\x1b[2J|x.json'])
    expect(rawControls(text)).toEqual([])
    expect(text).toContain('\\<img src=x onerror=alert(4)\\>\\\\n\\# Owned\\\\rnow')
    expect(text).toContain('Only in head: \\# \\<script\\>alert(1)\\</script\\>.')
  })

  it('reads a metric that is not a number as not measured', () => {
    const text = renderComparisonMarkdown(base, head, { base: 'a', head: 'b' })
    expect(text).toMatch(/\| B2 \| WCR \| \d\.\d{3} \| - \| {2}\| 🔴 no longer measured \|/)
  })
})

describe('hostile names in report.csv', () => {
  const names = ['=HYPERLINK("https://evil.test","x")', '+1+cmd', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', 'ok']
  const csvReport = buildJsonReport({ seed: 1, strategies: names, summaries: makeRun({ strategies: names, tasks: 6 }) })
  const csv = renderCsvReport(csvReport)
  const rows = csv.trimEnd().split('\r\n')

  it('starts no cell with a formula character: each text cell gets a leading quote', () => {
    const firstCells = rows.slice(1).map((row) => /^("(?:[^"]|"")*"|[^,]*)/.exec(row)![1])
    // A tab or CR in a name is shown as an escape (`\t`) before it reaches the cell.
    expect(firstCells).toEqual([`"'=HYPERLINK(""https://evil.test"",""x"")"`, "'+1+cmd", "'-2+3", "'@SUM(A1)", '\\tTAB', '\\rCR', 'ok'])
  })

  it('csvField neutralises a leading tab or CR and quotes what needs it', () => {
    expect(csvField('\tx')).toBe(`"'\tx"`)
    expect(csvField('\rx')).toBe(`"'\rx"`)
    expect(csvField('=1+1')).toBe("'=1+1")
    expect(csvField('\uff1dcmd')).toBe("'\uff1dcmd")
    expect(csvField(-0.25)).toBe('-0.25')
  })

  it('keeps negative numbers as numbers', () => {
    expect(renderCsvRows([[-0.25, '-0.25', 'x']])).toBe("-0.25,'-0.25,x\r\n")
  })
})

describe('hostile names in report.html', () => {
  it('shows control characters as escapes', () => {
    const html = renderHtmlReport(report)
    expect(rawControls(html)).toEqual([])
    expect(html).toContain('bidi\\u202egnp.exe')
  })
})
