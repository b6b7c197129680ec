import { stripVTControlCharacters } from 'node:util'
import { Chalk } from 'chalk'
import { describe, expect, it } from 'vitest'
import { renderLeaderboard, renderLeaderboardMarkdown, type LeaderboardRow } from './leaderboard.ts'
import { computeStrategyMetrics, type StrategyMetrics } from './metrics.ts'

const empty = computeStrategyMetrics([])

function metrics(overrides: Partial<StrategyMetrics>): StrategyMetrics {
  return { ...empty, tasks: 4, ...overrides }
}

const rows: LeaderboardRow[] = [
  { strategy: 'B0', metrics: metrics({ wcr: 0.5, rr_task: 0, rr_event: 0, rco: 0, cps: 5, hir: 0, uar: 0.25, srr: 0 }) },
  {
    strategy: 'B2',
    metrics: metrics({ wcr: 0.75, rr_task: 2 / 3, rr_event: 0.5, mttr_ms: 212.4, rco: 0.2, cps: 6, hir: 0.25, uar: 0, srr: 1 }),
  },
  {
    strategy: 'B4-with-memory',
    metrics: metrics({ wcr: 0.75, rr_task: 2 / 3, rr_event: 0.8, mttr_ms: 150, rco: 0.3, cps: 6.5, hir: 0, uar: 0, srr: 1, diagnoser_calls: 12 }),
  },
  { strategy: 'ORACLE', metrics: metrics({ wcr: 1, rr_task: 1, rr_event: 1, mttr_ms: 10, rco: 0.1, cps: 5, hir: 0, uar: 0, srr: 1 }) },
]

/** Splits a rendered table into cells using the dashes of its separator line as column spans. */
function parseTable(rendered: string): { cells: string[][]; spans: [number, number][]; lines: string[] } {
  const lines = stripVTControlCharacters(rendered).split('\n')
  const separator = lines[1]!
  const spans = [...separator.matchAll(/-+/g)].map((m): [number, number] => [m.index, m.index + m[0].length])
  const tableLines = [lines[0]!, ...lines.slice(2, 2 + rows.length)]
  for (const line of tableLines) {
    expect(line.length).toBeLessThanOrEqual(separator.length)
    const padded = line.padEnd(separator.length)
    // Everything between two columns is blank: nothing spills over.
    for (let i = 0; i < spans.length - 1; i++) expect(padded.slice(spans[i]![1], spans[i + 1]![0])).toBe('  ')
  }
  const cells = tableLines.map((line) => spans.map(([start, end]) => line.padEnd(separator.length).slice(start, end)))
  return { cells, spans, lines }
}

describe('renderLeaderboard without colour', () => {
  const rendered = renderLeaderboard(rows, { color: false })
  const { cells, lines } = parseTable(rendered)

  it('has no escape codes', () => {
    expect(rendered).toBe(stripVTControlCharacters(rendered))
  })

  it('aligns every column, names left and numbers right', () => {
    expect(cells[0]!.map((c) => c.trim())).toEqual([
      'Strategy', 'WCR', 'RR_task', 'RR_event', 'MTTR ms', 'RCO', 'CPS', 'HIR', 'UAR', 'ABD', 'SRR', 'Diag calls',
    ])
    expect(cells[3]![0]).toBe('B4-with-memory')
    expect(cells[1]![0]).toBe('B0'.padEnd(cells[3]![0]!.length))
    // Right-aligned with a one-character mark slot, so digits line up with or without a mark.
    for (const line of cells.slice(1)) for (const cell of line.slice(1)) expect(cell).toMatch(/^ *\S+[ *]$/)
    expect(cells[0]![4]).toMatch(/^ *MTTR ms $/)
  })

  it('marks the best value of each column with *, higher or lower as the metric wants', () => {
    const b0 = cells[1]!, b2 = cells[2]!, b4 = cells[3]!
    expect([b0[1], b2[1], b4[1]].map((c) => c!.trim())).toEqual(['0.500', '0.750*', '0.750*']) // WCR ties
    expect(b4[3]!.trim()).toBe('0.800*') // RR_event, higher
    expect(b4[4]!.trim()).toBe('150*') // MTTR, lower; B0 has none
    expect(b0[5]!.trim()).toBe('0.000*') // RCO, lower
    expect(b0[7]!.trim()).toBe('0.000*') // HIR, lower; ties with B4
    expect(b4[7]!.trim()).toBe('0.000*')
    expect(b0[8]!.trim()).toBe('0.250') // UAR
  })

  it('shows a missing denominator as -', () => {
    expect(cells[1]![4]!.trim()).toBe('-')
  })

  it('leaves the reference strategy unmarked and does not mark a column where all tie', () => {
    expect(cells[4]!.slice(1).join('')).not.toContain('*')
    expect(cells[4]![1]!.trim()).toBe('1.000')
    // Diag calls: B0 0, B2 0, B4 12 -> B0 and B2 best.
    expect(cells.slice(1, 4).map((c) => c[11]!.trim())).toEqual(['0*', '0*', '12'])
    // Legend and note would pass the table's right edge on one line.
    expect(lines.at(-2)).toMatch(/^\* best per column \(higher is better for WCR, RR_task, RR_event, SRR; lower for the rest\)$/)
    expect(lines.at(-1)).toBe('ORACLE not ranked (reference)')
  })

  it('does not mark anything with a single ranked strategy', () => {
    const single = renderLeaderboard([rows[1]!], { color: false })
    expect(single.split('\n').slice(0, 3).join('\n')).not.toContain('*')
  })
})

