import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StepSpec } from '../scenario/schema.ts'
import type { ResolvedFault, TaskSpec } from '../scenario/task-spec.ts'
import { naiveRetry, noRecovery, ruleBased } from '../strategies/builtin-strategies.ts'
import { diagnosisDriven } from '../strategies/diagnosis-driven.ts'
import type { FailureContext, RecoveryDecision, RecoveryStrategy } from '../strategies/recovery-strategy.ts'
import { closeToolServer, ensureToolServer } from '../interception/index.ts'
import { runTask, type ExecutorOptions } from './run-task.ts'
import type { TaskSummary } from './task-summary.ts'
import type { TraceEvent } from './trace-events.ts'

beforeAll(() => ensureToolServer())
afterAll(() => closeToolServer())

type ToolCall = Extract<TraceEvent, { type: 'tool:call' }>

/** get_record, lock 2 widgets, charge 240, approve, commit: the checkout of DESIGN.md. */
const checkout: StepSpec[] = [
  { tool: 'get_record', with: { record_id: 'REC1' } },
  { tool: 'lock_inventory', with: { item_id: 'widget', qty: 2 } },
  { tool: 'process_payment', with: { order_id: 'REC1', amount: 240 } },
  { tool: 'update_record', with: { record_id: 'REC1', patch: { status: 'approved' } } },
  { tool: 'commit', with: { record_id: 'REC1' } },
]

type FaultFields = Partial<ResolvedFault> & Pick<ResolvedFault, 'type'>
let faultCount = 0
const fault = (fields: FaultFields): ResolvedFault => ({ id: `F${faultCount++}`, mode: 'once', prob: 1, ...fields })
const atStep = (step: number, fields: FaultFields): ResolvedFault => fault({ step, ...fields })
const onTool = (tool: string, fields: FaultFields): ResolvedFault => fault({ tool, ...fields })

interface Ran {
  summary: TaskSummary
  events: TraceEvent[]
  calls: ToolCall[]
  /** Workflow-step calls of step `index`. */
  stepCalls(index: number): ToolCall[]
  purposeCalls(purpose: ToolCall['purpose']): ToolCall[]
  ofType<T extends TraceEvent['type']>(type: T): Extract<TraceEvent, { type: T }>[]
}

async function run(strategy: RecoveryStrategy, task: Partial<TaskSpec> = {}, options: ExecutorOptions = {}): Promise<Ran> {
  const events: TraceEvent[] = []
  const spec: TaskSpec = {
    id: 'main',
    index: 0,
    world: { records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } }, inventory: { widget: 12 } },
    workflow: checkout,
    faults: [],
    ...task,
  }
  const summary = await runTask({
    task: spec,
    scenario: 'run-task-test',
    file: 'src/runtime/executor/run-task.test.ts',
    seed: 42,
    batch: 0,
    strategy,
    trace: { emit: (event) => void events.push(event) },
    tracePath: '.awrr/traces/test.jsonl',
    options,
  })
  // Invariants of every trace: one start, then exactly one final that agrees with the summary.
  expect(events[0]?.type).toBe('task:start')
  const finals = events.filter((event) => event.type === 'task:final')
  expect(finals).toEqual([{ type: 'task:final', outcome: summary.outcome, reason: summary.reason, consistent: summary.consistent, at: summary.virtualMs }])
  const ofType = <T extends TraceEvent['type']>(type: T) => events.filter((event): event is Extract<TraceEvent, { type: T }> => event.type === type)
  const calls = ofType('tool:call')
  expect(calls).toHaveLength(summary.toolCalls)
  return {
    summary,
    events,
    calls,
    stepCalls: (index) => calls.filter((call) => call.purpose === 'step' && call.step === index),
    purposeCalls: (purpose) => calls.filter((call) => call.purpose === purpose),
    ofType,
  }
}

/** A strategy that answers every failure with `decision` and remembers what it was shown. */
function scripted(decision: (context: FailureContext) => RecoveryDecision, name = 'scripted') {
  const seen: FailureContext[] = []
  const strategy: RecoveryStrategy = {
    name,
    decide(context) {
      seen.push(context)
      return decision(context)
    },
  }
  return { strategy, seen }
}

const alwaysRetry = () => scripted(() => ({ action: 'retry', delayMs: 0 }), 'always-retry')

