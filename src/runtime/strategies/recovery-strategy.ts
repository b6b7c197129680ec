import type { CallResult } from '../executor/trace-events.ts'
import type { DiagnosisSource } from '../executor/task-summary.ts'
import type { InjectedFault } from '../faults/fault-plan.ts'
import type { Layer, Outcome } from '../scenario/schema.ts'

/**
 * What a real client can see of one failed call, and nothing more: no fault id, type, layer or
 * mode. Strategies and diagnosers receive only this.
 */
export interface Observation {
  tool: string
  step: number
  stepName: string
  /** 0-based attempt of this step. */
  attempt: number
  result: Exclude<CallResult, 'ok'>
  /** HTTP status; null when no answer came (timeout, connection reset). */
  status: number | null
  /** Response headers, lower-case names. */
  headers: Readonly<Record<string, string>>
  /** Parsed response body, when there was one. */
  body: unknown
  /** `error.code` of the body, when it has one. */
  errorCode: string | null
  /** World hash the failing answer carried, and the one after the last successful call. */
  worldHash: string | null
  lastGoodWorldHash: string | null
  /** The tool changes the world. */
  sideEffect: boolean
  /** Virtual ms since the task began, when the failure was seen. */
  at: number
}

export interface FailureContext {
  observation: Observation
  /** Earlier failures of this task, oldest first. */
  history: readonly Observation[]
  /** Retries and rollbacks already spent on this step. */
  recoveriesOnStep: number
  budget: { toolCallsLeft: number; virtualMsLeft: number }
  /** The strategy's own seeded randomness (jitter). */
  random(): number
  /** Records a fact in the trace (`strategy:event`), e.g. a circuit breaker opening. */
  record(name: string, detail?: Record<string, unknown>): void
}

export interface Diagnosis {
  layer: Layer | 'unknown'
  source: DiagnosisSource
  confidence: number
  rationale?: string
}

export type RecoveryDecision = (
  | { action: 'retry'; delayMs: number }
  | { action: 'rollback'; delayMs: number }
  | { action: 'compensate'; reason: string }
  | { action: 'escalate'; reason: string }
  | { action: 'fail'; reason: string }
) & { diagnosis?: Diagnosis; diagnoserCalls?: number; memoryHit?: boolean }

export interface TaskEndInfo {
  task: string
  outcome: Outcome
  /** First failure of the task and what was done about it. */
  firstFailure: { observation: Observation; decision: RecoveryDecision } | undefined
}

export interface RecoveryStrategy {
  readonly name: string
  /** Run the saga stack when the task gives up. @default true */
  readonly saga?: boolean
  /**
   * Read-after-write: after a write the record is read back and must show the write; a read must
   * agree with what the task last saw of the record and wrote since. A disagreement is a failed
   * step with error code `verification_failed`, handed to `decide()` like any other. @default false
   */
  readonly verify?: boolean
  /** Called once per error event. */
  decide(context: FailureContext): RecoveryDecision | Promise<RecoveryDecision>
  /** Called after every task, in task order within a scenario. */
  onTaskEnd?(info: TaskEndInfo): void | Promise<void>
}

/** A strategy that is handed the injected ground truth: ORACLE, the leaderboard's ceiling, only. */
export interface PrivilegedStrategy extends RecoveryStrategy {
  readonly readsGroundTruth: true
  decideWithTruth(context: FailureContext, truth: InjectedFault | undefined): RecoveryDecision | Promise<RecoveryDecision>
}

export function isPrivileged(strategy: RecoveryStrategy): strategy is PrivilegedStrategy {
  return (strategy as Partial<PrivilegedStrategy>).readsGroundTruth === true
}
