import type { TaskSummary } from '../runtime/executor/task-summary.ts'

/**
 * One strategy against the reference on the tasks both ran (same scenario, id and repetition).
 * The four cells of the paired 2x2 table, the difference in completion rate and McNemar's exact
 * p-value. Pairing matters: both strategies see the same faults on the same task, so comparing
 * two WCRs as if they were independent samples would throw that information away.
 */
export interface PairedComparison {
  reference: string
  /** Tasks both strategies ran. */
  pairs: number
  bothCompleted: number
  /** Completed under this strategy, not under the reference. */
  onlyThis: number
  /** Completed under the reference, not under this strategy. */
  onlyReference: number
  neitherCompleted: number
  /** (onlyThis - onlyReference) / pairs: this strategy's WCR minus the reference's on the pairs. */
  difference: number
  /** McNemar's exact (binomial) two-sided p-value on the discordant pairs. */
  pValue: number
}

/**
 * Two-sided exact McNemar test: under "no difference" each discordant pair is equally likely to
 * go either way, so min(b, c) follows Binomial(b + c, 1/2). The p-value doubles its lower tail,
 * capped at 1. Summed in log space so that tens of thousands of pairs do not underflow.
 */
export function mcnemarExactP(onlyThis: number, onlyReference: number): number {
  for (const count of [onlyThis, onlyReference]) {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`[awrr] McNemar's test needs counts that are non-negative integers (got ${onlyThis} and ${onlyReference}).`)
    }
  }
  const n = onlyThis + onlyReference
  if (n === 0) return 1
  const tail = Math.min(onlyThis, onlyReference)
  // log P(X = i) for i = 0..tail, by the recurrence C(n, i + 1) = C(n, i) (n - i) / (i + 1).
  const logTerms: number[] = []
  let logTerm = -n * Math.LN2
  for (let i = 0; i <= tail; i++) {
    logTerms.push(logTerm)
    logTerm += Math.log(n - i) - Math.log(i + 1)
  }
  // i <= n/2, where the binomial terms only grow: the last one is the largest.
  const largest = logTerms[logTerms.length - 1]!
  let sum = 0
  for (const term of logTerms) sum += Math.exp(term - largest)
  return Math.min(1, 2 * Math.exp(largest + Math.log(sum)))
}

function pairKey(summary: TaskSummary): string {
  return `${summary.scenario}\0${summary.id}\0${summary.repeat ?? 0}`
}

/** `null` when the two share no task: there is nothing to pair. */
export function comparePaired(
  strategy: readonly TaskSummary[],
  reference: readonly TaskSummary[],
  referenceName: string,
): PairedComparison | null {
  const referenceCompleted = new Map<string, boolean>()
  for (const summary of reference) referenceCompleted.set(pairKey(summary), summary.outcome === 'completed')

  let bothCompleted = 0
  let onlyThis = 0
  let onlyReference = 0
  let neitherCompleted = 0
  for (const summary of strategy) {
    const other = referenceCompleted.get(pairKey(summary))
    if (other === undefined) continue
    const completed = summary.outcome === 'completed'
    if (completed && other) bothCompleted++
    else if (completed) onlyThis++
    else if (other) onlyReference++
    else neitherCompleted++
  }
  const pairs = bothCompleted + onlyThis + onlyReference + neitherCompleted
  if (pairs === 0) return null
  return {
    reference: referenceName,
    pairs,
    bothCompleted,
    onlyThis,
    onlyReference,
    neitherCompleted,
    difference: (onlyThis - onlyReference) / pairs,
    pValue: mcnemarExactP(onlyThis, onlyReference),
  }
}
