import type { InjectedFault } from '../faults/fault-plan.ts'
import type { FaultHit, FaultPosition } from './task-summary.ts'

/** The third of the workflow a step is in; `outside` for calls that are not workflow steps. */
export function positionOf(step: number | undefined, steps: number): FaultPosition {
  if (step === undefined || steps <= 0) return 'outside'
  const third = (step * 3) / steps
  return third < 1 ? 'first' : third < 2 ? 'middle' : 'last'
}

/**
 * The distinct kinds of fault that reached a task, in the order they first did (at most `max`):
 * what the breakdowns by type, layer, mode and position count the task under.
 */
export function faultHitsOf(
  injected: readonly (InjectedFault & { step?: number | undefined })[],
  steps: number,
  max = 8,
): FaultHit[] {
  const hits: FaultHit[] = []
  const seen = new Set<string>()
  for (const entry of injected) {
    const hit: FaultHit = { type: entry.fault.type, layer: entry.layer, mode: entry.fault.mode, position: positionOf(entry.step, steps) }
    const key = `${hit.type}|${hit.layer}|${hit.mode}|${hit.position}`
    if (seen.has(key)) continue
    seen.add(key)
    hits.push(hit)
    if (hits.length >= max) break
  }
  return hits
}
