import { describe, expect, it } from 'vitest'
import { GateConfigError } from './gate-error.ts'
import {
  describeActual,
  describeRequirement,
  evaluateBaseline,
  evaluateThresholds,
  parseGateList,
  parseThresholdOptions,
  resolveThresholds,
  validateTolerance,
  type GateResult,
} from './gates.ts'
import { buildJsonReport, type JsonReport } from './json-report.ts'
import { makeSummary } from './test-fixtures.ts'

// B0: 1 of 2 completed, nothing to roll back (no SRR); B4: 2 of 2, one after an error; "my.strategy" (a dotted name): 1 of 1.
const report = buildJsonReport({
  seed: 1,
  strategies: ['B0', 'B4'],
  summaries: [
    makeSummary({ strategy: 'B0', id: 'A', outcome: 'failed', reason: 'no_recovery', errorEvents: 1, sideEffectsStarted: false }),
    makeSummary({ strategy: 'B0', id: 'B', index: 1 }),
    makeSummary({ strategy: 'B4', id: 'A', errorEvents: 1, recoveredEvents: 1, recoveryMsTotal: 250 }),
    makeSummary({ strategy: 'B4', id: 'B', index: 1 }),
    makeSummary({ strategy: 'my.strategy', id: 'A' }),
  ],
})

describe('parsing thresholds', () => {
  it('reads the plugin options in the order written', () => {
    expect(parseThresholdOptions({ B4: { srr: '>= 0.95', WCR: '>=0.75' } as never, '*': { uar: ' <= 0 ' } })).toEqual([
      { strategy: 'B4', metric: 'srr', op: '>=', value: 0.95 },
      { strategy: 'B4', metric: 'wcr', op: '>=', value: 0.75 },
      { strategy: '*', metric: 'uar', op: '<=', value: 0 },
    ])
  })

  it('reads AWRR_GATES, with dotted strategy names, spaces and every operator', () => {
    expect(parseGateList('B4.srr>=0.95, *.uar<=0,my.strategy.mttr_ms < 300,B2.tasks==101,B0.wcr>0.1e-1,')).toEqual([
      { strategy: 'B4', metric: 'srr', op: '>=', value: 0.95 },
      { strategy: '*', metric: 'uar', op: '<=', value: 0 },
      { strategy: 'my.strategy', metric: 'mttr_ms', op: '<', value: 300 },
      { strategy: 'B2', metric: 'tasks', op: '==', value: 101 },
      { strategy: 'B0', metric: 'wcr', op: '>', value: 0.01 },
    ])
    expect(parseGateList('')).toEqual([])
  })

  it('says what is wrong with an entry it cannot read', () => {
    expect(() => parseGateList('B4.srr=>0.95')).toThrow(/AWRR_GATES entry "B4.srr=>0.95" must read strategy.metric<op>number/)
    expect(() => parseGateList('B4.speed>=1')).toThrow(/unknown metric "speed". Metrics: wcr, rr_task/)
    expect(() => parseGateList('B4.wcr>=high')).toThrow(GateConfigError)
    expect(() => parseThresholdOptions({ B4: { wcr: 0.9 as never } })).toThrow(/thresholds\.B4\.wcr must be an operator .* \(got 0\.9\)/)
    expect(() => parseThresholdOptions({ B4: { wcr: '~ 0.9' } })).toThrow(GateConfigError)
  })

  it('lets AWRR_GATES replace the options; empty turns thresholds off', () => {
    const options = { B0: { wcr: '>= 1' } }
    expect(resolveThresholds(options, {})).toHaveLength(1)
    expect(resolveThresholds(options, { AWRR_GATES: 'B4.srr>=0.9' })).toEqual([{ strategy: 'B4', metric: 'srr', op: '>=', value: 0.9 }])
    expect(resolveThresholds(options, { AWRR_GATES: '' })).toEqual([])
  })

  it('checks tolerances', () => {
    expect(validateTolerance({ wcr: 0.02, '*': 0 })).toEqual({ wcr: 0.02, '*': 0 })
    expect(() => validateTolerance({ wcr: Number.NaN })).toThrow(/tolerance\.wcr must be a finite number >= 0/)
    expect(() => validateTolerance({ speed: 1 })).toThrow(/unknown metric "speed"/)
  })
})

