import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import { compareStrings } from './task-order.ts'

/** The repeated runs of one task under one strategy. */
export interface TaskTrials {
  scenario: string
  id: string
  trials: number
  successes: number
}

/** One point of the pass^k curve. */
export interface PassHatPoint {
  k: number
  value: number
}

/**
 * Groups one strategy's summaries into tasks (same scenario and id; `repeat` tells the trials
 * apart) and counts completed trials, in scenario then id order.
 */
export function taskTrials(summaries: readonly TaskSummary[]): TaskTrials[] {
  const byTask = new Map<string, TaskTrials>()
  for (const summary of summaries) {
    const key = `${summary.scenario}\0${summary.id}`
    let entry = byTask.get(key)
    if (!entry) byTask.set(key, (entry = { scenario: summary.scenario, id: summary.id, trials: 0, successes: 0 }))
    entry.trials++
    if (summary.outcome === 'completed') entry.successes++
  }
  return [...byTask.values()].sort((a, b) => compareStrings(a.scenario, b.scenario) || compareStrings(a.id, b.id))
}

/**
 * C(c, k) / C(n, k): the chance that k trials drawn without replacement from n, c of them
 * successes, all succeed. A running product instead of two binomials, which overflow doubles long
 * before the ratio stops being representable.
 */
export function allSucceedProbability(successes: number, trials: number, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > trials || successes > trials || successes < 0) {
    throw new RangeError(`[awrr] pass^k needs 1 <= k <= n and 0 <= c <= n (got c=${successes}, n=${trials}, k=${k}).`)
  }
  let probability = 1
  for (let j = 0; j < k; j++) probability *= (successes - j) / (trials - j)
  return Math.max(0, probability)
}

/** The terms of tau-bench's pass^k estimator, sorted so that their sum does not depend on task order. */
export function passHatKTerms(tasks: readonly TaskTrials[], k: number): number[] {
  return tasks.map((task) => allSucceedProbability(task.successes, task.trials, k)).sort((a, b) => a - b)
}

/**
 * pass^k as in tau-bench: per task C(c, k) / C(n, k), averaged over tasks. It is the probability
 * that a strategy completes a task in all of k independent tries, an estimate of reliability that
 * WCR (= pass^1) cannot give. `null` without tasks.
 */
export function passHatK(tasks: readonly TaskTrials[], k: number): number | null {
  if (tasks.length === 0) return null
  let sum = 0
  for (const term of passHatKTerms(tasks, k)) sum += term
  return sum / tasks.length
}

/** The number of trials every task has: the largest k pass^k can be computed for. 0 without tasks. */
export function commonTrials(tasks: readonly TaskTrials[]): number {
  return tasks.length === 0 ? 0 : tasks.reduce((least, task) => Math.min(least, task.trials), Infinity)
}

/**
 * pass^1 ... pass^K with K the trials every task has; empty without repeats (K < 2), where the
 * curve would be WCR alone.
 */
export function passHatCurve(tasks: readonly TaskTrials[]): PassHatPoint[] {
  const trials = commonTrials(tasks)
  if (trials < 2) return []
  const points: PassHatPoint[] = []
  for (let k = 1; k <= trials; k++) points.push({ k, value: passHatK(tasks, k)! })
  return points
}
