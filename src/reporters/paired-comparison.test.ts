import { describe, expect, it } from 'vitest'
import { comparePaired, mcnemarExactP } from './paired-comparison.ts'
import { makeSummary } from './test-fixtures.ts'

describe('mcnemarExactP', () => {
  it('matches the binomial tail by hand', () => {
    expect(mcnemarExactP(0, 8)).toBeCloseTo(2 / 256, 15) // 2 * 0.5^8
    expect(mcnemarExactP(1, 9)).toBeCloseTo((2 * (1 + 10)) / 1024, 15) // 2 * P(X <= 1), X ~ Bin(10, 1/2)
    expect(mcnemarExactP(3, 4)).toBe(1) // 2 * P(X <= 3) > 1 for Bin(7, 1/2): capped
    expect(mcnemarExactP(0, 0)).toBe(1)
  })

  it('is symmetric', () => {
    for (const [b, c] of [[2, 11], [40, 61], [0, 3]] as const) expect(mcnemarExactP(b, c)).toBe(mcnemarExactP(c, b))
  })

  it('does not underflow on large samples and agrees with the normal approximation there', () => {
    // z = (|b - c| - 1) / sqrt(b + c) = 39 / 44.72 = 0.872 -> two-sided p about 0.383.
    expect(mcnemarExactP(980, 1020)).toBeCloseTo(0.383, 2)
    expect(mcnemarExactP(4000, 4300)).toBeGreaterThan(0)
    expect(mcnemarExactP(4000, 4300)).toBeLessThan(0.01)
  })

  it('rejects counts that are not non-negative integers', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow(RangeError)
    expect(() => mcnemarExactP(1.5, 2)).toThrow(/non-negative integers/)
  })
})

describe('comparePaired', () => {
  const done = (id: string, strategy: string, completed: boolean, repeat?: number) =>
    makeSummary({
      id,
      strategy,
      ...(repeat === undefined ? {} : { repeat }),
      ...(completed ? {} : { outcome: 'escalated' as const, reason: 'auth_denied' }),
    })

  it('pairs tasks by scenario, id and repetition and counts the four cells', () => {
    const reference = [done('A', 'B2', true), done('B', 'B2', true), done('C', 'B2', false), done('D', 'B2', false), done('E', 'B2', true, 1)]
    const strategy = [done('A', 'B4', true), done('B', 'B4', false), done('C', 'B4', true), done('D', 'B4', false), done('E', 'B4', true, 0), done('X', 'B4', true)]
    expect(comparePaired(strategy, reference, 'B2')).toEqual({
      reference: 'B2',
      pairs: 4, // E ran as different repetitions and X only under B4: not paired
      bothCompleted: 1,
      onlyThis: 1,
      onlyReference: 1,
      neitherCompleted: 1,
      difference: 0,
      pValue: 1,
    })
  })

  it('has nothing to say without shared tasks', () => {
    expect(comparePaired([done('A', 'B4', true)], [done('B', 'B2', true)], 'B2')).toBeNull()
  })
})
