import { describe, expect, it } from 'vitest'
import type { DiagnosisRecord } from '../runtime/executor/task-summary.ts'
import { computeStrategyMetrics } from './metrics.ts'
import { computeRca } from './rca.ts'
import { makeSummary } from './test-fixtures.ts'

function record(overrides: Partial<DiagnosisRecord>): DiagnosisRecord {
  return { step: 1, attempt: 0, layer_true: 'transient', action_true: 'retry', layer_pred: 'transient', action_pred: 'retry', source: 'diagnoser', event: 0, ...overrides }
}

const summaries = [
  makeSummary({
    id: 'A',
    diagnoses: [
      record({}),
      record({ event: 1, layer_true: 'cascade', action_true: 'rollback', layer_pred: 'transient', action_pred: 'retry', source: 'memory' }),
    ],
  }),
  makeSummary({
    id: 'B',
    diagnoses: [
      record({ layer_true: 'persistent', action_true: 'escalate', layer_pred: 'unknown', action_pred: 'escalate', source: 'rule' }),
      record({ event: 1, layer_true: 'none', layer_pred: 'semantic', action_pred: 'escalate' }),
    ],
  }),
]

describe('computeRca', () => {
  const rca = computeRca(summaries)!

  it('counts the layer confusion per error event, truth by prediction, without uninjected errors', () => {
    expect(rca.perEvent.layerMatrix.rows).toEqual(['transient', 'persistent', 'semantic', 'cascade'])
    expect(rca.perEvent.layerMatrix.columns).toEqual(['transient', 'persistent', 'semantic', 'cascade', 'unknown'])
    expect(rca.perEvent.layerMatrix.counts).toEqual([
      [1, 0, 0, 0, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
    ])
    expect(rca.perEvent.actionMatrix.counts[1]).toEqual([1, 0, 0, 0, 0]) // rollback truth, retry predicted
    expect(rca.perEvent).toMatchObject({ records: 3, layerCorrect: 1, actionCorrect: 2 })
  })

  it('has the same per-event accuracies as the metrics', () => {
    const metrics = computeStrategyMetrics(summaries)
    expect(rca.perEvent.layerAccuracy).toBe(metrics.rca_layer_acc)
    expect(rca.perEvent.actionAccuracy).toBe(metrics.rca_action_acc)
  })

  it('scores each task by its first error', () => {
    expect(rca.firstError).toMatchObject({ records: 2, layerCorrect: 1, actionCorrect: 2, layerAccuracy: 0.5, actionAccuracy: 1 })
  })

  it('marks strategies whose diagnoses came from a diagnoser, an LLM or memory', () => {
    expect(rca.sources).toEqual(['diagnoser', 'memory', 'rule'])
    expect(rca.diagnosing).toBe(true)
    const rulesOnly = computeRca([makeSummary({ diagnoses: [record({ source: 'rule' })] })])!
    expect(rulesOnly.diagnosing).toBe(false)
  })

  it('is null when no diagnosis was about an injected fault', () => {
    expect(computeRca([makeSummary({ diagnoses: [record({ layer_true: 'none' })] })])).toBeNull()
    expect(computeRca([])).toBeNull()
  })
})