describe('evaluateThresholds', () => {
  it('expands * to every strategy in the report and compares', () => {
    const gates = evaluateThresholds(parseGateList('*.wcr>=0.75,B4.mttr_ms<=250,B4.mttr_ms<250'), report)
    expect(gates.map((g) => `${g.strategy} ${g.metric} ${g.op} ${g.value} ${g.actual} ${g.pass}`)).toEqual([
      'B0 wcr >= 0.75 0.5 false',
      'B4 wcr >= 0.75 1 true',
      'my.strategy wcr >= 0.75 1 true',
      'B4 mttr_ms <= 250 250 true',
      'B4 mttr_ms < 250 250 false',
    ])
  })

  it('fails a gate on a metric that was not measured or a strategy that did not run', () => {
    const gates = evaluateThresholds(parseGateList('B0.srr>=0,B3.wcr>=0'), report)
    expect(gates.map((g) => [g.actual, g.pass])).toEqual([[null, false], [null, false]])
    expect(describeActual(gates[0]!, report)).toBe('not measured (no task started side effects and then failed or escalated)')
    expect(describeActual(gates[1]!, report)).toBe('not measured (no task ran under B3)')
  })
})

describe('evaluateBaseline', () => {
  function baselineWith(change: (r: JsonReport) => void): JsonReport {
    const copy = structuredClone(report)
    change(copy)
    return copy
  }

  it('passes a run against its own report, for every metric with a direction', () => {
    const gates = evaluateBaseline(report, report)
    expect(gates.length).toBeGreaterThan(20)
    expect(gates.every((g) => g.pass)).toBe(true)
    expect(gates.some((g) => g.metric === 'tasks' || g.metric === 'memory_hits')).toBe(false)
  })

  it('catches a regression beyond the tolerance, in the direction the metric wants', () => {
    const base = baselineWith((r) => {
      r.strategies['B4']!.metrics.wcr = 1.03 // higher is better: 1 < 1.03 - 0.02
      r.strategies['B4']!.metrics.mttr_ms = 200 // lower is better: 250 > 200 + 0
      r.strategies['B0']!.metrics.wcr = 0.52 // within 0.02
    })
    const failed = evaluateBaseline(base, report, { wcr: 0.02 }).filter((g) => !g.pass)
    expect(failed.map((g) => `${g.strategy} ${g.metric} ${describeRequirement(g)} ${describeActual(g)}`)).toEqual([
      'B4 wcr >= 1.01 (baseline 1.03 - 0.02) 1.000',
      'B4 mttr_ms <= 200 (baseline) 250',
    ])
  })

  it('takes * as the tolerance of metrics not named', () => {
    const base = baselineWith((r) => (r.strategies['B4']!.metrics.mttr_ms = 200))
    expect(evaluateBaseline(base, report, { '*': 60 }).every((g) => g.pass)).toBe(true)
    expect(evaluateBaseline(base, report, { '*': 60, mttr_ms: 10 }).filter((g) => !g.pass)).toHaveLength(1)
  })

  it('does not fail on float residue when a metric sits exactly at baseline minus tolerance', () => {
    const base = baselineWith((r) => (r.strategies['B0']!.metrics.wcr = 0.7)) // 0.7 - 0.2 = 0.49999999999999994
    expect(evaluateBaseline(base, report, { wcr: 0.2 }).find((g) => g.strategy === 'B0' && g.metric === 'wcr')!.pass).toBe(true)
  })

  it('skips what the baseline did not measure and fails what this run stopped measuring', () => {
    const base = baselineWith((r) => {
      r.strategies['B0']!.metrics.srr = 1 // B0 has no SRR in this run
      r.strategies['B4']!.metrics.rr_task = null
    })
    const gates = evaluateBaseline(base, report)
    expect(gates.find((g) => g.strategy === 'B4' && g.metric === 'rr_task')).toBeUndefined()
    expect(gates.find((g) => g.strategy === 'B0' && g.metric === 'srr')).toMatchObject({ actual: null, pass: false })
  })

  it('fails once for a baseline strategy that did not run at all', () => {
    const base = baselineWith((r) => (r.strategies['B3'] = structuredClone(r.strategies['B0']!)))
    const missing = evaluateBaseline(base, report).filter((g) => g.strategy === 'B3')
    expect(missing).toEqual([{ kind: 'baseline', strategy: 'B3', metric: 'tasks', op: '==', value: 2, actual: null, pass: false, baseline: 2, tolerance: 0 }])
    expect(describeActual(missing[0]!, report)).toBe('not measured (no task ran under B3)')
  })
})

describe('describeActual', () => {
  const gate = (actual: number, op: string, value: number, pass: boolean): GateResult => ({ kind: 'threshold', strategy: 'B4', metric: 'srr', op, value, actual, pass })

  it("shows the metric's digits, and more when rounding would hide a miss", () => {
    expect(describeActual(gate(0.97, '>=', 0.95, true))).toBe('0.970')
    expect(describeActual(gate(0.94996, '>=', 0.95, false))).toBe('0.94996')
    expect(describeActual(gate(0.9504, '==', 0.95, false))).toBe('0.9504')
  })
})
