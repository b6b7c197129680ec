import { handleAll } from 'cockatiel'
import { describe, expect, test } from 'vitest'
import { createRandom } from '../random.ts'
import type { FailureContext, Observation, RecoveryDecision } from './recovery-strategy.ts'
import { industryStandard, isRetryableFailure, ObservedFailure, retryAfterAwareBackoff } from './industry-standard.ts'
import { observation } from './test-fixtures.ts'

type Recorded = { name: string; detail: Record<string, unknown> | undefined }

/**
 * Drives a strategy the way the executor does: one `decide` per failed attempt of a step, the
 * clock moved by each delay, the failures kept as history.
 */
function driver(strategy = industryStandard(), seed = 7) {
  const random = createRandom(seed)
  const history: Observation[] = []
  const recorded: Recorded[] = []
  let now = 0
  let recoveriesOnStep = 0
  let lastStep = -1
  return {
    recorded,
    fail(fields: Partial<Observation>, budget = { toolCallsLeft: 100, virtualMsLeft: 600_000 }): RecoveryDecision {
      const step = fields.step ?? 2
      if (step !== lastStep) recoveriesOnStep = 0
      lastStep = step
      const current = observation({ ...fields, step, attempt: recoveriesOnStep, at: now })
      const context: FailureContext = {
        observation: current,
        history: [...history],
        recoveriesOnStep,
        budget,
        random: () => random.next(),
        record: (name, detail) => void recorded.push({ name, detail }),
      }
      const decision = strategy.decide(context) as RecoveryDecision
      history.push(current)
      if (decision.action === 'retry' || decision.action === 'rollback') {
        recoveriesOnStep++
        now += decision.delayMs
      }
      return decision
    },
  }
}

const delaysOf = (decisions: RecoveryDecision[]) => decisions.map((decision) => ('delayMs' in decision ? decision.delayMs : null))

