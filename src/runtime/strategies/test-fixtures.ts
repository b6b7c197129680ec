// Builders for the strategies' tests; not part of the public API.
import type { FailureContext, Observation } from './recovery-strategy.ts'

/** A failed payment call; tests override what they are about. */
export function observation(fields: Partial<Observation> = {}): Observation {
  return {
    tool: 'process_payment',
    step: 2,
    stepName: 'process_payment',
    attempt: 0,
    result: 'http_error',
    status: 500,
    headers: {},
    body: undefined,
    errorCode: null,
    worldHash: 'aaaaaaaa',
    lastGoodWorldHash: 'aaaaaaaa',
    sideEffect: true,
    at: 0,
    ...fields,
  }
}

export function failureContext(fields: Partial<Observation> = {}, recoveriesOnStep = 0): FailureContext {
  return {
    observation: observation(fields),
    history: [],
    recoveriesOnStep,
    budget: { toolCallsLeft: 100, virtualMsLeft: 600_000 },
    random: () => 0.5,
    record: () => undefined,
  }
}
