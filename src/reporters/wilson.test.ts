import { describe, expect, it } from 'vitest'
import { wilsonInterval } from './wilson.ts'

function rounded(successes: number, n: number, z?: number): [number, number] | null {
  const interval = wilsonInterval(successes, n, z)
  return interval && [Number(interval.lower.toFixed(4)), Number(interval.upper.toFixed(4))]
}

describe('wilsonInterval', () => {
  it('matches published 95% values', () => {
    expect(rounded(8, 10)).toEqual([0.4902, 0.9433])
    expect(rounded(50, 100)).toEqual([0.4038, 0.5962])
    expect(rounded(1, 2)).toEqual([0.0945, 0.9055])
  })

  it('stays inside [0, 1] and is exact at 0/n and n/n', () => {
    expect(wilsonInterval(0, 10)).toEqual({ lower: 0, upper: expect.closeTo(0.2775, 4) })
    expect(wilsonInterval(10, 10)).toEqual({ lower: expect.closeTo(0.7225, 4), upper: 1 })
  })

  it('widens with z', () => {
    // 99%: center 1.1317888 / 1.6635776 = 0.68034, half-width 2.576 * sqrt(0.03258944) / 1.6635776 = 0.27954
    expect(rounded(8, 10, 2.576)).toEqual([0.4008, 0.9599])
  })

  it('has no interval without trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull()
  })

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError)
    expect(() => wilsonInterval(-1, 10)).toThrow(/0 <= successes <= n/)
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError)
    expect(() => wilsonInterval(1, 10, 0)).toThrow(/positive finite z/)
  })
})
