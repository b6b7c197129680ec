import { describe, expect, it } from 'vitest'
import { naiveRetry, noRecovery, ruleBased } from './builtin-strategies.ts'
import type { RecoveryDecision, RecoveryStrategy } from './recovery-strategy.ts'
import { failureContext } from './test-fixtures.ts'
import type { Observation } from './recovery-strategy.ts'

const decide = (strategy: RecoveryStrategy, fields: Partial<Observation>, recoveries = 0) =>
  strategy.decide(failureContext(fields, recoveries)) as RecoveryDecision

/** The actions a strategy takes on one step that keeps failing the same way, until it stops. */
function actionsUntilStop(strategy: RecoveryStrategy, fields: Partial<Observation>): string[] {
  const actions: string[] = []
  for (let recoveries = 0; recoveries < 20; recoveries++) {
    const decision = decide(strategy, fields, recoveries)
    actions.push('delayMs' in decision ? `${decision.action}:${decision.delayMs}` : `${decision.action}:${decision.reason}`)
    if (decision.action !== 'retry' && decision.action !== 'rollback') return actions
  }
  return actions
}

describe('noRecovery (B0)', () => {
  it('fails on the first error of any kind and never compensates', () => {
    const strategy = noRecovery()
    expect(strategy.name).toBe('B0')
    expect(strategy.saga).toBe(false)
    for (const fields of [{ status: 500 }, { status: 409 }, { result: 'timeout' as const, status: null }]) {
      expect(decide(strategy, fields)).toMatchObject({ action: 'fail', reason: 'no_recovery' })
    }
  })
})

describe('naiveRetry (B1)', () => {
  it('retries anything 3 times with a fixed 50 ms wait, then fails: 4 attempts', () => {
    const strategy = naiveRetry()
    expect(strategy.name).toBe('B1')
    expect(strategy.saga).not.toBe(false)
    for (const fields of [{ status: 500 }, { status: 401 }, { status: 409 }, { result: 'contract' as const, status: 200 }]) {
      expect(actionsUntilStop(strategy, fields)).toEqual(['retry:50', 'retry:50', 'retry:50', 'fail:retries_exhausted'])
    }
  })

  it('takes its retry count and wait from the options', () => {
    expect(actionsUntilStop(naiveRetry({ maxRetries: 1, delayMs: 7 }), { status: 500 })).toEqual(['retry:7', 'fail:retries_exhausted'])
    expect(actionsUntilStop(naiveRetry({ maxRetries: 0 }), { status: 500 })).toEqual(['fail:retries_exhausted'])
  })
})

describe('ruleBased (B2)', () => {
  it('retries transient failures with exponential backoff 100, 200, 400, then escalates', () => {
    for (const fields of [{ status: 500 }, { status: 503 }, { status: 429 }, { result: 'timeout' as const, status: null }, { result: 'network' as const, status: null }]) {
      expect(actionsUntilStop(ruleBased(), fields)).toEqual(['retry:100', 'retry:200', 'retry:400', 'escalate:retries_exhausted'])
    }
  })

  it('rolls back then retries on a conflict, up to 3 times', () => {
    expect(actionsUntilStop(ruleBased(), { status: 409 })).toEqual(['rollback:100', 'rollback:200', 'rollback:400', 'escalate:retries_exhausted'])
  })

  it('caps the backoff', () => {
    expect(actionsUntilStop(ruleBased({ maxRetries: 5, baseDelayMs: 100, maxDelayMs: 300 }), { status: 500 })).toEqual([
      'retry:100',
      'retry:200',
      'retry:300',
      'retry:300',
      'retry:300',
      'escalate:retries_exhausted',
    ])
  })

  it('escalates auth, policy, bad data and unknown failures at once', () => {
    expect(actionsUntilStop(ruleBased(), { status: 401 })).toEqual(['escalate:auth_denied'])
    expect(actionsUntilStop(ruleBased(), { status: 403 })).toEqual(['escalate:policy_rejected'])
    expect(actionsUntilStop(ruleBased(), { result: 'contract', status: 200 })).toEqual(['escalate:contract_violation'])
    expect(actionsUntilStop(ruleBased(), { status: 404 })).toEqual(['escalate:not_found'])
    expect(actionsUntilStop(ruleBased(), { status: 400 })).toEqual(['escalate:bad_request'])
  })

  it('ignores Retry-After (that is what STD adds)', () => {
    expect(decide(ruleBased(), { status: 429, headers: { 'retry-after': '30' } })).toMatchObject({ action: 'retry', delayMs: 100 })
  })

  it("labels its decisions with the rule table's layer", () => {
    expect(decide(ruleBased(), { status: 409 }).diagnosis).toEqual({ layer: 'cascade', source: 'rule', confidence: 1 })
    expect(decide(ruleBased(), { status: 401 }).diagnosis).toEqual({ layer: 'persistent', source: 'rule', confidence: 1 })
  })
})
