import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { GateConfigError } from './gate-error.ts'
import { buildJsonReport, parseJsonReport, serializeJsonReport, writeJsonReport, type JsonGateResult } from './json-report.ts'
import { makeRun, makeSummary } from './test-fixtures.ts'
import { wilsonInterval } from './wilson.ts'

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
    const gates: JsonGateResult[] = [{ kind: 'threshold', strategy: 'B4', metric: 'srr', op: '>=', value: 0.95, actual: 0, pass: false }]
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

describe('buildJsonReport statistics', () => {
  const run = makeRun()
  const full = buildJsonReport({ seed: 42, strategies: ['B0', 'B2', 'B4'], summaries: run })

  it('gives each rate its Wilson interval from the same counts as the rate', () => {
    const b2 = full.strategies['B2']!
    expect(b2.intervals.wcr).toEqual({ successes: Math.round(b2.metrics.wcr! * 24), trials: 24, ...wilsonInterval(Math.round(b2.metrics.wcr! * 24), 24) })
    for (const [key, interval] of Object.entries(b2.intervals)) {
      const value = b2.metrics[key as keyof typeof b2.metrics]
      if (interval === null) expect(value).toBeNull()
      else expect(interval.successes / interval.trials).toBe(value)
    }
  })

  it('pairs every strategy but the reference with it', () => {
    expect(full.reference).toBe('B2')
    expect(full.strategies['B2']!.paired).toBeNull()
    const b4 = full.strategies['B4']!.paired!
    expect(b4.pairs).toBe(24)
    expect(b4.both_completed + b4.only_this + b4.only_reference + b4.neither_completed).toBe(24)
    expect(b4.difference).toBeCloseTo(full.strategies['B4']!.metrics.wcr! - full.strategies['B2']!.metrics.wcr!, 12)
    const otherReference = buildJsonReport({ seed: 42, strategies: [], summaries: run, reference: 'B4' })
    expect(otherReference.strategies['B4']!.paired).toBeNull()
    expect(otherReference.strategies['B2']!.paired!.difference).toBeCloseTo(-b4.difference, 12)
    expect(buildJsonReport({ seed: 42, strategies: [], summaries: run, reference: 'B9' }).strategies['B4']!.paired).toBeNull()
  })

  it('carries the RCA, the learning curve and the outcomes per scenario', () => {
    const b4 = full.strategies['B4']!
    expect(b4.rca!.diagnosing).toBe(true)
    expect(b4.rca!.per_event.layer_acc).toBe(b4.metrics.rca_layer_acc)
    expect(b4.learning_curve.batches.map((b) => b.batch)).toEqual([0, 1, 2, 3])
    expect(b4.scenarios).toEqual([{ scenario: 'suite', tasks: 24, completed: Math.round(b4.metrics.wcr! * 24), escalated: Math.round(b4.metrics.hir! * 24), failed: expect.any(Number) }])
    expect(b4.pass_hat_k).toBeNull()
  })

  it('computes pass^k and keeps each trial when tasks were repeated', () => {
    const repeated = buildJsonReport({ seed: 42, strategies: ['B4'], summaries: makeRun({ strategies: ['B4'], repeats: 3 }) })
    const b4 = repeated.strategies['B4']!
    expect(b4.pass_hat_k!.trials).toBe(3)
    expect(b4.pass_hat_k!.values.map((p) => p.k)).toEqual([1, 2, 3])
    expect(b4.pass_hat_k!.values[0]!.value).toBeCloseTo(b4.metrics.wcr!, 12)
    expect(b4.pass_hat_k!.values[2]!.value).toBe(b4.metrics.pass_k)
    expect(b4.tasks.slice(0, 3).map((t) => `${t.id}#${t.repeat}`)).toEqual(['T000#0', 'T000#1', 'T000#2'])
  })
})

describe('parseJsonReport', () => {
  it('reads what serializeJsonReport writes', () => {
    const report = buildJsonReport({ seed: 3, strategies: [], summaries })
    expect(parseJsonReport(serializeJsonReport(report), 'r.json')).toEqual(report)
  })

  it('names the file and the problem', () => {
    expect(() => parseJsonReport('{', 'a.json')).toThrow(/a\.json is not JSON/)
    expect(() => parseJsonReport('{"version":1}', 'b.json')).toThrow(/b\.json has no "strategies" object/)
    expect(() => parseJsonReport('{"version":1,"strategies":{"B2":{}}}', 'c.json')).toThrow(/c\.json: strategies\.B2 has no "metrics" object/)
    expect(() => parseJsonReport('[]', 'd.json')).toThrow(GateConfigError)
  })
})
