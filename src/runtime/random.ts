import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand'

/**
 * Deterministic randomness for the whole project. Every draw comes from a seed derived with
 * `hashSeed`, so a value depends only on what it is about (seed, scenario, task, fault, attempt),
 * never on worker count, file order or how many draws happened elsewhere.
 *
 * Only 32-bit integer arithmetic (`Math.imul`, shifts, xor) and exact divisions by powers of two
 * are used, so a sequence is bit-for-bit identical on every platform and Node version.
 */

/** A seeded source of random values. Mutable: each call advances the stream. */
export interface Random {
  /** A float in [0, 1) with 53 random bits. */
  next(): number
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number
  /** True with probability `probability` (clamped to [0, 1]). */
  chance(probability: number): boolean
  /** One item, uniformly. Throws on an empty list. */
  pick<T>(items: readonly T[]): T
  /** One value, with probability proportional to its weight. Zero weights are never picked. */
  weighted<T>(items: readonly { value: T; weight: number }[]): T
}

const FNV_OFFSET_BASIS = 0x811c9dc5
const FNV_PRIME = 0x01000193
/** ASCII unit separator: keeps `hashSeed('ab', 'c')` apart from `hashSeed('a', 'bc')`. */
const PART_SEPARATOR = 0x1f

/**
 * A stable unsigned 32-bit hash of `parts`: 32-bit FNV-1a over the UTF-8 bytes of the parts
 * (numbers as `String(n)`) joined by U+001F, followed by the murmur3 `fmix32` finaliser. FNV-1a
 * alone mixes the last bytes poorly (`T001` and `T002` would give neighbouring seeds); the
 * finaliser gives full avalanche.
 */
export function hashSeed(...parts: (string | number)[]): number {
  let hash = FNV_OFFSET_BASIS
  const byte = (value: number): void => {
    hash = Math.imul(hash ^ value, FNV_PRIME)
  }
  parts.forEach((part, index) => {
    if (index > 0) byte(PART_SEPARATOR)
    const text = String(part)
    for (const char of text) {
      // Hand-rolled UTF-8 so the hot path (short ASCII ids) allocates nothing.
      const code = char.codePointAt(0) ?? 0
      if (code < 0x80) {
        byte(code)
      } else if (code < 0x800) {
        byte(0xc0 | (code >> 6))
        byte(0x80 | (code & 0x3f))
      } else if (code < 0x10000) {
        byte(0xe0 | (code >> 12))
        byte(0x80 | ((code >> 6) & 0x3f))
        byte(0x80 | (code & 0x3f))
      } else {
        byte(0xf0 | (code >> 18))
        byte(0x80 | ((code >> 12) & 0x3f))
        byte(0x80 | ((code >> 6) & 0x3f))
        byte(0x80 | (code & 0x3f))
      }
    }
  })
  return fmix32(hash)
}

/** murmur3's 32-bit finaliser; unsigned result. */
function fmix32(value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Seeds all 128 bits of xoroshiro128+ from one 32-bit seed, splitmix-style (golden-ratio steps
 * through `fmix32`). pure-rand's own `xoroshiro128plus(seed)` starts from `[-1, ~seed, seed, 0]`,
 * whose first outputs are little more than the seed itself, so neighbouring seeds would start with
 * neighbouring draws.
 */
function seededGenerator(seed: number): RandomGenerator {
  const state: number[] = []
  let step = seed | 0
  for (let i = 0; i < 4; i++) {
    step = (step + 0x9e3779b9) | 0
    state.push(fmix32(step) | 0)
  }
  // The all-zero state, xoroshiro's fixed point, cannot occur: the four steps are distinct modulo
  // 2^32 and fmix32 is a bijection with fmix32(0) = 0, so at most one word is zero.
  return xoroshiro128plus.fromState(state)
}

const TWO_POW_26 = 0x4000000
const TWO_POW_53 = 0x20000000000000

class SeededRandom implements Random {
  readonly #rng: RandomGenerator

  constructor(seed: number) {
    this.#rng = seededGenerator(seed)
  }

  next(): number {
    // 27 + 26 bits from two outputs, the usual construction of a 53-bit double in [0, 1).
    const high = this.#rng.unsafeNext() >>> 5
    const low = this.#rng.unsafeNext() >>> 6
    return (high * TWO_POW_26 + low) / TWO_POW_53
  }

  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
      throw new RangeError(`[awrr] random.int needs integers min <= max (got ${min}, ${max}).`)
    }
    return unsafeUniformIntDistribution(min, max, this.#rng)
  }

  chance(probability: number): boolean {
    if (probability >= 1) return true
    if (!(probability > 0)) return false
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('[awrr] random.pick needs at least one item.')
    return items[this.int(0, items.length - 1)] as T
  }

  weighted<T>(items: readonly { value: T; weight: number }[]): T {
    let total = 0
    let lastPositive = -1
    items.forEach((item, index) => {
      if (!Number.isFinite(item.weight) || item.weight < 0) {
        throw new RangeError(`[awrr] random.weighted needs finite weights >= 0 (got ${item.weight}).`)
      }
      total += item.weight
      if (item.weight > 0) lastPositive = index
    })
    if (lastPositive < 0) throw new RangeError('[awrr] random.weighted needs at least one positive weight.')
    let threshold = this.next() * total
    for (const item of items) {
      if (item.weight > 0 && threshold < item.weight) return item.value
      threshold -= item.weight
    }
    // Rounding in the running subtraction can overshoot by an ulp: the last positive item wins.
    return (items[lastPositive] as { value: T }).value
  }
}

/** A random source whose draws depend only on `seed` (a 32-bit integer; other bits are dropped). */
export function createRandom(seed: number): Random {
  return new SeededRandom(seed)
}