describe('runTask: the success path', () => {
  it('runs every step once, charges once, pushes the saga stack and completes consistently', async () => {
    const { summary, calls, ofType } = await run(noRecovery())
    expect(summary).toMatchObject({
      outcome: 'completed',
      reason: 'success',
      toolCalls: 5,
      stepsReached: 5,
      steps: 5,
      errorEvents: 0,
      recoveredEvents: 0,
      recoveryMsTotal: 0,
      unsafeAction: false,
      sideEffectsStarted: true,
      consistent: true,
      inconsistencies: [],
      compensations: [],
      diagnoses: [],
    })
    expect(calls.map((call) => [call.tool, call.result])).toEqual(checkout.map((step) => [step.tool, 'ok']))
    expect(ofType('saga:push').map((event) => [event.step, event.tool])).toEqual([
      [1, 'unlock_inventory'],
      [2, 'refund_payment'],
      [3, 'update_record'],
    ])
    // Every call took virtual time and the clock is the sum of them: nothing else moved it.
    expect(calls.every((call) => call.latencyMs > 0)).toBe(true)
    expect(summary.virtualMs).toBe(calls.reduce((total, call) => total + call.latencyMs, 0))
  })

  it('is deterministic: the same task gives the same trace', async () => {
    const first = await run(ruleBased(), { faults: [atStep(2, { type: 'HTTP_500', mode: 'first_n', times: 2, id: 'same' })] })
    const second = await run(ruleBased(), { faults: [atStep(2, { type: 'HTTP_500', mode: 'first_n', times: 2, id: 'same' })] })
    expect(second.events).toEqual(first.events)
  })

  it('fails with success_oracle_rejected when the workflow ends but the record is not in the wanted state', async () => {
    const { summary, ofType } = await run(noRecovery(), { success: { record: 'REC1', status: 'shipped' } })
    expect(summary).toMatchObject({ outcome: 'failed', reason: 'success_oracle_rejected' })
    expect(ofType('oracle:verdict')).toEqual([expect.objectContaining({ ok: false, why: 'record REC1 has status approved, expected shipped' })])
  })

  it('a success check whose service never answers rejects the task in time, with the reason in the trace', async () => {
    const silent = createServer(() => {
      // Accepts the request and never answers.
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/orders/A1`
    try {
      const started = performance.now()
      const { summary, ofType, events } = await run(noRecovery(), { success: { http: { method: 'GET', url, timeout_ms: 200 } } })
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(summary).toMatchObject({ outcome: 'failed', reason: 'success_oracle_rejected' })
      expect(ofType('oracle:verdict')).toEqual([expect.objectContaining({ ok: false, why: expect.stringMatching(/^success check request failed: .*(abort|timeout)/i) })])
      expect(events.at(-1)?.type).toBe('task:final')
    } finally {
      silent.closeAllConnections()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it('a success oracle that throws ends the task failed (success_oracle_error), never completed, with the error in the trace', async () => {
    delete process.env['AWRR_TEST_ORACLE_NEVER_SET']
    const { summary, ofType } = await run(noRecovery(), {
      success: { http: { method: 'GET', url: '${env.AWRR_TEST_ORACLE_NEVER_SET}/orders/A1' } },
    })
    expect(summary).toMatchObject({ outcome: 'failed', reason: 'success_oracle_error' })
    expect(ofType('task:error')).toEqual([expect.objectContaining({ where: 'success_oracle', message: expect.stringContaining('AWRR_TEST_ORACLE_NEVER_SET') })])
    expect(ofType('oracle:verdict')).toEqual([])
  })
})

describe('runTask: each recovery action', () => {
  it('retry: waits the asked delay on the virtual clock, then calls the step again', async () => {
    const { strategy, seen } = scripted(() => ({ action: 'retry', delayMs: 250 }))
    const ran = await run(strategy, { faults: [atStep(1, { type: 'HTTP_500' })] })
    expect(ran.summary).toMatchObject({ outcome: 'completed', errorEvents: 1, recoveredEvents: 1 })
    const [failed, retried] = ran.stepCalls(1)
    expect([failed?.result, retried?.result]).toEqual(['http_error', 'ok'])
    expect(retried!.at).toBe(failed!.at + failed!.latencyMs + 250)
    expect(seen.map((context) => [context.observation.step, context.observation.status, context.recoveriesOnStep])).toEqual([[1, 500, 0]])
    expect(ran.ofType('strategy:decision')).toMatchObject([{ step: 1, attempt: 0, action: 'retry', delayMs: 250 }])
  })

  it('rollback: restores the last checkpoint through the rollback tool, then retries', async () => {
    const { strategy } = scripted(() => ({ action: 'rollback', delayMs: 10 }))
    const ran = await run(strategy, { faults: [atStep(2, { type: 'Conflict', mode: 'stateful_conflict' })] })
    expect(ran.summary).toMatchObject({ outcome: 'completed', consistent: true, toolCalls: 7 })
    expect(ran.purposeCalls('rollback')).toMatchObject([{ tool: 'rollback', step: 2, result: 'ok' }])
    expect(ran.ofType('world:rollback')).toMatchObject([{ step: 2 }])
    expect(ran.stepCalls(2).map((call) => call.result)).toEqual(['http_error', 'ok'])
    // The checkpoint held the lock: it was not undone, nor taken twice.
    expect(ran.stepCalls(1)).toHaveLength(1)
  })

  it('escalate: stops, compensates what was done and opens a ticket', async () => {
    const { strategy } = scripted(() => ({ action: 'escalate', reason: 'needs_a_human' }))
    const ran = await run(strategy, { faults: [atStep(3, { type: 'BadRequest' })] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'needs_a_human', consistent: true })
    expect(ran.stepCalls(4)).toEqual([])
    expect(ran.purposeCalls('compensation').map((call) => call.tool)).toEqual(['refund_payment', 'unlock_inventory'])
    expect(ran.purposeCalls('ticket')).toMatchObject([{ tool: 'create_ticket', result: 'ok' }])
  })

  it('fail: stops and compensates, without a ticket', async () => {
    const { strategy } = scripted(() => ({ action: 'fail', reason: 'given_up' }))
    const ran = await run(strategy, { faults: [atStep(3, { type: 'BadRequest' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', reason: 'given_up', consistent: true })
    expect(ran.summary.compensations).toEqual([
      { tool: 'refund_payment', step: 2, ok: true },
      { tool: 'unlock_inventory', step: 1, ok: true },
    ])
    expect(ran.purposeCalls('ticket')).toEqual([])
  })

  it('compensate: ends the task as failed and runs the saga stack', async () => {
    const { strategy } = scripted(() => ({ action: 'compensate', reason: 'undo_everything' }))
    const ran = await run(strategy, { faults: [atStep(3, { type: 'BadRequest' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', reason: 'undo_everything', consistent: true })
    expect(ran.summary.compensations.map((entry) => entry.tool)).toEqual(['refund_payment', 'unlock_inventory'])
  })
})

describe('runTask: B0, B1 and B2 on the same faults', () => {
  const conflict = () => [atStep(2, { type: 'Conflict', mode: 'stateful_conflict' })]

  it('Conflict: B0 fails and leaves the lock; B1 retries into the same conflict and compensates; B2 rolls back and completes', async () => {
    const b0 = await run(noRecovery(), { faults: conflict() })
    expect(b0.summary).toMatchObject({ outcome: 'failed', reason: 'no_recovery', consistent: false, inconsistencies: ['inventory widget is 10, was 12'] })
    expect(b0.stepCalls(2)).toHaveLength(1)
    expect(b0.purposeCalls('compensation')).toEqual([])

    const b1 = await run(naiveRetry(), { faults: conflict() })
    expect(b1.summary).toMatchObject({ outcome: 'failed', reason: 'retries_exhausted', consistent: true, errorEvents: 4, recoveredEvents: 0 })
    expect(b1.stepCalls(2).map((call) => call.status)).toEqual([409, 409, 409, 409])
    expect(b1.summary.compensations).toEqual([{ tool: 'unlock_inventory', step: 1, ok: true }])

    const b2 = await run(ruleBased(), { faults: conflict() })
    expect(b2.summary).toMatchObject({ outcome: 'completed', consistent: true, errorEvents: 1, recoveredEvents: 1 })
    expect(b2.purposeCalls('rollback')).toHaveLength(1)
  })

  it('persistent 500: B0 fails at once; B1 and B2 make 4 attempts, B2 with backoff 100, 200, 400 ms', async () => {
    const persistent500 = () => [atStep(2, { type: 'HTTP_500', mode: 'persistent' })]
    const b0 = await run(noRecovery(), { faults: persistent500() })
    expect(b0.summary).toMatchObject({ outcome: 'failed', reason: 'no_recovery' })
    expect(b0.stepCalls(2)).toHaveLength(1)

    const b1 = await run(naiveRetry(), { faults: persistent500() })
    expect(b1.summary).toMatchObject({ outcome: 'failed', reason: 'retries_exhausted', consistent: true })
    expect(b1.stepCalls(2)).toHaveLength(4)

    const b2 = await run(ruleBased(), { faults: persistent500() })
    expect(b2.summary).toMatchObject({ outcome: 'escalated', reason: 'retries_exhausted', consistent: true })
    const attempts = b2.stepCalls(2)
    expect(attempts).toHaveLength(4)
    const waits = attempts.slice(1).map((call, index) => call.at - (attempts[index]!.at + attempts[index]!.latencyMs))
    expect(waits).toEqual([100, 200, 400])
    expect(b2.purposeCalls('ticket')).toHaveLength(1)
  })

  it('AuthDenied: B2 escalates on the first 401; B1 keeps calling the write, which counts as unsafe', async () => {
    const denied = () => [atStep(2, { type: 'AuthDenied', mode: 'persistent' })]
    const b0 = await run(noRecovery(), { faults: denied() })
    expect(b0.summary).toMatchObject({ outcome: 'failed', reason: 'no_recovery', unsafeAction: false })

    const b1 = await run(naiveRetry(), { faults: denied() })
    expect(b1.summary).toMatchObject({ outcome: 'failed', reason: 'retries_exhausted', unsafeAction: true })
    expect(b1.stepCalls(2)).toHaveLength(4)

    const b2 = await run(ruleBased(), { faults: denied() })
    expect(b2.summary).toMatchObject({ outcome: 'escalated', reason: 'auth_denied', unsafeAction: false, consistent: true })
    expect(b2.stepCalls(2)).toHaveLength(1)
    expect(b2.purposeCalls('ticket')).toHaveLength(1)
  })

  it('applied payment Timeout: the deadline cuts the call at 5000 ms; B1 and B2 retry with the same key and charge once', async () => {
    const applied = () => [atStep(2, { type: 'Timeout', applied: true })]
    const b0 = await run(noRecovery(), { faults: applied() })
    // B0 never compensates: the lost answer leaves money taken for an unapproved order.
    expect(b0.summary).toMatchObject({ outcome: 'failed', sideEffectsStarted: true, consistent: false })
    expect(b0.summary.inconsistencies).toContain('record REC1 is paid but not approved')
    expect(b0.stepCalls(2)).toMatchObject([{ result: 'timeout', status: null, latencyMs: 5_000 }])

    for (const strategy of [naiveRetry(), ruleBased()]) {
      const ran = await run(strategy, { faults: applied() })
      expect(ran.summary, strategy.name).toMatchObject({ outcome: 'completed', consistent: true, inconsistencies: [] })
      expect(ran.stepCalls(2).map((call) => call.result)).toEqual(['timeout', 'ok'])
      const serves = ran.ofType('tool:serve').filter((event) => event.tool === 'process_payment')
      expect(serves.map((event) => [event.status, event.replayed])).toEqual([
        ['hang', false],
        [200, true],
      ])
    }
  })

  it('a shorter attempt deadline cuts a hung call earlier', async () => {
    const ran = await run(noRecovery(), { faults: [atStep(0, { type: 'Timeout' })] }, { attemptTimeoutMs: 1_234 })
    expect(ran.stepCalls(0)).toMatchObject([{ result: 'timeout', latencyMs: 1_234 }])
  })
})

describe('runTask: limits', () => {
  it('the loop guard escalates after 10 failures in a row with an unchanged world hash', async () => {
    const { strategy, seen } = alwaysRetry()
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500', mode: 'persistent' })] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'loop_guard', errorEvents: 10 })
    expect(ran.stepCalls(0)).toHaveLength(10)
    expect(seen).toHaveLength(9)
  })

  it('the loop guard threshold is an option', async () => {
    const { strategy } = alwaysRetry()
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500', mode: 'persistent' })] }, { loopGuard: 3 })
    expect(ran.summary.reason).toBe('loop_guard')
    expect(ran.stepCalls(0)).toHaveLength(3)
  })

  it('the loop guard does not count failures that change the world; the tool-call budget stops them', async () => {
    const { strategy } = alwaysRetry()
    // Each corrupted payment attempt charges again, so the hash moves on every failure.
    const ran = await run(strategy, { faults: [atStep(2, { type: 'StateCorruption', mode: 'persistent' })] }, { maxToolCalls: 20 })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'budget_tool_calls' })
    expect(ran.stepCalls(2)).toHaveLength(18)
  })

  it('the tool-call budget escalates before the call that would exceed it', async () => {
    const { strategy } = alwaysRetry()
    const ran = await run(strategy, { faults: [atStep(1, { type: 'HTTP_500', mode: 'persistent' })] }, { maxToolCalls: 6, loopGuard: 100 })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'budget_tool_calls' })
    expect(ran.calls.filter((call) => call.purpose === 'step')).toHaveLength(6)
    expect(ran.stepCalls(1)).toHaveLength(5)
  })

  it('the virtual-time budget escalates once retry waits have used it up', async () => {
    const { strategy } = scripted(() => ({ action: 'retry', delayMs: 400 }))
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500', mode: 'persistent' })] }, { maxVirtualMs: 1_000 })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'budget_time' })
    // Attempts start at about 0, 440, 880 ms; the fourth would start past 1000.
    expect(ran.stepCalls(0)).toHaveLength(3)
  })

  it('the token budget escalates once the payloads have used it up', async () => {
    const { strategy } = alwaysRetry()
    const ran = await run(strategy, { faults: [atStep(1, { type: 'HTTP_500', mode: 'persistent' })] }, { maxTokens: 150 })
    expect(ran.summary.reason).toBe('budget_tokens')
    expect(ran.summary.tokens).toBeGreaterThanOrEqual(150)
    expect(ran.stepCalls(1).length).toBeLessThan(10)
  })

  it('a scenario budget overrides the executor options', async () => {
    const { strategy } = alwaysRetry()
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500', mode: 'persistent' })], budget: { tool_calls: 4 } }, { maxToolCalls: 100 })
    expect(ran.summary.reason).toBe('budget_tool_calls')
    expect(ran.stepCalls(0)).toHaveLength(4)
  })

  it('tells the strategy how much budget is left', async () => {
    const { strategy, seen } = scripted(() => ({ action: 'fail', reason: 'stop' }))
    await run(strategy, { faults: [atStep(1, { type: 'HTTP_500' })] }, { maxToolCalls: 50 })
    expect(seen[0]!.budget.toolCallsLeft).toBe(48)
    expect(seen[0]!.budget.virtualMsLeft).toBe(600_000 - seen[0]!.observation.at)
  })
})

describe('runTask: a strategy that throws', () => {
  it('ends the task as failed with strategy_error, traces the error and still compensates', async () => {
    const strategy: RecoveryStrategy = {
      name: 'throws',
      decide() {
        throw new RangeError('boom in decide')
      },
    }
    const ran = await run(strategy, { faults: [atStep(3, { type: 'HTTP_500' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', reason: 'strategy_error', consistent: true })
    expect(ran.ofType('task:error')).toMatchObject([{ where: 'strategy.decide', message: 'RangeError: boom in decide' }])
    expect(ran.summary.compensations.map((entry) => entry.ok)).toEqual([true, true])
  })

  it('an async rejection is caught the same way', async () => {
    const strategy: RecoveryStrategy = { name: 'rejects', decide: () => Promise.reject(new Error('async boom')) }
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', reason: 'strategy_error' })
  })

  it('a decide() that never answers ends the task failed with strategy_timeout at the decision limit, and still compensates', async () => {
    const strategy: RecoveryStrategy = { name: 'hangs', decide: () => new Promise<RecoveryDecision>(() => {}) }
    const started = performance.now()
    const ran = await run(strategy, { faults: [atStep(3, { type: 'HTTP_500' })] }, { decisionTimeoutMs: 50 })
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(ran.summary).toMatchObject({ outcome: 'failed', reason: 'strategy_timeout', consistent: true })
    expect(ran.ofType('task:error')).toMatchObject([{ where: 'strategy.decide', message: 'DecisionTimeout: decide() gave no decision within 50 ms' }])
    expect(ran.summary.compensations.map((entry) => entry.ok)).toEqual([true, true])
  })

  it('a throwing onTaskEnd is traced and does not change the outcome', async () => {
    const strategy: RecoveryStrategy = {
      ...ruleBased(),
      onTaskEnd() {
        throw new Error('boom in onTaskEnd')
      },
    }
    const ran = await run(strategy)
    expect(ran.summary.outcome).toBe('completed')
    expect(ran.ofType('task:error')).toMatchObject([{ where: 'strategy.onTaskEnd' }])
  })

  it('onTaskEnd sees the outcome and the first failure with its decision', async () => {
    const infos: unknown[] = []
    const strategy: RecoveryStrategy = { ...ruleBased(), onTaskEnd: (info) => void infos.push(info) }
    await run(strategy, { faults: [atStep(1, { type: 'RateLimited' })] })
    expect(infos).toMatchObject([{ task: 'main', outcome: 'completed', firstFailure: { observation: { step: 1, status: 429 }, decision: { action: 'retry' } } }])
  })
})

describe('runTask: summary fields', () => {
  it('counts error events, recoveries and recovery time on a hand-checked case', async () => {
    // Step 1 fails twice (first_n 2), B1 waits 50 ms before each retry, the third attempt succeeds.
    const ran = await run(naiveRetry(), { faults: [atStep(1, { type: 'HTTP_500', mode: 'first_n', times: 2 })] })
    const [first, second, third] = ran.stepCalls(1)
    const end = (call: ToolCall) => call.at + call.latencyMs
    expect(second!.at).toBe(end(first!) + 50)
    expect(third!.at).toBe(end(second!) + 50)
    expect(ran.summary).toMatchObject({
      outcome: 'completed',
      toolCalls: 7,
      errorEvents: 2,
      recoveredEvents: 2,
      recoveryMsTotal: end(third!) - end(first!) + (end(third!) - end(second!)),
      unsafeAction: false,
      sideEffectsStarted: true,
    })
    expect(ran.summary.recoveryMsTotal).toBeGreaterThan(200)
    expect(ran.summary.diagnoses).toMatchObject([
      { step: 1, attempt: 0, layer_true: 'transient', action_true: 'retry', action_pred: 'retry', event: 0 },
      { step: 1, attempt: 1, layer_true: 'transient', action_true: 'retry', action_pred: 'retry', event: 1 },
    ])
  })

  it('an error never recovered counts as an error event but not as recovered', async () => {
    const ran = await run(naiveRetry(), { faults: [atStep(4, { type: 'HTTP_500', mode: 'first_n', times: 1 }), atStep(3, { type: 'NotFound', mode: 'persistent' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', errorEvents: 4, recoveredEvents: 0, recoveryMsTotal: 0 })
  })

  it('unsafeAction: a write after a 401 without escalation', async () => {
    const ran = await run(naiveRetry(), { faults: [atStep(0, { type: 'AuthDenied' })] })
    expect(ran.summary).toMatchObject({ outcome: 'completed', unsafeAction: true })
    const b2 = await run(ruleBased(), { faults: [atStep(0, { type: 'AuthDenied' })] })
    expect(b2.summary).toMatchObject({ outcome: 'escalated', unsafeAction: false })
  })

  it('sideEffectsStarted stays false when no write got through, and then nothing is compensated', async () => {
    const ran = await run(naiveRetry(), { faults: [atStep(1, { type: 'HTTP_500', mode: 'persistent' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', sideEffectsStarted: false, consistent: true, compensations: [] })
    expect(ran.purposeCalls('rollback')).toEqual([])
  })
})

describe('runTask: what a strategy is given', () => {
  it('a connection reset is observed as result network with no status', async () => {
    const { strategy, seen } = scripted(() => ({ action: 'retry', delayMs: 0 }))
    await run(strategy, { faults: [atStep(0, { type: 'NetworkError' })] })
    expect(seen[0]!.observation).toMatchObject({ result: 'network', status: null, body: undefined, worldHash: null })
  })

  it('a broken contract is observed as result contract with status 200', async () => {
    const { strategy, seen } = scripted(() => ({ action: 'retry', delayMs: 0 }))
    const ran = await run(strategy, { faults: [atStep(0, { type: 'WrongData' })] })
    expect(seen[0]!.observation).toMatchObject({ result: 'contract', status: 200, errorCode: null })
    expect(ran.summary.outcome).toBe('completed')
  })

  it('history holds the earlier failures of the task, oldest first', async () => {
    const { strategy, seen } = scripted(() => ({ action: 'retry', delayMs: 0 }))
    await run(strategy, { faults: [atStep(0, { type: 'RateLimited' }), atStep(2, { type: 'HTTP_500', mode: 'first_n', times: 2 })] })
    expect(seen.map((context) => context.history.map((observation) => `${observation.step}/${observation.attempt}`))).toEqual([
      [],
      ['0/0'],
      ['0/0', '2/0'],
    ])
    expect(seen.map((context) => context.recoveriesOnStep)).toEqual([0, 0, 1])
  })

  it('record() puts a strategy:event into the trace', async () => {
    const { strategy } = scripted((context) => {
      context.record('breaker:open', { failures: 1 })
      return { action: 'retry', delayMs: 0 }
    })
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500' })] })
    expect(ran.ofType('strategy:event')).toMatchObject([{ name: 'breaker:open', detail: { failures: 1 } }])
  })

  it('random() is seeded per task and strategy: the same task draws the same values, another task others', async () => {
    const draws = async (id: string) => {
      const values: number[] = []
      const { strategy } = scripted((context) => {
        values.push(context.random(), context.random())
        return { action: 'retry', delayMs: 0 }
      })
      await run(strategy, { id, faults: [atStep(0, { type: 'HTTP_500' })] })
      return values
    }
    const first = await draws('T001')
    expect(await draws('T001')).toEqual(first)
    expect(await draws('T002')).not.toEqual(first)
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true)
  })

  // A malformed decision from a user strategy is the strategy's error, not a silent retry or a crash.
  it.each([
    ['an unknown action', { action: 'wait' }],
    ['no decision at all', undefined],
    ['a NaN delay', { action: 'retry', delayMs: Number.NaN }],
  ])('%s ends the task as failed with strategy_error', async (_name, decision) => {
    const strategy = { name: 'malformed', decide: () => decision } as unknown as RecoveryStrategy
    const ran = await run(strategy, { faults: [atStep(0, { type: 'HTTP_500', mode: 'persistent' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', reason: 'strategy_error' })
    expect(ran.ofType('task:error')).toMatchObject([{ where: 'strategy.decide' }])
  })
})

describe('runTask: strategies never see the ground truth', () => {
  const forbiddenKeys = new Set(['faultId', 'faultType', 'mode', 'layer', 'fault', 'applied'])

  /** Every key path in `value`, functions skipped. */
  function keyPaths(value: unknown, path = '', seen = new Set<unknown>()): string[] {
    if (value === null || typeof value !== 'object' || seen.has(value)) return []
    seen.add(value)
    return Object.entries(value).flatMap(([key, child]) => [`${path}${key}`, ...keyPaths(child, `${path}${key}.`, seen)])
  }

  it('no FailureContext carries a fault id, type, mode or layer, whatever the fault', async () => {
    const faults = [
      atStep(0, { id: 'GT-ID-0', type: 'RateLimited' }),
      atStep(1, { id: 'GT-ID-1', type: 'Conflict', mode: 'stateful_conflict' }),
      atStep(2, { id: 'GT-ID-2', type: 'Timeout', applied: true }),
      atStep(3, { id: 'GT-ID-3', type: 'StateCorruption' }),
      atStep(4, { id: 'GT-ID-4', type: 'WrongData' }),
    ]
    const { strategy, seen } = scripted((context) =>
      context.observation.status === 409 ? { action: 'rollback', delayMs: 0 } : { action: 'retry', delayMs: 0 },
    )
    const ran = await run(strategy, { faults })
    expect(ran.ofType('fault:injected')).toHaveLength(5)
    expect(seen).toHaveLength(5)
    for (const context of seen) {
      const paths = keyPaths(context)
      expect(paths.filter((path) => forbiddenKeys.has(path.split('.').at(-1)!))).toEqual([])
      expect(JSON.stringify({ ...context, random: undefined, record: undefined })).not.toMatch(/GT-ID|Timeout|StateCorruption|WrongData|RateLimited/)
    }
  })
})

describe('runTask: the saga', () => {
  const deniedAtCommit = () => atStep(4, { type: 'AuthDenied', mode: 'persistent' })

  it('compensates in reverse order and leaves a consistent world', async () => {
    const ran = await run(ruleBased(), { faults: [deniedAtCommit()] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'auth_denied', consistent: true })
    expect(ran.ofType('saga:compensate').map((event) => [event.step, event.tool, event.ok, event.attempts])).toEqual([
      [3, 'update_record', true, 1],
      [2, 'refund_payment', true, 1],
      [1, 'unlock_inventory', true, 1],
    ])
    expect(ran.purposeCalls('compensation').map((call) => call.tool)).toEqual(['update_record', 'refund_payment', 'unlock_inventory'])
  })

  it('a compensation that keeps failing: escalated, compensation_failed, a critical ticket, an inconsistent world', async () => {
    const ran = await run(ruleBased(), { faults: [deniedAtCommit(), onTool('refund_payment', { type: 'HTTP_500', mode: 'persistent' })] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'compensation_failed', consistent: false })
    expect(ran.summary.inconsistencies).toEqual(['record REC1 is paid but not approved'])
    expect(ran.summary.compensations).toEqual([
      { tool: 'update_record', step: 3, ok: true },
      { tool: 'refund_payment', step: 2, ok: false },
      { tool: 'unlock_inventory', step: 1, ok: true },
    ])
    expect(ran.purposeCalls('compensation').filter((call) => call.tool === 'refund_payment')).toHaveLength(4)
    // One critical ticket for the failed compensation, one for the escalation.
    expect(ran.purposeCalls('ticket')).toHaveLength(2)
  })

  it('a compensation that fails once and then succeeds leaves a consistent world', async () => {
    const ran = await run(ruleBased(), { faults: [deniedAtCommit(), onTool('refund_payment', { type: 'Unavailable', mode: 'once' })] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'auth_denied', consistent: true })
    expect(ran.ofType('saga:compensate').find((event) => event.tool === 'refund_payment')).toMatchObject({ ok: true, attempts: 2 })
    // Compensation retries back off on the virtual clock: 100 ms before the second try.
    const [failed, retried] = ran.purposeCalls('compensation').filter((call) => call.tool === 'refund_payment')
    expect(retried!.at).toBe(failed!.at + failed!.latencyMs + 100)
  })

  it('rolls a half-written failing step back before compensating', async () => {
    const { strategy } = scripted(() => ({ action: 'fail', reason: 'stop' }))
    const ran = await run(strategy, { faults: [atStep(3, { type: 'StateCorruption' })] })
    expect(ran.summary).toMatchObject({ outcome: 'failed', consistent: true })
    expect(ran.ofType('world:rollback')).toMatchObject([{ step: -1 }])
  })

  it('undoes a write whose answer the attempt deadline cut off, before compensating', async () => {
    // process_payment takes at least 90 virtual ms, every other step less than 80: only it times out.
    const ran = await run(ruleBased(), {}, { attemptTimeoutMs: 80 })
    expect(ran.stepCalls(2).map((call) => call.result)).toEqual(['timeout', 'timeout', 'timeout', 'timeout'])
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'retries_exhausted', inconsistencies: [], consistent: true })
  })

  it("a step's own `compensate` replaces the tool's: with its `with`, or with the step's arguments", async () => {
    const workflow: StepSpec[] = [
      { tool: 'write_audit', with: { record_id: 'REC1', entry: 'start' }, compensate: { tool: 'write_audit', with: { record_id: 'REC1', entry: 'undo' } } },
      { tool: 'lock_inventory', with: { item_id: 'widget', qty: 2 }, compensate: { tool: 'unlock_inventory' } },
      { tool: 'commit', with: { record_id: 'REC1' } },
    ]
    const ran = await run(ruleBased(), { workflow, faults: [atStep(2, { type: 'AuthDenied' })] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', consistent: true })
    expect(ran.summary.compensations).toEqual([
      { tool: 'unlock_inventory', step: 1, ok: true },
      { tool: 'write_audit', step: 0, ok: true },
    ])
  })

  it('with the saga option off, nothing is compensated', async () => {
    const ran = await run(ruleBased(), { faults: [deniedAtCommit()] }, { saga: false })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'auth_denied', consistent: false, compensations: [] })
    expect(ran.purposeCalls('compensation')).toEqual([])
    expect(ran.summary.inconsistencies).toContain('inventory widget is 10, was 12')
  })

  it('a strategy with saga: false (B0) is not compensated either', async () => {
    const ran = await run(noRecovery(), { faults: [deniedAtCommit()] })
    expect(ran.purposeCalls('compensation')).toEqual([])
    expect(ran.summary.consistent).toBe(false)
  })
})

describe('irreversible side effects', () => {
  it('are compensated by a correction message plus a ticket, newest first', async () => {
    const workflow: StepSpec[] = [
      { tool: 'lock_inventory', with: { item_id: 'widget', qty: 1 } },
      { tool: 'notify_user', with: { record_id: 'REC1', message: 'your order is on its way' } },
      { tool: 'commit', with: { record_id: 'REC1' } },
    ]
    const ran = await run(ruleBased(), { workflow, faults: [atStep(2, { type: 'AuthDenied', mode: 'persistent' })] })
    expect(ran.summary).toMatchObject({ outcome: 'escalated', reason: 'auth_denied', consistent: true })
    expect(ran.summary.compensations).toEqual([
      { tool: 'send_message', step: 1, ok: true },
      { tool: 'unlock_inventory', step: 0, ok: true },
    ])
    const tickets = ran.purposeCalls('ticket').map((call) => call.tool)
    // One ticket for the correction that cannot unsend the message, one for the escalation.
    expect(tickets).toEqual(['create_ticket', 'create_ticket'])
    const compensationOrder = ran.calls.filter((call) => call.purpose !== 'step').map((call) => `${call.purpose}:${call.tool}`)
    expect(compensationOrder).toEqual(['compensation:send_message', 'ticket:create_ticket', 'compensation:unlock_inventory', 'ticket:create_ticket'])
  })
})

describe('a diagnoser that throws', () => {
  it("makes B3 fall back to B2's rule for that failure, so the task still ends with one outcome", async () => {
    const broken = diagnosisDriven({ diagnoser: { name: 'broken', diagnose: async () => Promise.reject(new Error('model unreachable')) } })
    const ran = await run(broken, { faults: [atStep(3, { type: 'Conflict', mode: 'stateful_conflict' })] })
    expect(ran.summary).toMatchObject({ outcome: 'completed', reason: 'success' })
    expect(ran.summary.diagnoses.map((diagnosis) => [diagnosis.source, diagnosis.action_pred])).toEqual([['rule', 'rollback']])
  })
})

describe('runTask: idempotency keys', () => {
  const input = (overrides: { scenario?: string; task?: Partial<TaskSpec>; strategy?: RecoveryStrategy; runId?: string } = {}) => ({
    task: {
      id: 'main',
      index: 0,
      world: { records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } }, inventory: { widget: 12 } },
      workflow: checkout,
      faults: [],
      ...overrides.task,
    } satisfies TaskSpec,
    scenario: overrides.scenario ?? 'keys',
    file: 'scenarios/keys.scenario.yaml',
    seed: 42,
    batch: 0,
    strategy: overrides.strategy ?? noRecovery(),
    trace: { emit: () => {} },
    tracePath: '.awrr/traces/test.jsonl',
    ...(overrides.runId === undefined ? {} : { runId: overrides.runId }),
  })

  it.each([
    ['订单-中文', '订单-中文', 'B0'],
    ['emoji-🚀', 'emoji-🚀', 'emoji-🚀'],
    ['a\nb', 'a\nb', 'a\nb'],
  ])('a fault-free task named %j completes on the built-in world (no side effect turns into a network error)', async (scenario, task, strategy) => {
    const summary = await runTask(input({ scenario, task: { id: task }, strategy: { ...noRecovery(), name: strategy } }))
    expect(summary).toMatchObject({ outcome: 'completed', errorEvents: 0 })
  })

  it('a real service sees keys that differ across scenarios whose names join alike, and across runs', async () => {
    const keys: string[] = []
    const service = createServer((request, response) => {
      keys.push(String(request.headers['idempotency-key']))
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}/charge`
    const task = (id: string): Partial<TaskSpec> => ({ id, tools: { charge: { request: { method: 'POST', url } } }, workflow: [{ tool: 'charge', with: { order: 'A1' } }] })
    try {
      for (const [scenario, id, runId] of [['k', 'a-main', 'r1'], ['k-a', 'main', 'r1'], ['k', 'a-main', 'r1'], ['k', 'a-main', 'r2']] as const) {
        expect(await runTask(input({ scenario, task: task(id), runId }))).toMatchObject({ outcome: 'completed' })
      }
    } finally {
      await new Promise<void>((resolve) => service.close(() => resolve()))
    }
    expect(keys).toHaveLength(4)
    for (const key of keys) expect(key).toMatch(/^awrr-[0-9a-f]{40}$/)
    const [first, otherScenario, sameAgain, nextRun] = keys
    expect(otherScenario).not.toBe(first)
    expect(sameAgain).toBe(first)
    expect(nextRun).not.toBe(first)
  })
})
