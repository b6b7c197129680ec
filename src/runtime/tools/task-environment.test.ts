import { describe, expect, it } from 'vitest'
import type { CallPurpose, TraceEvent } from '../executor/trace-events.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { TaskEnvironment, worldHashHeader, type ServedAnswer, type ServedCall } from './task-environment.ts'
import { builtinToolSpecs } from './tool-specs.ts'

type FaultFields = Partial<ResolvedFault> & Pick<ResolvedFault, 'type'>
const fault = (fields: FaultFields): ResolvedFault => ({ id: 'F0', mode: 'once', prob: 1, step: 0, ...fields })

function environment(faults: ResolvedFault[] = []) {
  const events: TraceEvent[] = []
  const clock = createVirtualClock()
  const env = new TaskEnvironment({
    seed: 42,
    scenario: 'env-test',
    task: 'main',
    world: {
      records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } },
      inventory: { widget: 12 },
    },
    faults,
    clock,
    trace: { emit: (event) => void events.push(event) },
  })
  return { env, clock, events }
}

interface CallFields {
  step?: number
  purpose?: CallPurpose
  key?: string
  signal?: AbortSignal
}
const call = (tool: string, args: Record<string, unknown> = {}, fields: CallFields = {}): ServedCall => ({
  tool,
  step: fields.step ?? 0,
  purpose: fields.purpose ?? 'step',
  args,
  idempotencyKey: fields.key,
  signal: fields.signal,
})

const json = (answer: ServedAnswer) => {
  if (answer.kind !== 'json') throw new Error(`expected a JSON answer, got ${answer.kind}`)
  return answer
}
const pay = (key?: string): ServedCall => call('process_payment', { order_id: 'REC1', amount: 240 }, key === undefined ? {} : { key })

describe('TaskEnvironment.serve', () => {
  it('serves a tool call with its seeded base latency on the virtual clock and the world hash header', async () => {
    const { env, clock, events } = environment()
    const answer = json(await env.serve(call('get_record', { record_id: 'REC1' })))
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ ok: true, result: { record_id: 'REC1' } })
    expect(answer.headers[worldHashHeader]).toMatch(/^[0-9a-f]{8}$/)
    const base = builtinToolSpecs.get_record.baseLatencyMs
    expect(clock.now()).toBeGreaterThanOrEqual(0.75 * base)
    expect(clock.now()).toBeLessThanOrEqual(1.25 * base)
    expect(events).toEqual([expect.objectContaining({ type: 'tool:serve', call: 0, tool: 'get_record', status: 200, latencyMs: clock.now(), replayed: false })])
    expect(env.callCount).toBe(1)
  })

  it('gives the same latencies for the same seed, scenario and task', async () => {
    const latencies = async () => {
      const { env, events } = environment()
      for (let index = 0; index < 5; index++) await env.serve(call('auth_check'))
      return events.map((event) => (event.type === 'tool:serve' ? event.latencyMs : -1))
    }
    const first = await latencies()
    expect(await latencies()).toEqual(first)
    expect(new Set(first).size).toBeGreaterThan(1)
  })

  it('answers 404 unknown_tool for a tool it does not have', async () => {
    const { env } = environment()
    const answer = json(await env.serve(call('drop_tables')))
    expect(answer.status).toBe(404)
    expect(answer.body).toMatchObject({ error: { code: 'unknown_tool' } })
  })

  it('changes the world hash on writes, not on reads', async () => {
    const { env } = environment()
    const hash = async (served: ServedCall) => json(await env.serve(served)).headers[worldHashHeader]
    const initial = await hash(call('get_record', { record_id: 'REC1' }))
    expect(await hash(call('auth_check'))).toBe(initial)
    expect(await hash(call('policy_check'))).toBe(initial)
    const afterLock = await hash(call('lock_inventory', { item_id: 'widget', qty: 1 }))
    expect(afterLock).not.toBe(initial)
    expect(await hash(call('get_record', { record_id: 'REC1' }))).toBe(afterLock)
    expect(await hash(call('update_record', { record_id: 'REC1', patch: { status: 'approved' } }))).not.toBe(afterLock)
  })
})

