import type { FaultHit, TaskSummary } from '../runtime/executor/task-summary.ts'

/** One row of a breakdown: the tasks a kind of fault reached, and how they fared. */
export interface BreakdownRow {
  key: string
  tasks: number
  completed: number
  wcr: number | null
  rr_task: number | null
  mttr_ms: number | null
}

export type BreakdownDimension = 'type' | 'layer' | 'mode' | 'position'
export const breakdownDimensions: readonly BreakdownDimension[] = ['type', 'layer', 'mode', 'position']

export type Breakdown = Record<BreakdownDimension, BreakdownRow[]>

/**
 * WCR, RR_task and MTTR per fault type, layer, mode and position (third of the workflow), from
 * the kinds of fault that reached each task; a task hit by two kinds counts under both, a task no
 * fault reached under `none`. Pure; rows sorted by key.
 */
export function computeBreakdown(summaries: readonly TaskSummary[]): Breakdown {
  const breakdown = {} as Breakdown
  for (const dimension of breakdownDimensions) {
    const groups = new Map<string, TaskSummary[]>()
    for (const summary of summaries) {
      const keys = new Set((summary.faultHits ?? []).map((hit: FaultHit) => String(hit[dimension])))
      if (keys.size === 0) keys.add('none')
      for (const key of keys) {
        const group = groups.get(key)
        if (group) group.push(summary)
        else groups.set(key, [summary])
      }
    }
    breakdown[dimension] = [...groups]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, group]) => {
        const completed = group.filter((summary) => summary.outcome === 'completed').length
        const withErrors = group.filter((summary) => summary.errorEvents > 0)
        const recovered = group.reduce((sum, summary) => sum + summary.recoveredEvents, 0)
        const recoveryMs = group.map((summary) => summary.recoveryMsTotal).sort((a, b) => a - b).reduce((sum, ms) => sum + ms, 0)
        return {
          key,
          tasks: group.length,
          completed,
          wcr: completed / group.length,
          rr_task: withErrors.length === 0 ? null : withErrors.filter((summary) => summary.outcome === 'completed').length / withErrors.length,
          mttr_ms: recovered === 0 ? null : recoveryMs / recovered,
        }
      })
  }
  return breakdown
}
