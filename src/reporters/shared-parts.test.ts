import { describe, expect, it } from 'vitest'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import { SharedParts } from './shared-parts.ts'
import { makeSummary, noVerdicts } from './test-fixtures.ts'

/** A summary as Vitest's main process gets it: a fresh copy, sharing nothing with any other. */
const received = (overrides: Partial<TaskSummary> = {}): TaskSummary => structuredClone(makeSummary({ verdicts: noVerdicts, ...overrides }))

describe('shared summary parts', () => {
  it('keep one instance of each repeating part, strings included, and change no value', () => {
    const shared = new SharedParts()
    const hit = { type: 'Timeout', layer: 'transient', mode: 'per_attempt', position: 'first' } as const
    const a = received({ id: 'T1', faultHits: [hit], inconsistencies: [] })
    const b = received({ id: 'T2', faultHits: [hit], inconsistencies: [] })
    const expected = [structuredClone(a), structuredClone(b)]
    expect(a.faultHits).not.toBe(b.faultHits)
    expect(a.verdicts).not.toBe(b.verdicts)
    const [sharedA, sharedB] = [shared.share(a), shared.share(b)]
    expect([sharedA, sharedB]).toEqual(expected)
    expect(sharedA).toBe(a)
    expect(sharedB.faultHits).toBe(sharedA.faultHits)
    expect(sharedB.inconsistencies).toBe(sharedA.inconsistencies)
    expect(sharedB.verdicts).toBe(sharedA.verdicts)
    expect(sharedB.verdicts!.hotLoops).toBe(sharedA.verdicts!.hotLoops)
    expect(sharedB.id).not.toBe(sharedA.id)
  })

  it('share the parts of a part that differs, and freeze what they share', () => {
    const shared = new SharedParts()
    const diagnosis = (step: number) => ({ step, attempt: 0, layer_true: 'transient', action_true: 'retry', layer_pred: 'transient', action_pred: 'retry', source: 'rule', event: 0 }) as const
    const a = shared.share(received({ diagnoses: [diagnosis(1), diagnosis(2)] }))
    const b = shared.share(received({ diagnoses: [diagnosis(2), diagnosis(3)] }))
    expect(b.diagnoses).not.toBe(a.diagnoses)
    expect(b.diagnoses[0]).toBe(a.diagnoses[1])
    expect(Object.isFrozen(a.diagnoses[1])).toBe(true)
    expect(() => {
      ;(b.diagnoses[0] as { step: number }).step = 9
    }).toThrow(TypeError)
    expect(a.diagnoses[1]!.step).toBe(2)
  })

  it('stop keying new parts at the limit, and never key a long one, keeping each value as it came', () => {
    const shared = new SharedParts(2, 40)
    const long = ['x'.repeat(50)]
    const first = shared.share(received({ inconsistencies: long }))
    const second = shared.share(received({ inconsistencies: ['x'.repeat(50)] }))
    expect(second.inconsistencies).toEqual(first.inconsistencies)
    expect(second.inconsistencies).not.toBe(first.inconsistencies)
    const full = new SharedParts(1)
    const c = full.share(received({ compensations: [{ tool: 'pay', step: 1, ok: true }] }))
    const d = full.share(received({ compensations: [{ tool: 'pay', step: 1, ok: true }] }))
    expect(d.compensations).toEqual(c.compensations)
    expect(d.compensations).not.toBe(c.compensations)
  })
})