describe('TaskEnvironment idempotency', () => {
  it('replays the first answer of a repeated Idempotency-Key without writing again', async () => {
    const { env, events } = environment()
    const first = json(await env.serve(pay('k1')))
    const again = json(await env.serve(pay('k1')))
    expect(again.body).toEqual(first.body)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    expect(env.world.payments).toHaveLength(1)
    expect(events.filter((event) => event.type === 'tool:serve').map((event) => event.type === 'tool:serve' && event.replayed)).toEqual([false, true])
  })

  it('applies writes with different keys, or with none, every time', async () => {
    const { env } = environment()
    await env.serve(pay('k1'))
    await env.serve(pay('k2'))
    await env.serve(pay())
    await env.serve(pay())
    expect(env.world.payments).toHaveLength(4)
  })

  it('does not store failed writes: a retry with the same key tries again', async () => {
    const { env } = environment()
    const tooMany = call('lock_inventory', { item_id: 'widget', qty: 99 }, { key: 'lock' })
    expect(json(await env.serve(tooMany)).status).toBe(409)
    const fits = call('lock_inventory', { item_id: 'widget', qty: 2 }, { key: 'lock' })
    expect(json(await env.serve(fits)).status).toBe(200)
    expect(env.world.inventory['widget']).toBe(10)
  })

  it('still replays after a rollback to a checkpoint that holds the write', async () => {
    const { env } = environment()
    await env.serve(pay('k1'))
    env.rollback()
    const again = json(await env.serve(pay('k1')))
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(env.world.payments).toHaveLength(1)
  })

  it('forgets a key whose write the rollback undid, so the retry writes exactly once', async () => {
    const { env, clock } = environment([fault({ type: 'Timeout', applied: true })])
    const controller = new AbortController()
    clock.setTimer(5_000, () => controller.abort())
    await env.serve(call('process_payment', { order_id: 'REC1', amount: 240 }, { key: 'k1', signal: controller.signal }))
    expect(env.world.payments).toHaveLength(1)
    env.rollback()
    expect(env.world.payments).toHaveLength(0)
    const retried = json(await env.serve(pay('k1')))
    expect(retried.headers['idempotent-replayed']).toBeUndefined()
    expect(env.world.payments).toHaveLength(1)
  })
})

describe('TaskEnvironment checkpoints and rollback', () => {
  it('restores the state after the last successful write; the audit log keeps everything and records the rollback', async () => {
    const { env } = environment([fault({ type: 'StateCorruption', step: 1 })])
    await env.serve(call('lock_inventory', { item_id: 'widget', qty: 2 }, { step: 0 }))
    await env.serve(call('update_record', { record_id: 'REC1', patch: { status: 'approved' } }, { step: 1 }))
    expect(env.world.records['REC1']).toMatchObject({ status: 'approved', integrity: 'corrupted' })
    const auditBefore = env.world.audit_log.length
    env.rollback()
    expect(env.world.inventory['widget']).toBe(10)
    expect(env.world.records['REC1']).toEqual({ status: 'pending', value: 240, payment_status: 'unpaid' })
    expect(env.world.audit_log).toHaveLength(auditBefore + 1)
    expect(env.world.audit_log.at(-1)).toMatchObject({ kind: 'rollback', tool: 'rollback' })
    expect(env.world.audit_log.filter((entry) => entry.tool === 'update_record')).toHaveLength(1)
  })

  it('a rollback before any write restores the initial world', async () => {
    const { env } = environment([fault({ type: 'HTTP_500', step: 0 })])
    await env.serve(call('lock_inventory', { item_id: 'widget', qty: 2 }))
    expect(env.world.inventory['widget']).toBe(12)
    env.rollback()
    expect(env.world.inventory['widget']).toBe(12)
  })

  it('the rollback tool does the same over the wire and answers restored', async () => {
    const { env } = environment()
    await env.serve(call('lock_inventory', { item_id: 'widget', qty: 2 }))
    env.world.inventory['widget'] = 0
    const answer = json(await env.serve(call('rollback', {}, { purpose: 'rollback' })))
    expect(answer.body).toEqual({ ok: true, result: { restored: true } })
    expect(env.world.inventory['widget']).toBe(10)
  })

  it('marks successful compensation calls in the audit log (what clears a stateful conflict)', async () => {
    const { env } = environment()
    await env.serve(call('lock_inventory', { item_id: 'widget', qty: 2 }))
    await env.serve(call('unlock_inventory', { item_id: 'widget', qty: 2 }, { purpose: 'compensation' }))
    expect(env.world.audit_log.map((entry) => entry.kind)).toEqual(['write', 'write', 'compensation'])
  })
})

