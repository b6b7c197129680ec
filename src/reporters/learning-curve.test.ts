import { describe, expect, it } from 'vitest'
import { computeLearningCurve, renderSparkline } from './learning-curve.ts'
import { makeSummary } from './test-fixtures.ts'

/** A task of `batch` that had an error and did or did not complete. */
const task = (batch: number, completed: boolean, index: number) =>
  makeSummary({ id: `T${index}`, index, batch, errorEvents: 1, ...(completed ? {} : { outcome: 'failed' as const, reason: 'retries_exhausted' }) })

describe('computeLearningCurve', () => {
  const summaries = [
    task(0, false, 0), task(0, true, 1), task(0, false, 2), task(0, false, 3), // 1 of 4
    makeSummary({ id: 'T4', index: 4, batch: 1 }), // no error: batch 1 has no RR_task
    task(2, true, 8), task(2, true, 9), task(2, false, 10), // 2 of 3
    task(3, true, 12), task(3, true, 13), task(3, true, 14), task(3, true, 15), task(3, false, 16), // 4 of 5 = 0.8
    task(4, true, 17),
  ]
  const curve = computeLearningCurve(summaries)

  it('gives RR_task per batch and cumulative, in batch order', () => {
    expect(curve.batches.map((b) => b.batch)).toEqual([0, 1, 2, 3, 4])
    expect(curve.batches.map((b) => b.rrTask)).toEqual([0.25, null, 2 / 3, 0.8, 1])
    expect(curve.batches.map((b) => b.cumulativeRrTask)).toEqual([0.25, 0.25, 3 / 7, 7 / 12, 8 / 13])
    expect(curve.batches[1]).toMatchObject({ tasks: 1, tasksWithErrors: 0 })
  })

  it('finds the first batch reaching the threshold, inclusive', () => {
    expect(curve.firstBatchReaching).toBe(3)
    expect(computeLearningCurve(summaries, 0.9).firstBatchReaching).toBe(4)
    expect(computeLearningCurve(summaries.slice(0, 4)).firstBatchReaching).toBeNull()
  })

  it('does not depend on the order tasks arrive in', () => {
    expect(computeLearningCurve([...summaries].reverse())).toEqual(curve)
  })
})

describe('renderSparkline', () => {
  const batch = (withErrors: number, recovered: number) => ({ tasks_with_errors: withErrors, completed_with_errors: recovered })

  it('maps 0..1 onto eight bars and leaves batches without errors blank', () => {
    expect(renderSparkline([batch(4, 0), batch(0, 0), batch(8, 4), batch(8, 5), batch(3, 3)])).toBe('▁ ▅▆█')
  })

  it('pools neighbouring batches by counts when there are more batches than characters', () => {
    // Two batches per character: (1 of 1) + (0 of 3) pools to 1/4, not the mean of 1 and 0.
    const line = renderSparkline([batch(1, 1), batch(3, 0), batch(2, 2), batch(2, 2)], 2)
    expect(line).toBe('▃█')
  })
})
