import type { Layer } from '../scenario/schema.ts'
import type { Observation } from './recovery-strategy.ts'

export type RuleVerdict = { layer: Layer; action: 'retry' | 'rollback' | 'escalate'; reason: string }

const transientStatuses = new Set([408, 429, 500, 502, 503, 504])

/**
 * The static rule table of B2: status codes and error codes in, one action out. It cannot tell a
 * one-off 404 from a missing record, or a 500 that corrupted state from a passing one: that is
 * what diagnosis is for.
 */
export function classifyByRules(observation: Observation): RuleVerdict {
  const { result, status, errorCode } = observation
  if (result === 'timeout' || result === 'network') return { layer: 'transient', action: 'retry', reason: result }
  if (status === 409 || errorCode === 'conflict') return { layer: 'cascade', action: 'rollback', reason: 'conflict' }
  if (status === 401) return { layer: 'persistent', action: 'escalate', reason: 'auth_denied' }
  if (status === 403 || errorCode === 'policy_rejected') return { layer: 'semantic', action: 'escalate', reason: 'policy_rejected' }
  if (status !== null && transientStatuses.has(status)) return { layer: 'transient', action: 'retry', reason: `http_${status}` }
  // The client's own read-after-write check disagreed with the answer: a re-read, or the write sent
  // again with its Idempotency-Key, is safe; a lie that stays gets the retry limit and escalation.
  if (errorCode === 'verification_failed') return { layer: 'semantic', action: 'retry', reason: 'verification_failed' }
  if (result === 'contract') return { layer: 'semantic', action: 'escalate', reason: 'contract_violation' }
  if (status === 404) return { layer: 'persistent', action: 'escalate', reason: 'not_found' }
  if (status === 400) return { layer: 'semantic', action: 'escalate', reason: 'bad_request' }
  return { layer: 'persistent', action: 'escalate', reason: status === null ? 'no_answer' : `http_${status}` }
}

/** Retry-After in milliseconds (seconds or an HTTP date relative to nothing we can trust: seconds only). */
export function retryAfterMs(observation: Observation): number | undefined {
  const value = observation.headers['retry-after']
  if (value === undefined) return undefined
  const seconds = Number(value)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}
