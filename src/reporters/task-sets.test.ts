import { describe, expect, it } from 'vitest'
import { renderCsvReport } from './csv-report.ts'
import { renderHtmlReport } from './html-report.ts'
import { buildJsonReport, groupTaskSets, parseJsonReport, serializeJsonReport } from './json-report.ts'
import { renderMarkdownReport, renderStepSummary } from './markdown-report.ts'
import { renderTerminalReport } from './terminal-report.ts'
import { makeRun, makeSummary } from './test-fixtures.ts'

// Strategies over the workflow suite, two agent versions over other tasks: a mixed run. The
// agents' `idle` task completed without a single recorded call.
const strategySummaries = makeRun({ strategies: ['B0', 'B2'], tasks: 6 })
const agentSummaries = ['shop-v1', 'shop-v2'].flatMap((strategy) => [
  makeSummary({ strategy, scenario: 'order', id: 'main', toolCalls: 3 }),
  makeSummary({ strategy, scenario: 'idle', id: 'main', index: 0, toolCalls: 0 }),
  makeSummary({ strategy, scenario: 'refund', id: 'main', toolCalls: 2, outcome: strategy === 'shop-v1' ? 'failed' : 'completed', reason: 'agent_error' }),
])
const report = buildJsonReport({ seed: 42, strategies: ['B0', 'B2', 'shop-v1', 'shop-v2'], summaries: [...strategySummaries, ...agentSummaries] })

describe('task sets', () => {
  it('group strategies by the exact tasks they ran', () => {
    expect(report.task_sets).toEqual([
      { strategies: ['B0', 'B2'], tasks: 6, scenarios: ['suite'], reference: 'B2' },
      { strategies: ['shop-v1', 'shop-v2'], tasks: 3, scenarios: ['idle', 'order', 'refund'], reference: 'shop-v1' },
    ])
  })

  it('pair only within a set: the agents with their first version, never with B2', () => {
    expect(report.strategies['B0']!.paired?.reference).toBe('B2')
    expect(report.strategies['shop-v2']!.paired).toMatchObject({ reference: 'shop-v1', pairs: 3, only_this: 1, only_reference: 0 })
    expect(report.strategies['shop-v1']!.paired).toBeNull()
    expect(report.strategies['B2']!.paired).toBeNull()
  })

  it('keep one set, and no pairing, when the reference did not run at all', () => {
    const alone = buildJsonReport({ seed: 1, strategies: ['B0', 'B1'], summaries: makeRun({ strategies: ['B0', 'B1'], tasks: 4 }) })
    expect(alone.task_sets).toEqual([{ strategies: ['B0', 'B1'], tasks: 4, scenarios: ['suite'], reference: null }])
    expect(alone.strategies['B0']!.paired).toBeNull()
  })

  it('count repeats of a task as one task', () => {
    const sets = groupTaskSets(
      new Map([
        ['A', [{ scenario: 's', id: 't' }, { scenario: 's', id: 't' }]],
        ['B', [{ scenario: 's', id: 't' }]],
      ]),
      'A',
    )
    expect(sets).toEqual([{ strategies: ['A', 'B'], tasks: 1, scenarios: ['s'], reference: 'A' }])
  })

  it('print one leaderboard per set in the terminal, never both kinds in one table', () => {
    const text = renderTerminalReport(report)
    expect(text).toContain('AWRR leaderboards (seed 42, 9 tasks, 4 strategies, 2 task sets)')
    const tables = text.split('\n\n').filter((block) => /^Leaderboard, task set/.test(block))
    expect(tables).toHaveLength(2)
    expect(tables[0]).toMatch(/^Leaderboard, task set 1 of 2: 6 tasks \(suite\), 2 strategies\n/)
    expect(tables[1]).toMatch(/^Leaderboard, task set 2 of 2: 3 tasks \(idle, order, refund\), 2 strategies\n/)
    const rowsOf = (table: string) => table.split('\n').filter((line) => /^(B0|B2|shop-v1|shop-v2) /.test(line)).map((line) => line.split(' ')[0])
    expect(rowsOf(tables[0]!)).toEqual(['B0', 'B2'])
    expect(rowsOf(tables[1]!)).toEqual(['shop-v1', 'shop-v2'])
    expect(text).toContain('Paired with B2 on the same tasks')
    expect(text).toContain('Paired with shop-v1 on the same tasks')
  })

  it('leave a run with one task set as it was: one table, no set headings', () => {
    const single = renderTerminalReport(buildJsonReport({ seed: 42, strategies: ['B0', 'B2'], summaries: strategySummaries }))
    expect(single.split('\n')[0]).toBe('AWRR leaderboard (seed 42, 6 tasks, 2 strategies)')
    expect(single).not.toContain('task set')
  })

  it('split the Markdown, step summary and HTML leaderboards the same way', () => {
    const markdown = renderMarkdownReport(report)
    expect(markdown).toContain('### Task set 1 of 2: 6 tasks (suite)')
    expect(markdown).toContain('### Task set 2 of 2: 3 tasks (idle, order, refund)')
    const leaderboardTables = markdown
      .split('\n\n')
      .filter((block) => block.startsWith('| Strategy | WCR | RR_task'))
      .map((block) => block.split('\n').slice(2).map((row) => row.split(' | ')[0]!.replace('| ', '')))
    expect(leaderboardTables).toEqual([
      ['B0', 'B2'],
      ['shop-v1', 'shop-v2'],
    ])
    expect(markdown).toContain('## Paired with shop-v1 on the same tasks')
    expect(renderStepSummary(report)).toContain('#### Task set 2 of 2: 3 tasks (idle, order, refund)')

    const html = renderHtmlReport(report)
    const leaderboards = [...html.matchAll(/<table class="leaderboard">([\s\S]*?)<\/table>/g)].map((match) =>
      [...match[1]!.matchAll(/data-strategy="([^"]+)"/g)].map((row) => row[1]),
    )
    expect(leaderboards).toEqual([
      ['B0', 'B2'],
      ['shop-v1', 'shop-v2'],
    ])
  })

  it('number each CSV row with its task set', () => {
    const [header, ...rows] = renderCsvReport(report).trim().split('\r\n')
    const columns = header!.split(',')
    const setOf = (row: string) => row.split(',')[columns.indexOf('task_set')]
    expect(rows.map((row) => `${row.split(',')[0]}:${setOf(row)}`)).toEqual(['B0:1', 'B2:1', 'shop-v1:2', 'shop-v2:2'])
  })
})

