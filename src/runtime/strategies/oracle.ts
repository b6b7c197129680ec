import type { InjectedFault } from '../faults/fault-plan.ts'
import type { Layer } from '../scenario/schema.ts'
import type { Diagnosis, FailureContext, PrivilegedStrategy, RecoveryDecision } from './recovery-strategy.ts'
import { retryAfterMs } from './rule-table.ts'

export interface OracleOptions {
  /** Retries plus rollbacks per step: the same allowance as B2-B4, so the ceiling is fair. @default 3 */
  maxRecoveries?: number
}

type BestAction = { action: 'retry' | 'rollback' | 'escalate'; layer: Layer; why: string }

/**
 * The best action for an injected fault, knowing all about it. The layer alone is not enough: a
 * NotFound is `persistent` by default, but a `once` NotFound (eventual consistency) clears on a
 * retry, and knowing that is exactly ORACLE's privilege. Auth and policy refusals are never
 * retried even when they would clear, because writing on after one is unsafe (UAR).
 */
export function bestActionFor(truth: InjectedFault): BestAction {
  const { fault, layer } = truth
  if (fault.type === 'AuthDenied' || fault.type === 'PolicyRejected') return { action: 'escalate', layer, why: 'refused: a human decides' }
  if (fault.type === 'Conflict' || fault.mode === 'stateful_conflict') return { action: 'rollback', layer, why: 'conflict: clears after a rollback' }
  // `persistent` (and a certain `per_attempt`) fault hits every attempt once it fired.
  const clears = fault.mode === 'once' || fault.mode === 'first_n' || (fault.mode === 'per_attempt' && fault.prob < 1)
  if (!clears) return { action: 'escalate', layer, why: `${fault.mode} ${fault.type}: every further attempt fails` }
  if (fault.type === 'StateCorruption') return { action: 'rollback', layer, why: 'a half-done write that will not recur: roll back, then retry' }
  return { action: 'retry', layer, why: `${fault.mode} ${fault.type}: a later attempt passes` }
}

/**
 * ORACLE: the leaderboard's ceiling. It alone is handed the injected ground truth, and takes the
 * best action for it, within the same retry allowance and budget as everyone else. Retry-After is
 * honoured; otherwise it retries at once, since nothing is gained by waiting.
 */
export function oracle(options: OracleOptions = {}): PrivilegedStrategy {
  const maxRecoveries = options.maxRecoveries ?? 3
  const decideWithTruth = (context: FailureContext, truth: InjectedFault | undefined): RecoveryDecision => {
    if (!truth) {
      // Not injected: the tool itself refused (a real 404, a real policy check). Nothing clears it.
      return { action: 'escalate', reason: 'genuine_error', diagnosis: { layer: 'persistent', source: 'oracle', confidence: 1, rationale: 'not an injected fault' } }
    }
    const best = bestActionFor(truth)
    const diagnosis: Diagnosis = { layer: best.layer, source: 'oracle', confidence: 1, rationale: best.why }
    if (best.action === 'escalate') return { action: 'escalate', reason: `oracle_${truth.fault.type}`, diagnosis }
    if (context.recoveriesOnStep >= maxRecoveries) return { action: 'escalate', reason: 'retries_exhausted', diagnosis }
    const delayMs = retryAfterMs(context.observation) ?? 0
    const callsNeeded = best.action === 'rollback' ? 2 : 1
    if (delayMs > context.budget.virtualMsLeft || callsNeeded > context.budget.toolCallsLeft) return { action: 'escalate', reason: 'budget', diagnosis }
    return { action: best.action, delayMs, diagnosis }
  }
  return {
    name: 'ORACLE',
    readsGroundTruth: true,
    decideWithTruth,
    decide: () => {
      throw new Error('[awrr] ORACLE needs the ground truth: the executor calls decideWithTruth().')
    },
  }
}
