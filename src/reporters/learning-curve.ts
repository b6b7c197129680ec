import type { TaskSummary } from '../runtime/executor/task-summary.ts'

/** RR_task of one batch of tasks (`summary.batch`), and up to and including it. */
export interface LearningBatch {
  batch: number
  tasks: number
  tasksWithErrors: number
  completedWithErrors: number
  /** `null` when no task of the batch had an error. */
  rrTask: number | null
  cumulativeRrTask: number | null
}

export interface LearningCurve {
  /** The RR_task a batch has to reach. */
  threshold: number
  batches: LearningBatch[]
  /** The first batch whose RR_task reaches the threshold; `null` when none does. */
  firstBatchReaching: number | null
}

/** @default 0.8, DESIGN.md's "first batch that reaches RR_task >= 0.8" */
export const defaultLearningThreshold = 0.8

/**
 * The learning curve of one strategy: tasks in batches, in order; RR_task per batch and
 * cumulative. Batches come from the summaries (the plugin's `batchSize`), so a curve after a
 * sharded run is the same as after one run.
 */
export function computeLearningCurve(
  summaries: readonly TaskSummary[],
  threshold: number = defaultLearningThreshold,
): LearningCurve {
  const byBatch = new Map<number, LearningBatch>()
  for (const summary of summaries) {
    let entry = byBatch.get(summary.batch)
    if (!entry) {
      entry = { batch: summary.batch, tasks: 0, tasksWithErrors: 0, completedWithErrors: 0, rrTask: null, cumulativeRrTask: null }
      byBatch.set(summary.batch, entry)
    }
    entry.tasks++
    if (summary.errorEvents > 0) {
      entry.tasksWithErrors++
      if (summary.outcome === 'completed') entry.completedWithErrors++
    }
  }
  const batches = [...byBatch.values()].sort((a, b) => a.batch - b.batch)
  let withErrors = 0
  let recovered = 0
  let firstBatchReaching: number | null = null
  for (const entry of batches) {
    withErrors += entry.tasksWithErrors
    recovered += entry.completedWithErrors
    entry.rrTask = entry.tasksWithErrors === 0 ? null : entry.completedWithErrors / entry.tasksWithErrors
    entry.cumulativeRrTask = withErrors === 0 ? null : recovered / withErrors
    if (firstBatchReaching === null && entry.rrTask !== null && entry.rrTask >= threshold) firstBatchReaching = entry.batch
  }
  return { threshold, batches, firstBatchReaching }
}

const sparkBars = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const

/**
 * RR_task per batch (the report's batches) as a sparkline on a fixed 0..1 scale, so that two strategies' lines compare.
 * A batch without errors is a space. Longer curves are merged into at most `width` characters by
 * pooling neighbouring batches' counts (not by averaging their rates).
 */
export function renderSparkline(
  batches: readonly { tasks_with_errors: number; completed_with_errors: number }[],
  width = 40,
): string {
  const groups = Math.min(width, batches.length)
  let line = ''
  for (let g = 0; g < groups; g++) {
    const start = Math.floor((g * batches.length) / groups)
    const end = Math.floor(((g + 1) * batches.length) / groups)
    let withErrors = 0
    let recovered = 0
    for (const entry of batches.slice(start, end)) {
      withErrors += entry.tasks_with_errors
      recovered += entry.completed_with_errors
    }
    line += withErrors === 0 ? ' ' : sparkBars[Math.min(sparkBars.length - 1, Math.floor((recovered / withErrors) * sparkBars.length))]
  }
  return line
}
