import { describe, expect, it } from 'vitest'
import type { TraceEvent } from '../runtime/executor/trace-events.ts'
import type { ResolvedFault } from '../runtime/scenario/task-spec.ts'
import { currentTask } from '../runtime/tools/current-task.ts'
import { TaskEnvironment } from '../runtime/tools/task-environment.ts'
import { createVirtualClock } from '../runtime/virtual-clock.ts'
import { faultable } from './faultable.ts'
import { isToolHttpError, ToolHttpError } from './tool-errors.ts'

type FaultFields = Partial<ResolvedFault> & Pick<ResolvedFault, 'type'>
const fault = (fields: FaultFields): ResolvedFault => ({ id: 'F0', mode: 'once', prob: 1, tool: 'lookup', ...fields })

function task(faults: ResolvedFault[], realTime = false) {
  const events: TraceEvent[] = []
  const clock = createVirtualClock()
  const env = new TaskEnvironment({
    seed: 42,
    scenario: 'faultable-test',
    task: 'main',
    world: { records: {}, inventory: {} },
    faults,
    clock,
    trace: { emit: (event) => void events.push(event) },
    tools: { lookup: { side_effect: false }, charge: { side_effect: true } },
    realTime,
  })
  const inTask = <T>(run: () => Promise<T>) => currentTask.run(env, run)
  return { env, clock, events, inTask }
}

const lookupCalls: string[] = []
const lookup = faultable('lookup', async (id: string) => {
  lookupCalls.push(id)
  return { id, total: 40 }
})

const caught = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to throw')
}

describe('faultable outside a task', () => {
  it('calls the function and records nothing', async () => {
    lookupCalls.length = 0
    await expect(lookup('A1')).resolves.toEqual({ id: 'A1', total: 40 })
    expect(lookupCalls).toEqual(['A1'])
  })

  it('refuses a missing name or a non-function', () => {
    expect(() => faultable('', async () => 1)).toThrow(/tool name/)
    expect(() => faultable('x', 42 as never)).toThrow(/must be a function/)
  })
})