describe('suspicious tasks', () => {
  it('list a task that completed with no recorded call, and only that one', () => {
    expect(report.strategies['shop-v1']!.suspicious).toEqual([{ id: 'main', scenario: 'idle', reason: 'completed_without_calls' }])
    expect(report.strategies['B2']!.suspicious).toEqual([])
  })

  it('are flagged in every rendering', () => {
    expect(renderTerminalReport(report)).toMatch(/^Suspicious: 2 tasks completed with no recorded call.*\n {2}shop-v1: {3}idle > main\n {2}shop-v2: {3}idle > main$/m)
    expect(renderMarkdownReport(report)).toContain('| shop-v1 | idle \\> main | completed_without_calls |')
    expect(renderStepSummary(report)).toContain('| shop-v2 | idle \\> main | completed_without_calls |')
    expect(renderHtmlReport(report)).toMatch(/<section id="suspicious">[\s\S]*idle &gt; main[\s\S]*<\/section>/)
    const [header, ...rows] = renderCsvReport(report).trim().split('\r\n')
    const column = header!.split(',').indexOf('suspicious_tasks')
    expect(rows.map((row) => row.split(',')[column])).toEqual(['0', '0', '1', '1'])
  })

  it('name the trial of a repeated task', () => {
    const repeated = buildJsonReport({
      seed: 42,
      strategies: ['a'],
      summaries: [makeSummary({ strategy: 'a', toolCalls: 0, repeat: 1 }), makeSummary({ strategy: 'a', toolCalls: 4, repeat: 0 })],
    })
    expect(renderTerminalReport(repeated)).toMatch(/^ {2}a: {3}checkout > main #2$/m)
  })

  it('are not flagged for a failed task without calls', () => {
    const failed = buildJsonReport({ seed: 42, strategies: ['a'], summaries: [makeSummary({ strategy: 'a', toolCalls: 0, outcome: 'failed', reason: 'agent_error' })] })
    expect(failed.strategies['a']!.suspicious).toEqual([])
    expect(renderTerminalReport(failed)).not.toContain('Suspicious')
  })
})

describe('reports written before task sets', () => {
  it('read with their task sets derived and no suspicious tasks', () => {
    const old = JSON.parse(serializeJsonReport(report)) as Record<string, any>
    delete old['task_sets']
    for (const entry of Object.values(old['strategies'] as Record<string, any>)) delete entry.suspicious
    const parsed = parseJsonReport(JSON.stringify(old), 'old.json')
    expect(parsed.task_sets).toEqual(report.task_sets)
    expect(parsed.strategies['shop-v1']!.suspicious).toEqual([])
  })
})
