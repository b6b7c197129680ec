import { urlPattern } from '../http/env-interpolation.ts'
import { createRandom, hashSeed } from '../random.ts'
import { defaultLayerOf, type Layer } from '../scenario/taxonomy.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'

/** The ground truth of one injected fault. Only the trace, the reporters and ORACLE see it. */
export interface InjectedFault {
  fault: ResolvedFault
  layer: Layer
  /** Attempt index of the targeted step (or tool) this fault hit. */
  attempt: number
}

export interface CallTarget {
  tool: string
  /** Workflow step index; undefined for calls outside the workflow (compensations, rollbacks). */
  step: number | undefined
  /** Request method and full URL, for faults that target requests by pattern. */
  method?: string
  url?: string
}

export interface FaultPlanContext {
  seed: number
  scenario: string
  task: string
  faults: readonly ResolvedFault[]
  /** True once a rollback or compensation has been recorded since `sinceSeq` (for stateful conflicts). */
  recoveredSince(sinceSeq: number): boolean
  /** The audit log's next sequence number, the moment a stateful conflict becomes active. */
  auditSeq(): number
}

export interface FaultPlan {
  /** Decides, for one call, which fault (if any) hits it. Call exactly once per call. */
  decide(target: CallTarget): InjectedFault | undefined
}

interface FaultState {
  attempts: number
  /** For `target:` faults, the URL pattern, compiled once. */
  pattern?: RegExp
  /** once / persistent: the draw made at the first attempt. */
  decided?: boolean
  used?: boolean
  /** stateful_conflict: audit sequence at activation; undefined while inactive. */
  activeSince?: number
  resolved?: boolean
}

/**
 * Decides per call, from a PRNG seeded by (seed, scenario, task, fault, attempt), so that whether a
 * fault fires never depends on worker count, file order, sharding or what other tasks did.
 */
export function createFaultPlan(context: FaultPlanContext): FaultPlan {
  const states = context.faults.map((fault): FaultState =>
    fault.target ? { attempts: 0, pattern: urlPattern(fault.target.url) } : { attempts: 0 },
  )

  const draw = (fault: ResolvedFault, attempt: number): number =>
    createRandom(hashSeed(context.seed, context.scenario, context.task, fault.id, attempt)).next()

  const fires = (fault: ResolvedFault, state: FaultState, attempt: number): boolean => {
    const forced = fault.force_first_attempt === true && attempt === 0
    switch (fault.mode) {
      case 'once':
        state.decided ??= forced || draw(fault, 0) < fault.prob
        if (!state.decided || state.used) return false
        state.used = true
        return true
      case 'persistent':
        state.decided ??= forced || draw(fault, 0) < fault.prob
        return state.decided
      case 'per_attempt':
        return forced || draw(fault, attempt) < fault.prob
      case 'first_n':
        return attempt < (fault.times ?? 0) && (forced || draw(fault, attempt) < fault.prob)
      case 'stateful_conflict':
        if (state.resolved) return false
        if (state.activeSince !== undefined) {
          if (context.recoveredSince(state.activeSince)) {
            state.resolved = true
            return false
          }
          return true
        }
        if (forced || draw(fault, attempt) < fault.prob) {
          state.activeSince = context.auditSeq()
          return true
        }
        return false
    }
  }

  return {
    decide(target) {
      let hit: InjectedFault | undefined
      context.faults.forEach((fault, index) => {
        const state = states[index]!
        const matches =
          fault.step !== undefined
            ? fault.step === target.step
            : fault.tool !== undefined
              ? fault.tool === target.tool
              : target.url !== undefined &&
                (fault.target?.method === undefined || fault.target.method === target.method) &&
                state.pattern?.test(target.url) === true
        if (!matches) return
        const attempt = state.attempts++
        if (fires(fault, state, attempt) && hit === undefined) {
          hit = { fault, layer: fault.layer ?? defaultLayerOf[fault.type], attempt }
        }
      })
      return hit
    },
  }
}