describe('faultable inside a task', () => {
  it('runs the function when no fault hits, and records the call in the trace and the task', async () => {
    const { env, events, inTask } = task([])
    await expect(inTask(() => lookup('A1'))).resolves.toEqual({ id: 'A1', total: 40 })
    expect(env.calls).toEqual([expect.objectContaining({ call: 0, tool: 'lookup', target: 'function lookup', result: 'ok', status: 200, faulted: false, sideEffect: false })])
    expect(events).toEqual([expect.objectContaining({ type: 'tool:serve', call: 0, tool: 'lookup', status: 200 })])
  })

  it('throws a ToolHttpError with status, headers and body for an error fault, once, then lets the retry through', async () => {
    const { env, events, clock, inTask } = task([fault({ type: 'RateLimited', latency_ms: 25 })])
    lookupCalls.length = 0
    const error = await caught(inTask(() => lookup('A1')))
    expect(isToolHttpError(error)).toBe(true)
    const http = error as ToolHttpError
    expect(http.status).toBe(429)
    expect(http.retryAfterSeconds).toBe(2)
    expect(http.code).toBe('rate_limited')
    expect(http.message).toBe('lookup failed: 429 Too Many Requests: too many requests')
    expect(lookupCalls).toEqual([])
    expect(clock.now()).toBe(25)
    await expect(inTask(() => lookup('A1'))).resolves.toEqual({ id: 'A1', total: 40 })
    expect(env.calls.map((call) => [call.result, call.status, call.faulted])).toEqual([
      ['http_error', 429, true],
      ['ok', 200, false],
    ])
    expect(env.injected).toEqual([expect.objectContaining({ call: 0, layer: 'transient', attempt: 0 })])
    expect(events.map((event) => event.type)).toEqual(['fault:injected', 'tool:serve', 'tool:serve'])
    expect(events[0]).toMatchObject({ faultId: 'F0', faultType: 'RateLimited', tool: 'lookup', step: null, mode: 'once' })
  })

  it('decides from the seeded plan: the same seed gives the same calls hit', async () => {
    const run = async () => {
      const { env, inTask } = task([fault({ type: 'HTTP_500', mode: 'per_attempt', prob: 0.5 })])
      for (let index = 0; index < 12; index++) await inTask(() => lookup('A1')).catch(() => undefined)
      return env.calls.map((call) => call.faulted)
    }
    const first = await run()
    expect(first).toEqual(await run())
    expect(first.some(Boolean)).toBe(true)
    expect(first.every(Boolean)).toBe(false)
  })

  it('throws what fetch throws on a reset connection for NetworkError', async () => {
    const { env, inTask } = task([fault({ type: 'NetworkError' })])
    const error = await caught(inTask(() => lookup('A1')))
    expect(error).toBeInstanceOf(TypeError)
    expect((error as TypeError).message).toBe('fetch failed')
    expect(((error as TypeError).cause as { code: string }).code).toBe('ECONNRESET')
    expect(env.calls[0]).toMatchObject({ result: 'network', status: null })
  })

  it('hangs on a Timeout until the caller’s signal aborts, and rejects with its reason', async () => {
    const signals: AbortSignal[] = []
    const slow = faultable('lookup', async (_id: string, signal: AbortSignal) => signals.push(signal), { signalOf: (_id, signal) => signal })
    const { env, events, inTask } = task([fault({ type: 'Timeout', latency_ms: 60_000 })], true)
    const controller = new AbortController()
    const reason = new DOMException('The operation timed out.', 'TimeoutError')
    setTimeout(() => controller.abort(reason), 30)
    const started = performance.now()
    const error = await caught(inTask(() => slow('A1', controller.signal)))
    expect(error).toBe(reason)
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
    expect(signals).toEqual([])
    expect(env.calls[0]).toMatchObject({ result: 'timeout', status: null, faulted: true })
    expect(events.at(-1)).toMatchObject({ type: 'tool:serve', status: 'hang' })
  })

  it('without a signal, a Timeout passes its latency on the task clock and ends in a 504', async () => {
    const { env, clock, inTask } = task([fault({ type: 'Timeout', latency_ms: 9_000 })])
    const error = await caught(inTask(() => lookup('A1')))
    expect((error as ToolHttpError).status).toBe(504)
    expect(clock.now()).toBe(9_000)
    expect(env.calls[0]).toMatchObject({ result: 'timeout', status: 504 })
  })

  it('Timeout with applied: the work is done, the answer is lost', async () => {
    lookupCalls.length = 0
    const { inTask } = task([fault({ type: 'Timeout', applied: true, latency_ms: 100 })])
    await caught(inTask(() => lookup('A9')))
    expect(lookupCalls).toEqual(['A9'])
  })

  it('answers a 200 fault (WrongData) with its body instead of the result', async () => {
    const { env, inTask } = task([fault({ type: 'WrongData' })])
    await expect(inTask(() => lookup('A1'))).resolves.toEqual({ ok: true, result: 'ERR#0x00 payload truncated' })
    expect(env.calls[0]).toMatchObject({ result: 'ok', status: 200, faulted: true })
  })

  it('StateCorruption runs the write and then fails it', async () => {
    const writes: number[] = []
    const charge = faultable('charge', async (amount: number) => writes.push(amount))
    const { env, inTask } = task([fault({ type: 'StateCorruption', tool: 'charge' })])
    const error = await caught(inTask(() => charge(12)))
    expect((error as ToolHttpError).status).toBe(500)
    expect(writes).toEqual([12])
    // The scenario declares charge with side_effect: true.
    expect(env.calls[0]).toMatchObject({ sideEffect: true })
  })

  it('records a function that throws by itself as an error of the call, with its status if it has one', async () => {
    const failing = faultable('lookup', async () => {
      throw Object.assign(new Error('upstream said no'), { status: 403 })
    })
    const { env, inTask } = task([])
    await expect(inTask(() => failing())).rejects.toThrow('upstream said no')
    expect(env.calls[0]).toMatchObject({ result: 'http_error', status: 403, faulted: false })
  })

  it('keeps `this` for methods', async () => {
    const service = { prefix: 'order-', find: faultable('lookup', async function (this: { prefix: string }, id: string) { return this.prefix + id }) }
    const { inTask } = task([])
    await expect(inTask(() => service.find('A1'))).resolves.toBe('order-A1')
  })
})