describe('industryStandard (STD)', () => {
  test.each([
    ['400', { status: 400 }],
    ['401', { status: 401 }],
    ['403 policy', { status: 403, errorCode: 'policy_rejected' }],
    ['404', { status: 404 }],
    ['409', { status: 409, errorCode: 'conflict' }],
    ['broken contract', { result: 'contract' as const, status: 200 }],
  ])('%s is not retried', (_name, fields) => {
    const decision = driver().fail(fields)
    expect(decision.action).toBe('escalate')
    expect(decision).toMatchObject({ reason: expect.stringMatching(/^non_retryable_/) })
  })

  test('retries transient failures with jittered exponential backoff, then gives up', () => {
    const run = driver(industryStandard({ breakerThreshold: 100 }))
    const decisions = [0, 1, 2, 3].map(() => run.fail({ status: 503 }))
    expect(decisions.map((decision) => decision.action)).toEqual(['retry', 'retry', 'retry', 'escalate'])
    const [first, second, third] = delaysOf(decisions) as number[]
    // Half jitter: each delay in [d/2, d) for d = 100, 200, 400.
    expect(first).toBeGreaterThanOrEqual(50)
    expect(first).toBeLessThan(100)
    expect(second).toBeGreaterThanOrEqual(100)
    expect(second).toBeLessThan(200)
    expect(third).toBeGreaterThanOrEqual(200)
    expect(third).toBeLessThan(400)
    expect(decisions[3]).toMatchObject({ reason: 'retries_exhausted' })
  })

  test('is deterministic: the same seed gives the same delays, another seed others', () => {
    const delays = (seed: number) => delaysOf([0, 1, 2].map(() => driver(industryStandard(), seed).fail({ result: 'timeout', status: null })))
    expect(delays(7)).toEqual(delays(7))
    const sequence = (seed: number) => {
      const run = driver(industryStandard({ breakerThreshold: 100 }), seed)
      return delaysOf([0, 1, 2].map(() => run.fail({ status: 500 })))
    }
    expect(sequence(1)).toEqual(sequence(1))
    expect(sequence(1)).not.toEqual(sequence(2))
  })

  test('caps the exponential backoff', () => {
    const run = driver(industryStandard({ maxRetries: 8, breakerThreshold: 100, maxDelayMs: 500 }))
    const delays = delaysOf([0, 1, 2, 3, 4, 5].map(() => run.fail({ status: 502 }))) as number[]
    expect(Math.max(...delays)).toBeLessThan(500)
    expect(delays.at(-1)).toBeGreaterThanOrEqual(250)
  })

  test('waits at least as long as Retry-After, and gives up on one longer than its limit', () => {
    expect(driver().fail({ status: 429, headers: { 'retry-after': '2' } })).toMatchObject({ action: 'retry', delayMs: 2000 })
    expect(driver(industryStandard({ maxRetryAfterMs: 5000 })).fail({ status: 503, headers: { 'retry-after': '60' } })).toMatchObject({
      action: 'escalate',
      reason: 'retry_after_too_long',
    })
  })

  test('the open circuit rejects the next attempt without a call, and the trace says so', () => {
    const run = driver()
    const decisions = [0, 1, 2].map(() => run.fail({ status: 500 }))
    // Third failure opens the breaker (threshold 3); the last retry would come before the
    // half-open time, so the open circuit rejects it and the retry loop is out of attempts.
    expect(decisions.map((decision) => decision.action)).toEqual(['retry', 'retry', 'escalate'])
    expect(decisions[2]).toMatchObject({ reason: 'circuit_open' })
    const names = run.recorded.map((event) => event.name)
    expect(names).toEqual(['retry', 'retry', 'circuit:break', 'circuit:reject', 'give-up'])
  })

  test('a wait past the half-open time lets one probe through; a success on the next step resets', () => {
    const run = driver()
    run.fail({ status: 503, headers: { 'retry-after': '1' } })
    run.fail({ status: 503, headers: { 'retry-after': '1' } })
    const probe = run.fail({ status: 503, headers: { 'retry-after': '1' } })
    expect(probe).toMatchObject({ action: 'retry', delayMs: 1000 })
    expect(run.recorded.map((event) => event.name)).toContain('circuit:half-open')
    // The probe succeeded (the task moved on); the same tool fails on a later step.
    const later = run.fail({ status: 503, step: 4 })
    expect(later.action).toBe('retry')
    expect(run.recorded.map((event) => event.name)).toContain('circuit:reset')
  })

  test('breakers and backoffs start afresh with every task', () => {
    const strategy = industryStandard()
    const first = driver(strategy)
    ;[0, 1, 2].forEach(() => first.fail({ status: 500 }))
    // A new task (empty history) on the same instance is not blocked by the old task's circuit.
    expect(driver(strategy).fail({ status: 500 }).action).toBe('retry')
  })

  test('respects the budget', () => {
    const decision = driver().fail({ status: 503, headers: { 'retry-after': '5' } }, { toolCallsLeft: 10, virtualMsLeft: 1000 })
    expect(decision).toMatchObject({ action: 'escalate', reason: 'budget' })
  })

  test('the retry filter is a cockatiel policy and can be replaced', () => {
    expect(isRetryableFailure(new ObservedFailure(observation({ status: 404 })))).toBe(false)
    expect(isRetryableFailure(new Error('not observed'))).toBe(false)
    expect(driver(industryStandard({ retryOn: handleAll })).fail({ status: 404 }).action).toBe('retry')
  })

  test('the Retry-After-aware backoff never undercuts the header', () => {
    const factory = retryAfterAwareBackoff({ initialDelayMs: 100, maxDelayMs: 2000 }, () => 0.5)
    const signal = new AbortController().signal
    const withHeader = factory.next({ attempt: 1, signal, result: { error: new ObservedFailure(observation({ headers: { 'retry-after': '3' } })) } })
    expect(withHeader.duration).toBe(3000)
    const plain = factory.next({ attempt: 1, signal, result: { error: new ObservedFailure(observation()) } })
    expect(plain.duration).toBe(75)
    expect(plain.next({ attempt: 2, signal, result: { error: new Error('x') } }).duration).toBe(150)
  })
})
