import type { TaskSummary } from '../runtime/executor/task-summary.ts'

/**
 * Code-unit order, not `localeCompare`: the order must not depend on the machine's ICU locale,
 * or two runs of the same seed could write different reports.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Deterministic task order used by every report: scenario, then position, then id, then repetition. */
export function compareTaskSummaries(a: TaskSummary, b: TaskSummary): number {
  return (
    compareStrings(a.scenario, b.scenario) ||
    a.index - b.index ||
    compareStrings(a.id, b.id) ||
    compareStrings(a.file, b.file) ||
    (a.repeat ?? 0) - (b.repeat ?? 0)
  )
}
