import type { RecoveryDecision, RecoveryStrategy } from './recovery-strategy.ts'
import { classifyByRules } from './rule-table.ts'

export interface NaiveRetryOptions {
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number
  /** Fixed wait between attempts, virtual ms. @default 50 */
  delayMs?: number
}

export interface RuleBasedOptions {
  /** Retries (or rollbacks) per step. @default 3 */
  maxRetries?: number
  /** Exponential backoff: base, doubled per retry, capped. @default [100, 400] */
  baseDelayMs?: number
  maxDelayMs?: number
}

/** B0: the first error ends the task, and nothing is compensated. */
export function noRecovery(): RecoveryStrategy {
  return {
    name: 'B0',
    saga: false,
    decide: () => ({ action: 'fail', reason: 'no_recovery', diagnosis: { layer: 'unknown', source: 'rule', confidence: 0 } }),
  }
}

/** B1: retry anything, a fixed number of times, with a fixed short wait. */
export function naiveRetry(options: NaiveRetryOptions = {}): RecoveryStrategy {
  const maxRetries = options.maxRetries ?? 3
  const delayMs = options.delayMs ?? 50
  return {
    name: 'B1',
    decide: ({ recoveriesOnStep }) =>
      recoveriesOnStep < maxRetries
        ? { action: 'retry', delayMs, diagnosis: { layer: 'transient', source: 'rule', confidence: 0 } }
        : { action: 'fail', reason: 'retries_exhausted', diagnosis: { layer: 'transient', source: 'rule', confidence: 0 } },
  }
}

/**
 * B2: the rule table. Transient -> retry with exponential backoff; conflict -> rollback then retry;
 * auth, policy and everything else -> escalate. A step gets at most `maxRetries` recoveries.
 */
export function ruleBased(options: RuleBasedOptions = {}): RecoveryStrategy {
  const maxRetries = options.maxRetries ?? 3
  const base = options.baseDelayMs ?? 100
  const cap = options.maxDelayMs ?? 400
  return {
    name: 'B2',
    decide({ observation, recoveriesOnStep }): RecoveryDecision {
      const verdict = classifyByRules(observation)
      const diagnosis = { layer: verdict.layer, source: 'rule' as const, confidence: 1 }
      if (verdict.action === 'escalate') return { action: 'escalate', reason: verdict.reason, diagnosis }
      if (recoveriesOnStep >= maxRetries) return { action: 'escalate', reason: 'retries_exhausted', diagnosis }
      // The prototype's B2 ignores Retry-After; honouring it is one of the things STD adds.
      return { action: verdict.action, delayMs: Math.min(cap, base * 2 ** recoveriesOnStep), diagnosis }
    },
  }
}