describe('renderLeaderboard with colour', () => {
  const rendered = renderLeaderboard(rows, { color: true })
  const chalk = new Chalk({ level: 1 })

  it('uses colour codes, and measures widths without them', () => {
    expect(rendered).not.toBe(stripVTControlCharacters(rendered))
    const { cells } = parseTable(rendered)
    for (const line of cells.slice(1)) for (const cell of line.slice(1)) expect(cell).toMatch(/^ *\S+$/)
    expect(cells[0]![4]).toMatch(/^ *MTTR ms$/)
  })

  it('marks the best values in bold green instead of *', () => {
    expect(rendered).toContain(chalk.bold.green('0.800'))
    expect(rendered).not.toContain(chalk.bold.green('0.500'))
    expect(stripVTControlCharacters(rendered).split('\n').slice(0, 6).join('\n')).not.toContain('*')
  })

  it('renders the same text once colour is stripped, apart from the mark slot', () => {
    const plain = renderLeaderboard(rows, { color: false })
    const normalize = (text: string) =>
      stripVTControlCharacters(text)
        .split('\n')
        .slice(2, 6)
        .map((line) => line.replace(/[* ]+/g, ' ').trim())
    expect(normalize(rendered)).toEqual(normalize(plain))
  })
})

describe('renderLeaderboardMarkdown', () => {
  const markdown = renderLeaderboardMarkdown([
    ...rows,
    { strategy: 'my|strategy', metrics: metrics({ wcr: 0 }) },
  ])
  const lines = markdown.split('\n')

  it('renders a GitHub table with numbers right-aligned', () => {
    expect(lines[0]).toBe('| Strategy | WCR | RR_task | RR_event | MTTR ms | RCO | CPS | HIR | UAR | ABD | SRR | Diag calls |')
    expect(lines[1]).toBe('| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |')
  })

  it('shows the same numbers as the terminal table, best in bold', () => {
    expect(lines[3]).toBe('| B2 | **0.750** | **0.667** | 0.500 | 212 | 0.200 | 6.00 | 0.250 | **0.000** | - | **1.000** | **0** |')
    expect(lines[2]).toContain('| - |')
  })

  it('escapes pipes in names', () => {
    expect(lines.at(-1)).toMatch(/^\| my\\\|strategy \| /)
  })
})

describe('model columns', () => {
  it('appear only when some task called a model, with the cheapest marked', () => {
    expect(renderLeaderboard(rows)).not.toContain('Tokens')
    const withModel: LeaderboardRow[] = [
      { strategy: 'agent-v1', metrics: metrics({ wcr: 0.5, llm_calls: 4, tokens: 900, cost_usd: 0.00042, llm_calls_per_completed: 5, tokens_per_completed: 1000, cost_usd_per_completed: 0.0005 }) },
      { strategy: 'agent-v2', metrics: metrics({ wcr: 0.75, llm_calls: 3, tokens: 600, cost_usd: null, llm_calls_per_completed: 3, tokens_per_completed: 600, cost_usd_per_completed: null }) },
    ]
    const text = renderLeaderboard(withModel)
    const header = text.split('\n')[0]!
    for (const label of ['LLM calls', 'Tokens', 'Cost $', 'LLM/done', 'Tok/done', '$/done']) expect(header).toContain(label)
    const v1 = text.split('\n').find((line) => line.startsWith('agent-v1'))!
    const v2 = text.split('\n').find((line) => line.startsWith('agent-v2'))!
    expect(v1).toContain('0.000420')
    expect(v2).toMatch(/3\.00\*\s+600\*\s+-/)
    expect(renderLeaderboardMarkdown(withModel).split('\n')[0]).toContain('| Cost $ |')
  })
})
