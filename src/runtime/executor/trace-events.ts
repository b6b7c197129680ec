import type { FaultMode, FaultType, Layer, Outcome } from '../scenario/schema.ts'
import type { DiagnosisSource, RecoveryActionName } from './task-summary.ts'

export type CallPurpose = 'step' | 'rollback' | 'ticket' | 'compensation' | 'oracle' | 'verify' | 'model'

/** What a client saw of one call. */
export type CallResult = 'ok' | 'http_error' | 'timeout' | 'network' | 'contract'

/**
 * The trace: an append-only list of facts, one JSON object per line in
 * `.awrr/traces/<strategy>/<scenario>.jsonl`. `at` is virtual milliseconds since the task began.
 */
export type TraceEvent =
  | { type: 'task:start'; task: string; scenario: string; strategy: string; seed: number; at: 0 }
  | { type: 'tool:serve'; call: number; tool: string; step: number | null; purpose: CallPurpose; at: number; latencyMs: number; status: number | 'network' | 'hang'; replayed: boolean }
  | { type: 'fault:injected'; call: number; faultId: string; faultType: FaultType; layer: Layer; mode: FaultMode; step: number | null; tool: string; attempt: number; at: number }
  /** What a lying fault did to the answer: `lied: false` when it had nothing to work on (`detail` says why). */
  | { type: 'fault:lie'; call: number; faultType: FaultType; lied: boolean; detail: string; at: number }
  | { type: 'tool:call'; call: number; tool: string; step: number | null; purpose: CallPurpose; attempt: number; at: number; latencyMs: number; result: CallResult; status: number | null }
  | { type: 'strategy:decision'; step: number; attempt: number; action: RecoveryActionName; delayMs: number; layer: Layer | 'unknown'; source: DiagnosisSource; confidence: number; at: number }
  | { type: 'strategy:event'; name: string; detail: Record<string, unknown>; at: number }
  | { type: 'world:rollback'; step: number; at: number }
  | { type: 'saga:push'; step: number; tool: string; at: number }
  | { type: 'saga:compensate'; step: number; tool: string; ok: boolean; attempts: number; at: number }
  | { type: 'task:error'; where: string; message: string; at: number }
  /**
   * One call to a scripted (or replayed) model endpoint. `status`: the HTTP status, or how the
   * answer broke: `network` (reset), `hang` (no answer until the client gave up), `cut` (the
   * stream ended after `events` events), `stall` (the stream stopped after `events` and held).
   * Tokens are those of the `usage` the client received (0 when it never arrived).
   */
  | {
      type: 'llm:call'
      call: number
      tool: string
      api: 'chat' | 'responses' | 'messages' | null
      model: string
      stream: boolean
      turn: number | null
      at: number
      latencyMs: number
      status: number | 'network' | 'hang' | 'cut' | 'stall'
      finish: 'stop' | 'tool_calls' | 'length' | 'refusal' | null
      toolCalls: string[]
      promptTokens: number
      completionTokens: number
      events?: number
      replayed?: boolean
    }
  /**
   * A replay stopped being the same run as its recording at this point of its time line (another
   * call, or its own time off the recording's): from here it counts its own wall time.
   */
  | { type: 'cassette:timing'; point: number; expected: string | null; actual: string; recordedMs: number | null; measuredMs: number; at: number }
  | { type: 'oracle:verdict'; ok: boolean; why: string | null; at: number }
  | { type: 'task:final'; outcome: Outcome; reason: string; consistent: boolean; at: number }

export interface TraceSink {
  emit(event: TraceEvent): void
}
