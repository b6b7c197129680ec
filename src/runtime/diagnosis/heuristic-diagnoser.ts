import type { Layer } from '../scenario/schema.ts'
import type { Observation } from '../strategies/recovery-strategy.ts'
import { retryAfterMs } from '../strategies/rule-table.ts'
import type { DiagnosisAction, DiagnosisInput, DiagnosisResult, Diagnoser } from './diagnoser.ts'

/**
 * Heuristic diagnosis: rules over what a client saw, and over this task's history, which is what
 * sets it apart from B2's static table. Confidence is the rules' own estimate that the action is
 * the right one, set once per rule from what the signal can and cannot tell apart, never fitted to
 * a suite; strategies act on a verdict only from 0.7 up.
 */

/** How many times a 404 on a read is retried as possible replication lag before it counts as real. */
const maxEventualConsistencyRetries = 2
/** Confidence lost per earlier identical failure of the same step: the blip hypothesis weakens. */
const repeatPenalty = 0.1
const transientStatuses = new Set([408, 429, 502, 503, 504])

type Verdict = { layer: Layer; action: DiagnosisAction; confidence: number; rationale: string }

const verdict = (layer: Layer, action: DiagnosisAction, confidence: number, rationale: string): Verdict => ({
  layer,
  action,
  confidence,
  rationale,
})

/** Same step, same answer (result, status, error code) and the same world as now. */
function isIdenticalFailure(earlier: Observation, now: Observation): boolean {
  return (
    earlier.step === now.step &&
    earlier.result === now.result &&
    earlier.status === now.status &&
    earlier.errorCode === now.errorCode &&
    earlier.worldHash === now.worldHash
  )
}

/**
 * The failing answer carries a different world than the last successful call left behind: the
 * failed call wrote something before it failed, so the world needs to be put back first.
 */
function changedTheWorld(observation: Observation): boolean {
  const { worldHash, lastGoodWorldHash } = observation
  return worldHash !== null && lastGoodWorldHash !== null && worldHash !== lastGoodWorldHash
}

function withRepeats(base: Verdict, repeats: number): Verdict {
  if (repeats === 0) return base
  const confidence = Math.max(0, Math.round((base.confidence - repeatPenalty * repeats) * 100) / 100)
  return { ...base, confidence, rationale: `${base.rationale}; the same failure ${repeats + 1} times in a row lowers confidence` }
}

/** The rules, as a pure function: same input, same verdict. */
export function diagnoseByHeuristics({ observation, history }: DiagnosisInput): DiagnosisResult {
  const repeats = history.filter((earlier) => isIdenticalFailure(earlier, observation)).length
  const result = classify(observation, history, repeats)
  return { ...result, source: 'diagnoser' }
}

function classify(observation: Observation, history: readonly Observation[], repeats: number): Verdict {
  const { result, status, errorCode, sideEffect } = observation

  if (result === 'timeout') {
    const ambiguity = sideEffect ? ' (the write may have landed; the idempotency key makes a retry safe)' : ''
    return withRepeats(verdict('transient', 'retry', 0.8, `no answer before the deadline${ambiguity}`), repeats)
  }
  if (result === 'network') return withRepeats(verdict('transient', 'retry', 0.8, 'connection reset before an answer'), repeats)
  if (errorCode === 'verification_failed') {
    // Only a verifying client sees this: its read-after-write disagreed with an answer. Repeating
    // a read, or a write under the same Idempotency-Key, cannot do harm; a lie that persists
    // loses confidence with every repeat until the strategy falls back to its rules' limit.
    return withRepeats(verdict('semantic', 'retry', 0.8, 'the read-after-write check disagreed with the answer; re-reading is safe'), repeats)
  }
  if (result === 'contract') {
    // A 200 whose body breaks the contract is usually a bad producer, not a blip; but it is the
    // weakest signal of all, so the confidence stays at the threshold.
    return verdict('semantic', 'escalate', 0.7, 'the answer broke the response contract')
  }

  if (status === 409 || errorCode === 'conflict') {
    return withRepeats(verdict('cascade', 'rollback', 0.85, 'conflict: the state moved under the call; roll back, then retry'), repeats)
  }
  if (status === 401) return verdict('persistent', 'escalate', 0.9, 'credentials rejected; retrying will not renew them')
  if (status === 403 || errorCode === 'policy_rejected') {
    return verdict('semantic', 'escalate', 0.9, 'rejected by policy; a human has to decide')
  }
  if (status === 400) return verdict('semantic', 'escalate', 0.85, 'the request itself is invalid')
  if (status === 404) return notFound(observation, history)

  if (status !== null && status >= 500 && changedTheWorld(observation)) {
    return withRepeats(
      verdict('cascade', 'rollback', 0.8, `${status} after the world changed: a half-done write; roll back before retrying`),
      repeats,
    )
  }
  if (status === 429 || status === 503) {
    const wait = retryAfterMs(observation)
    const hint = wait === undefined ? '' : `, Retry-After ${wait} ms`
    return withRepeats(verdict('transient', 'retry', wait === undefined ? 0.85 : 0.9, `overloaded (${status}${hint})`), repeats)
  }
  if (status === 500) return withRepeats(verdict('transient', 'retry', 0.75, '500 with the world unchanged: likely a passing failure'), repeats)
  if (status !== null && transientStatuses.has(status)) return withRepeats(verdict('transient', 'retry', 0.8, `gateway or timeout status ${status}`), repeats)
  if (status !== null && status >= 500) return withRepeats(verdict('transient', 'retry', 0.6, `unusual server status ${status}`), repeats)
  return verdict('semantic', 'escalate', 0.6, status === null ? 'no status and no known failure form' : `unusual client status ${status}`)
}

/**
 * A 404 on a read of something the workflow itself names is, the first time or two, as likely
 * replication lag as a missing record, and a read is safe to repeat: retry it. A 404 that comes
 * back again, or one on a write, is taken at its word.
 */
function notFound(observation: Observation, history: readonly Observation[]): Verdict {
  if (observation.sideEffect) return verdict('persistent', 'escalate', 0.8, '404 on a write: the target does not exist')
  const earlier404s = history.filter((earlier) => earlier.step === observation.step && earlier.status === 404).length
  if (earlier404s < maxEventualConsistencyRetries) {
    return verdict(
      'transient',
      'retry',
      earlier404s === 0 ? 0.75 : 0.7,
      `404 on a read (${earlier404s + 1}. time): possibly not replicated yet, and a read is safe to repeat`,
    )
  }
  return verdict('persistent', 'escalate', 0.85, `404 on a read ${earlier404s + 1} times: the record is missing`)
}

/** The heuristic diagnoser: no I/O, answers at once (the strategy charges the virtual time). */
export function heuristicDiagnoser(): Diagnoser {
  return {
    name: 'heuristic',
    diagnose: (input) => Promise.resolve(diagnoseByHeuristics(input)),
  }
}
