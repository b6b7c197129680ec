import { describe, expect, it } from 'vitest'
import { createRandom, hashSeed } from './random.ts'

const draws = (seed: number, count: number): number[] => {
  const random = createRandom(seed)
  return Array.from({ length: count }, () => random.next())
}

describe('hashSeed', () => {
  it('is a stable unsigned 32-bit hash of its parts', () => {
    const hash = hashSeed(42, 'task', 7)
    expect(hashSeed(42, 'task', 7)).toBe(hash)
    expect(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 32).toBe(true)
  })

  it('pins known values, so a change of algorithm is noticed', () => {
    // Cross-checked against an independent FNV-1a + fmix32 (Python); FNV-1a('a') is 0xe40c292c.
    expect(hashSeed()).toBe(hashSeed(''))
    expect([hashSeed(''), hashSeed('a'), hashSeed(42, 'task', 0)]).toMatchInlineSnapshot(`
      [
        2872998923,
        444641715,
        2775570888,
      ]
    `)
  })

  it('separates parts, neighbours and non-ASCII text', () => {
    expect(hashSeed('ab', 'c')).not.toBe(hashSeed('a', 'bc'))
    expect(hashSeed(1, 'x')).not.toBe(hashSeed('1x'))
    expect(hashSeed('T001')).not.toBe(hashSeed('T002'))
    expect(hashSeed('é')).not.toBe(hashSeed('e'))
    expect(hashSeed('😀')).not.toBe(hashSeed('😁'))
    const seeds = new Set(Array.from({ length: 10_000 }, (_, i) => hashSeed(42, 'task', i)))
    expect(seeds.size).toBeGreaterThan(9_990)
  })
})

describe('createRandom', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draws(42, 100)).toEqual(draws(42, 100))
    const a = createRandom(7)
    const b = createRandom(7)
    for (let i = 0; i < 100; i++) {
      expect([a.int(0, 1000), a.pick(['x', 'y', 'z']), a.chance(0.5)]).toEqual([b.int(0, 1000), b.pick(['x', 'y', 'z']), b.chance(0.5)])
    }
  })

  it('pins the first draws, so sequences stay identical across versions and platforms', () => {
    const random = createRandom(42)
    expect([random.next(), random.int(1, 6), random.int(-5, 5)]).toMatchInlineSnapshot(`
      [
        0.6917589799176889,
        5,
        0,
      ]
    `)
  })

  it('gives different sequences for different seeds, neighbours included', () => {
    expect(draws(1, 10)).not.toEqual(draws(2, 10))
    const firsts = new Set(Array.from({ length: 1000 }, (_, seed) => draws(seed, 1)[0]))
    expect(firsts.size).toBe(1000)
    // Neighbouring seeds must not start with neighbouring draws.
    const spread = Math.abs((draws(1000, 1)[0] ?? 0) - (draws(1001, 1)[0] ?? 0))
    expect(spread).toBeGreaterThan(1e-6)
  })

  it('draws floats in [0, 1) with a plausible mean', () => {
    const values = draws(3, 10_000)
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true)
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length
    expect(mean).toBeGreaterThan(0.47)
    expect(mean).toBeLessThan(0.53)
  })

  it('draws integers within inclusive bounds, reaching both ends', () => {
    const random = createRandom(11)
    const seen = new Set<number>()
    for (let i = 0; i < 2_000; i++) {
      const value = random.int(1, 3)
      expect(Number.isInteger(value)).toBe(true)
      expect(value).toBeGreaterThanOrEqual(1)
      expect(value).toBeLessThanOrEqual(3)
      seen.add(value)
    }
    expect([...seen].sort()).toEqual([1, 2, 3])
    expect(random.int(5, 5)).toBe(5)
    expect(() => random.int(3, 1)).toThrow(RangeError)
    expect(() => random.int(0.5, 2)).toThrow(RangeError)
  })

  it('picks every item and rejects an empty list', () => {
    const random = createRandom(5)
    const seen = new Set(Array.from({ length: 500 }, () => random.pick(['a', 'b', 'c', 'd'])))
    expect(seen.size).toBe(4)
    expect(() => random.pick([])).toThrow(RangeError)
  })

  it('respects weights over 10k draws', () => {
    const random = createRandom(99)
    const counts = { a: 0, b: 0, c: 0, never: 0 }
    const items = [
      { value: 'a' as const, weight: 0.6 },
      { value: 'b' as const, weight: 0.3 },
      { value: 'never' as const, weight: 0 },
      { value: 'c' as const, weight: 0.1 },
    ]
    for (let i = 0; i < 10_000; i++) counts[random.weighted(items)]++
    expect(counts.a / 10_000).toBeCloseTo(0.6, 1)
    expect(counts.b / 10_000).toBeCloseTo(0.3, 1)
    expect(counts.c / 10_000).toBeCloseTo(0.1, 1)
    expect(counts.never).toBe(0)
  })

  it('rejects weights that cannot be drawn from', () => {
    const random = createRandom(1)
    expect(() => random.weighted([])).toThrow(RangeError)
    expect(() => random.weighted([{ value: 1, weight: 0 }])).toThrow(RangeError)
    expect(() => random.weighted([{ value: 1, weight: -1 }])).toThrow(RangeError)
    expect(() => random.weighted([{ value: 1, weight: Number.NaN }])).toThrow(RangeError)
  })

  it('treats chance at the edges exactly', () => {
    const random = createRandom(8)
    for (let i = 0; i < 100; i++) {
      expect(random.chance(1)).toBe(true)
      expect(random.chance(0)).toBe(false)
    }
  })
})
