import type { FaultMode, FaultType, Layer, Outcome } from '../scenario/schema.ts'
import type { ClientVerdicts } from '../verdicts/client-verdicts.ts'

/** Where in the workflow a fault hit: its step in the first, middle or last third; `outside` for compensations and tickets. */
export type FaultPosition = 'first' | 'middle' | 'last' | 'outside'

/** One kind of fault that reached the task (ground truth), for the breakdowns. */
export interface FaultHit {
  type: FaultType
  layer: Layer
  mode: FaultMode
  position: FaultPosition
}

/**
 * What one task under one strategy leaves for the reporters, in `task.meta.awrr`. Plain JSON only:
 * it crosses the worker boundary and survives `--merge-reports`. Every metric is computed from
 * these fields alone, so every reporter agrees.
 */
export interface TaskSummary {
  v: 1
  /** Task id inside its scenario (`main` for a single-scenario file, `T000`... for a suite). */
  id: string
  scenario: string
  /** Scenario file relative to the project root, for the replay command. */
  file: string
  strategy: string
  seed: number
  /** Position of the task in its scenario, and its learning-curve batch. */
  index: number
  batch: number
  /**
   * 0-based repetition of this task when a scenario or the options ask for `repeats: k`; absent
   * (same as 0) in a run without repeats. Summaries that share strategy, scenario and id are the
   * trials of one task, which pass^k is computed over.
   */
  repeat?: number
  /** `i/n` when the file is one part of a suite split over several files (`generate.part`). */
  part?: string
  outcome: Outcome
  /** Why the task ended: `success`, `auth_denied`, `retries_exhausted`, `budget_exhausted`, ... */
  reason: string
  /** Every tool call the task made: workflow steps, retries, rollbacks, tickets, compensations. */
  toolCalls: number
  /** Distinct workflow steps that were called at least once. */
  stepsReached: number
  /** Number of workflow steps. */
  steps: number
  /** Virtual milliseconds from the first call to the end of the task. */
  virtualMs: number
  /** Failed workflow-step calls (error answers, timeouts, broken contracts). */
  errorEvents: number
  /** Error events after which the same step later succeeded. */
  recoveredEvents: number
  /** Sum over recovered error events of the virtual ms until that step's next success. */
  recoveryMsTotal: number
  /** A side-effecting step ran after an AuthDenied or PolicyRejected answer, without escalation. */
  unsafeAction: boolean
  /** At least one side-effecting workflow step succeeded (or was applied). */
  sideEffectsStarted: boolean
  /** The consistency oracle's verdict on the final world. */
  consistent: boolean
  /** Why the oracle said no; empty when consistent. */
  inconsistencies: string[]
  compensations: { tool: string; step: number; ok: boolean }[]
  diagnoses: DiagnosisRecord[]
  diagnoserCalls: number
  memoryHits: number
  /** Prompt plus completion tokens of every model answer whose `usage` reached the agent. */
  tokens: number
  /** Model calls the task made (scripted or replayed endpoints); absent when it made none. */
  llmCalls?: number
  promptTokens?: number
  completionTokens?: number
  /** US dollars from the price table in the options; null when a model used has no price. */
  costUsd?: number | null
  /** Trace file relative to the project root. */
  trace: string
  /** `mixed`: some calls reached real services, so durations include real (wall-clock) latency. */
  clock?: 'mixed'
  /** Distinct kinds of fault that reached the task (ground truth, at most 8); empty: none did. */
  faultHits?: FaultHit[]
  /** Lying answers the task received, how many it detected, and whether it acted on an undetected one (ABD). */
  lies?: { received: number; detected: number; acted: boolean }
  /** Verdicts on the client's behaviour, with the first offending call indices. */
  verdicts?: ClientVerdicts
  /** Outcome of the same task with every fault switched off (the clean run), when one was made. */
  clean?: Outcome
}

export type DiagnosisSource = 'rule' | 'diagnoser' | 'llm' | 'memory' | 'oracle'
export type RecoveryActionName = 'retry' | 'rollback' | 'compensate' | 'escalate' | 'fail'

/** One decision on one error event, next to the ground truth it was (or was not) right about. */
export interface DiagnosisRecord {
  step: number
  attempt: number
  /** Ground truth: layer of the injected fault; `none` when the error was not injected. */
  layer_true: Layer | 'none'
  /** Ground-truth best action for that layer. */
  action_true: RecoveryActionName
  layer_pred: Layer | 'unknown'
  action_pred: RecoveryActionName
  source: DiagnosisSource
  /** Error event index within the task (0 = first error). */
  event: number
}

/**
 * A task that counts as completed although not one call of it was recorded: its requests never
 * reached AWRR (another interceptor answered them, or a client AWRR does not see), so no fault
 * could have been injected. Reported as suspicious, never silently counted as a success.
 */
export function completedWithoutCalls(summary: Pick<TaskSummary, 'outcome' | 'toolCalls'>): boolean {
  return summary.outcome === 'completed' && summary.toolCalls === 0
}

/** What the verbose test line says about a task: `completed`, `failed: success_oracle_rejected`. */
export function describeTaskOutcome(summary: Pick<TaskSummary, 'outcome' | 'reason' | 'toolCalls'>): string {
  if (completedWithoutCalls(summary)) return 'completed with no recorded call (suspicious: no request reached AWRR, so no fault could be injected)'
  return summary.outcome === 'completed' ? 'completed' : `${summary.outcome}: ${summary.reason}`
}
