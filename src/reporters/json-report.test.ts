import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildJsonReport, serializeJsonReport, writeJsonReport, type JsonGateResult } from './json-report.ts'
import { makeSummary } from './test-fixtures.ts'

const summaries = [
  makeSummary({ strategy: 'B4', scenario: 'suite', id: 'T010', index: 10, batch: 1 }),
  makeSummary({ strategy: 'B4', scenario: 'suite', id: 'T002', index: 2 }),
  makeSummary({
    strategy: 'B4',
    scenario: 'checkout',
    outcome: 'escalated',
    reason: 'auth_denied',
    toolCalls: 3,
    stepsReached: 2,
    errorEvents: 1,
    consistent: false,
    compensations: [{ ok: true, step: 1, tool: 'unlock_inventory' } as { tool: string; step: number; ok: boolean }],
    diagnoses: [
      {
        event: 0,
        source: 'memory',
        step: 2,
        attempt: 0,
        action_pred: 'escalate',
        layer_pred: 'persistent',
        action_true: 'escalate',
        layer_true: 'persistent',
      },
    ],
  }),
  makeSummary({ strategy: 'B0', scenario: 'checkout', outcome: 'failed', errorEvents: 1, sideEffectsStarted: false }),
  makeSummary({ strategy: 'custom', scenario: 'checkout' }),
]

describe('buildJsonReport', () => {
  const report = buildJsonReport({ seed: 42, strategies: ['B0', 'B2', 'B4'], summaries })

  it('has the documented shape', () => {
    expect(report.version).toBe(1)
    expect(report.seed).toBe(42)
    expect(report.gates).toEqual([])
    expect(Object.keys(report.strategies)).toEqual(['B0', 'B4', 'custom'])
    expect(report.strategies['B4']!.metrics).toMatchObject({ tasks: 3, wcr: 2 / 3, hir: 1 / 3, srr: 0 })
  })

  it('writes rates without a denominator as null', () => {
    const json = JSON.parse(serializeJsonReport(report)) as typeof report
    expect(json.strategies['B0']!.metrics.srr).toBeNull()
    expect(json.strategies['B0']!.metrics.mttr_ms).toBeNull()
  })

  it('lists tasks by scenario, then position', () => {
    expect(report.strategies['B4']!.tasks.map((t) => `${t.scenario}/${t.id}`)).toEqual([
      'checkout/main',
      'suite/T002',
      'suite/T010',
    ])
  })

  it('describes each task with snake_case fields', () => {
    expect(report.strategies['B4']!.tasks[0]).toEqual({
      id: 'main',
      scenario: 'checkout',
      outcome: 'escalated',
      reason: 'auth_denied',
      attempts: 3,
      tool_calls: 3,
      steps_reached: 2,
      consistent: false,
      srr_eligible: true,
      compensations: [{ tool: 'unlock_inventory', step: 1, ok: true }],
      diagnoses: [
        {
          step: 2,
          attempt: 0,
          layer_true: 'persistent',
          action_true: 'escalate',
          layer_pred: 'persistent',
          action_pred: 'escalate',
          source: 'memory',
          event: 0,
        },
      ],
      batch: 0,
    })
    expect(report.strategies['B4']!.tasks[2]!.batch).toBe(1)
  })

  it('is byte-identical whatever order the tasks and their keys arrived in', () => {
    const reordered = [...summaries].reverse().map((s) => Object.fromEntries(Object.entries(s).reverse()) as typeof s)
    const again = buildJsonReport({ seed: 42, strategies: ['B0', 'B2', 'B4'], summaries: reordered })
    expect(serializeJsonReport(again)).toBe(serializeJsonReport(report))
    expect(serializeJsonReport(report)).toContain('"unlock_inventory",\n')
    expect(serializeJsonReport(report)).not.toMatch(/generated|time|date/i)
  })

  it('carries gate results', () => {
    const gates: JsonGateResult[] = [{ strategy: 'B4', metric: 'srr', op: '>=', value: 0.95, actual: 0, pass: false }]
    expect(buildJsonReport({ seed: 1, strategies: [], summaries, gates }).gates).toEqual(gates)
  })
})

describe('writeJsonReport', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('creates the directory, replaces an old report and leaves no temporary file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'awrr-json-'))
    const outputDir = join(dir, 'nested', '.awrr')
    const report = buildJsonReport({ seed: 7, strategies: [], summaries })

    const written = await writeJsonReport(outputDir, report)
    expect(written).toBe(join(outputDir, 'report.json'))
    await writeFile(written, 'stale')
    await writeJsonReport(outputDir, report)

    expect(await readFile(written, 'utf8')).toBe(serializeJsonReport(report))
    expect(await readdir(outputDir)).toEqual(['report.json'])
  })
})