describe('TaskEnvironment fault injection', () => {
  it('records the ground truth in the trace and in `injected`, never in the answer', async () => {
    const { env, events } = environment([fault({ id: 'secret-fault', type: 'Conflict', mode: 'persistent' })])
    const answer = json(await env.serve(call('get_record', { record_id: 'REC1' })))
    expect(answer.status).toBe(409)
    expect(JSON.stringify(answer)).not.toContain('secret-fault')
    expect(events[0]).toMatchObject({ type: 'fault:injected', call: 0, faultId: 'secret-fault', faultType: 'Conflict', layer: 'cascade', mode: 'persistent', attempt: 0 })
    expect(env.faultOf(0)).toMatchObject({ fault: { id: 'secret-fault' }, attempt: 0, call: 0 })
    expect(env.faultOf(1)).toBeUndefined()
  })

  it('an http fault adds its latency to the base latency and passes its headers through', async () => {
    const { env, clock } = environment([fault({ type: 'RateLimited', latency_ms: 1_000 })])
    const answer = json(await env.serve(call('auth_check')))
    expect(answer.status).toBe(429)
    expect(answer.headers['Retry-After']).toBe('2')
    expect(clock.now()).toBeGreaterThanOrEqual(1_000 + 0.75 * builtinToolSpecs.auth_check.baseLatencyMs)
  })

  it('a step fault hits the workflow call of that step, not a compensation or rollback made for it', async () => {
    const { env } = environment([fault({ type: 'HTTP_500', mode: 'persistent', step: 0 })])
    expect(json(await env.serve(call('unlock_inventory', { item_id: 'widget', qty: 1 }, { purpose: 'compensation' }))).status).toBe(200)
    expect(json(await env.serve(call('rollback', {}, { purpose: 'rollback' }))).status).toBe(200)
    expect(json(await env.serve(call('unlock_inventory', { item_id: 'widget', qty: 1 }))).status).toBe(500)
  })

  it('a tool fault hits compensation calls too', async () => {
    const { step: _step, ...base } = fault({ type: 'HTTP_500', mode: 'persistent' })
    const { env } = environment([{ ...base, tool: 'refund_payment' }])
    const answer = json(await env.serve(call('refund_payment', { order_id: 'REC1' }, { purpose: 'compensation' })))
    expect(answer.status).toBe(500)
  })

  it('a non-applied Timeout hangs until the deadline aborts it and writes nothing', async () => {
    const { env, clock, events } = environment([fault({ type: 'Timeout' })])
    const controller = new AbortController()
    clock.setTimer(5_000, () => controller.abort())
    await env.serve(call('process_payment', { order_id: 'REC1', amount: 240 }, { signal: controller.signal }))
    expect(clock.now()).toBe(5_000)
    expect(env.world.payments).toEqual([])
    expect(events.at(-1)).toMatchObject({ type: 'tool:serve', status: 'hang' })
  })

  it('an applied Timeout writes although the caller gets no answer, and does not move the checkpoint', async () => {
    const { env, clock } = environment([fault({ type: 'Timeout', applied: true })])
    const controller = new AbortController()
    clock.setTimer(5_000, () => controller.abort())
    await env.serve(call('process_payment', { order_id: 'REC1', amount: 240 }, { signal: controller.signal, key: 'pay' }))
    expect(clock.now()).toBe(5_000)
    expect(env.world.payments).toHaveLength(1)
    expect(env.world.records['REC1']!['payment_status']).toBe('paid')
    // The write landed, so a retry with the same key must not charge again.
    const retried = json(await env.serve(pay('pay')))
    expect(retried.headers['idempotent-replayed']).toBe('true')
    expect(env.world.payments).toHaveLength(1)
  })

  it('a Timeout without a deadline hangs for its full latency', async () => {
    const { env, clock } = environment([fault({ type: 'Timeout', latency_ms: 12_345 })])
    await env.serve(call('auth_check'))
    expect(clock.now()).toBe(12_345)
  })

  it('NetworkError answers a connection reset', async () => {
    const { env, events } = environment([fault({ type: 'NetworkError' })])
    expect(await env.serve(call('auth_check'))).toEqual({ kind: 'network' })
    expect(events.at(-1)).toMatchObject({ type: 'tool:serve', status: 'network' })
  })

  it('StateCorruption writes, marks the record corrupted, answers 500 with the changed hash, and rollback undoes it', async () => {
    const { env } = environment([fault({ type: 'StateCorruption' })])
    const before = worldHashOf(json(await env.serve(call('get_record', { record_id: 'REC1' }, { step: 5 }))))
    const answer = json(await env.serve(call('process_payment', { order_id: 'REC1', amount: 240 })))
    expect(answer.status).toBe(500)
    expect(worldHashOf(answer)).not.toBe(before)
    expect(env.world.payments).toHaveLength(1)
    expect(env.world.records['REC1']!['integrity']).toBe('corrupted')
    env.rollback()
    expect(env.world.payments).toEqual([])
    expect(env.world.records['REC1']!['integrity']).toBeUndefined()
  })

  it('clears a stateful conflict once a rollback is in the audit log', async () => {
    const { env } = environment([fault({ type: 'Conflict', mode: 'stateful_conflict' })])
    const lock = call('lock_inventory', { item_id: 'widget', qty: 1 })
    expect(json(await env.serve(lock)).status).toBe(409)
    expect(json(await env.serve(lock)).status).toBe(409)
    env.rollback()
    expect(json(await env.serve(lock)).status).toBe(200)
  })
})

const worldHashOf = (answer: Extract<ServedAnswer, { kind: 'json' }>) => answer.headers[worldHashHeader]

describe('TaskEnvironment: a write whose answer the deadline cut off', () => {
  it('is not a checkpoint: a rollback undoes it, as it undoes an applied Timeout', async () => {
    const { env, clock } = environment()
    await env.serve(call('lock_inventory', { item_id: 'widget', qty: 2 }))
    const controller = new AbortController()
    // process_payment takes at least 90 ms: the deadline falls mid-call.
    clock.setTimer(10, () => controller.abort())
    await env.serve(call('process_payment', { order_id: 'REC1', amount: 240 }, { signal: controller.signal, key: 'pay' }))
    expect(controller.signal.aborted).toBe(true)
    expect(env.world.payments).toHaveLength(1)
    env.rollback()
    expect(env.world.payments).toEqual([])
    expect(env.world.inventory['widget']).toBe(10)
  })
})
