/** A two-sided confidence interval for a proportion, both ends in [0, 1]. */
export interface ProportionInterval {
  lower: number
  upper: number
}

/**
 * Wilson score interval for `successes` out of `n` trials; `z = 1.96` gives 95%.
 * Unlike the normal approximation it stays inside [0, 1] and behaves at 0/n and n/n, which matters
 * for the small per-strategy samples AWRR deals with. Returns `null` when `n` is 0, like the rates
 * it goes with.
 *
 * @throws RangeError when the counts are not integers with 0 <= successes <= n, or z is not positive.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): ProportionInterval | null {
  if (!Number.isInteger(n) || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(
      `[awrr] wilsonInterval needs integers with 0 <= successes <= n (got successes=${successes}, n=${n}).`,
    )
  }
  if (!(z > 0) || !Number.isFinite(z)) {
    throw new RangeError(`[awrr] wilsonInterval needs a positive finite z (got ${z}).`)
  }
  if (n === 0) return null

  const p = successes / n
  const z2 = z * z
  const denominator = 1 + z2 / n
  const center = (p + z2 / (2 * n)) / denominator
  const margin = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator
  // At 0/n and n/n the exact bound is 0 or 1; clamp away the floating-point residue.
  return {
    lower: successes === 0 ? 0 : Math.max(0, center - margin),
    upper: successes === n ? 1 : Math.min(1, center + margin),
  }
}
