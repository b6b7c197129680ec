import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { allSucceedProbability, commonTrials, passHatCurve, passHatK, taskTrials, type TaskTrials } from './pass-k.ts'
import { makeSummary } from './test-fixtures.ts'

const task = (trials: number, successes: number, id = `T${trials}-${successes}`): TaskTrials => ({ scenario: 's', id, trials, successes })

/** C(c, k) / C(n, k) by counting k-subsets of n trials that contain only successes. */
function bruteForce(successes: number, trials: number, k: number): number {
  let all = 0
  let good = 0
  for (let mask = 0; mask < 1 << trials; mask++) {
    let bits = 0
    let onlySuccesses = true
    for (let i = 0; i < trials; i++) {
      if (mask & (1 << i)) {
        bits++
        if (i >= successes) onlySuccesses = false
      }
    }
    if (bits !== k) continue
    all++
    if (onlySuccesses) good++
  }
  return good / all
}

describe('pass^k', () => {
  it('matches hand-computed values', () => {
    // 2 of 4: pass^1 = 1/2, pass^2 = C(2,2)/C(4,2) = 1/6, pass^3 = 0.
    expect(allSucceedProbability(2, 4, 1)).toBe(0.5)
    expect(allSucceedProbability(2, 4, 2)).toBeCloseTo(1 / 6, 15)
    expect(allSucceedProbability(2, 4, 3)).toBe(0)
    expect(passHatK([task(4, 2), task(4, 4)], 2)).toBeCloseTo((1 / 6 + 1) / 2, 15)
  })

  it('agrees with counting subsets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 1, max: n }))), ([n, c, k]) => {
        expect(allSucceedProbability(c, n, k)).toBeCloseTo(bruteForce(c, n, k), 12)
      }),
    )
  })

  it('starts at the completion rate and never rises with k', () => {
    const tasks = fc.array(fc.integer({ min: 0, max: 8 }).map((c) => task(8, c)), { minLength: 1, maxLength: 20 })
    fc.assert(
      fc.property(tasks, (list) => {
        const curve = passHatCurve(list)
        expect(curve.map((p) => p.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
        expect(curve[0]!.value).toBeCloseTo(list.reduce((sum, t) => sum + t.successes / t.trials, 0) / list.length, 12)
        for (let i = 1; i < curve.length; i++) expect(curve[i]!.value).toBeLessThanOrEqual(curve[i - 1]!.value + 1e-15)
      }),
    )
  })

  it('has no curve without repeats, and k is the trials every task had', () => {
    expect(passHatCurve([task(1, 1), task(1, 0)])).toEqual([])
    expect(commonTrials([task(3, 1), task(5, 5)])).toBe(3)
    expect(commonTrials([])).toBe(0)
    expect(passHatK([], 1)).toBeNull()
  })

  it('groups trials by scenario and task id, in order', () => {
    const summaries = [
      makeSummary({ id: 'B', repeat: 0 }),
      makeSummary({ id: 'A', repeat: 1, outcome: 'failed', reason: 'no_recovery' }),
      makeSummary({ id: 'A', repeat: 0 }),
      makeSummary({ id: 'A', scenario: 'other', repeat: 0 }),
    ]
    expect(taskTrials(summaries)).toEqual([
      { scenario: 'checkout', id: 'A', trials: 2, successes: 1 },
      { scenario: 'checkout', id: 'B', trials: 1, successes: 1 },
      { scenario: 'other', id: 'A', trials: 1, successes: 1 },
    ])
  })

  it('rejects impossible counts', () => {
    expect(() => allSucceedProbability(3, 2, 1)).toThrow(RangeError)
    expect(() => allSucceedProbability(1, 2, 3)).toThrow(/1 <= k <= n/)
  })
})
