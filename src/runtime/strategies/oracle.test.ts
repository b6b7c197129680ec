import { describe, expect, test } from 'vitest'
import type { InjectedFault } from '../faults/fault-plan.ts'
import { defaultLayerOf, type FaultSpec } from '../scenario/schema.ts'
import { bestActionFor, oracle } from './oracle.ts'
import { isPrivileged, type RecoveryDecision } from './recovery-strategy.ts'
import { failureContext } from './test-fixtures.ts'

const truth = (fault: Partial<FaultSpec> & Pick<FaultSpec, 'type'>): InjectedFault => {
  const full = { step: 2, mode: 'once' as const, prob: 1, ...fault, id: 'F0' }
  return { fault: full, layer: full.layer ?? defaultLayerOf[full.type], attempt: 0 }
}

describe('oracle (ORACLE)', () => {
  test.each([
    [{ type: 'HTTP_500', mode: 'per_attempt', prob: 0.3 }, 'retry'],
    [{ type: 'Timeout', mode: 'once' }, 'retry'],
    [{ type: 'RateLimited', mode: 'first_n', times: 2 }, 'retry'],
    // Eventual consistency: persistent by layer, but a `once` NotFound clears on a retry.
    [{ type: 'NotFound', mode: 'once' }, 'retry'],
    [{ type: 'NotFound', mode: 'persistent' }, 'escalate'],
    [{ type: 'HTTP_500', mode: 'persistent' }, 'escalate'],
    [{ type: 'Conflict', mode: 'stateful_conflict' }, 'rollback'],
    [{ type: 'StateCorruption', mode: 'once' }, 'rollback'],
    [{ type: 'StateCorruption', mode: 'persistent' }, 'escalate'],
    [{ type: 'PolicyRejected', mode: 'once' }, 'escalate'],
    [{ type: 'AuthDenied', mode: 'first_n', times: 1 }, 'escalate'],
  ] as const)('%o -> %s', (fault, action) => {
    expect(bestActionFor(truth(fault)).action).toBe(action)
  })

  test('is privileged, reports the true layer, and honours Retry-After', async () => {
    const strategy = oracle()
    expect(isPrivileged(strategy)).toBe(true)
    const decision = (await strategy.decideWithTruth(
      failureContext({ status: 429, headers: { 'retry-after': '2' } }),
      truth({ type: 'RateLimited', mode: 'once', layer: 'semantic' }),
    )) as RecoveryDecision
    expect(decision).toMatchObject({ action: 'retry', delayMs: 2000, diagnosis: { layer: 'semantic', source: 'oracle' } })
  })

  test('has the same allowance as everyone: 3 recoveries per step, within the budget', async () => {
    const strategy = oracle()
    const fault = truth({ type: 'HTTP_500', mode: 'per_attempt', prob: 0.5 })
    expect(await strategy.decideWithTruth(failureContext({}, 3), fault)).toMatchObject({ action: 'escalate', reason: 'retries_exhausted' })
    const broke = { ...failureContext({ status: 409 }), budget: { toolCallsLeft: 1, virtualMsLeft: 1000 } }
    expect(await strategy.decideWithTruth(broke, truth({ type: 'Conflict', mode: 'stateful_conflict' }))).toMatchObject({ reason: 'budget' })
  })

  test('escalates an error nobody injected, and refuses to decide without the truth', async () => {
    const strategy = oracle()
    expect(await strategy.decideWithTruth(failureContext({ status: 404 }), undefined)).toMatchObject({ action: 'escalate', reason: 'genuine_error' })
    expect(() => strategy.decide(failureContext())).toThrow(/decideWithTruth/)
  })
})
