import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { request as undiciRequest } from 'undici'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { TraceEvent } from '../executor/trace-events.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { ensureToolServer, runInTask } from './interception.ts'

const served: string[] = []
const service = createServer((request, response) => {
  served.push(request.url ?? '')
  response.end('{}')
})
let origin = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(service.address() as AddressInfo).port}`
  ensureToolServer()
})
afterAll(() => new Promise<void>((resolve) => service.close(() => resolve())))

const clientDeadlineMs = 200
const faultLatencyMs = 10_000

/**
 * Each client with its own 200 ms deadline. Not here: a bare node:http `request.setTimeout`, an idle
 * timer of the socket, which the interceptor's mock socket does not run (README, client table).
 */
const clients: Record<string, (url: string) => Promise<unknown>> = {
  'fetch + AbortSignal.timeout': (url) => fetch(url, { signal: AbortSignal.timeout(clientDeadlineMs) }),
  'axios timeout (http adapter)': (url) => axios.get(url, { timeout: clientDeadlineMs }),
  'axios timeout (fetch adapter)': (url) => axios.get(url, { adapter: 'fetch', timeout: clientDeadlineMs }),
  'got timeout.request': (url) => got(url, { timeout: { request: clientDeadlineMs }, retry: { limit: 0 } }),
  'ky timeout': (url) => ky(url, { timeout: clientDeadlineMs, retry: 0 }),
  'undici request + signal': (url) => undiciRequest(url, { signal: AbortSignal.timeout(clientDeadlineMs) }),
}

function environment(name: string, latency: number) {
  const events: TraceEvent[] = []
  const task = new TaskEnvironment({
    seed: 5, scenario: 'timeouts', task: name, world: { records: {}, inventory: {} },
    faults: [{ id: 'F0', tool: 'slow', type: 'Timeout', mode: 'first_n', times: 1, prob: 1, latency_ms: latency } as ResolvedFault],
    clock: createVirtualClock(), trace: { emit: (event) => void events.push(event) }, realTime: true,
    tools: { slow: { request: { method: 'GET', url: `${origin}/slow` } } },
  })
  return { task, events }
}

function servedLatency(events: TraceEvent[]): number {
  const serve = events.find((event) => event.type === 'tool:serve')
  if (!serve || serve.type !== 'tool:serve') throw new Error('no tool:serve event')
  expect(serve.status).toBe('hang')
  return serve.latencyMs
}

for (const [name, call] of Object.entries(clients)) {
  test(`a Timeout fault trips the client's own deadline (${name}); the trace records what it waited`, async () => {
    const before = served.length
    const { task, events } = environment(name, faultLatencyMs)
    const startedAt = performance.now()
    await expect(runInTask(task, () => call(`${origin}/slow`))).rejects.toThrow()
    const elapsed = performance.now() - startedAt
    // The client gave up at its own deadline, far before the fault's 10 s.
    expect(elapsed).toBeGreaterThanOrEqual(clientDeadlineMs / 2)
    expect(elapsed).toBeLessThan(faultLatencyMs / 2)
    const waited = servedLatency(events)
    expect(waited).toBeGreaterThanOrEqual(clientDeadlineMs / 2)
    expect(waited).toBeLessThan(faultLatencyMs / 2)
    expect(served.slice(before)).toEqual([])
  })
}

test('a client with no deadline is answered 504 once the fault\'s latency has really passed', async () => {
  const { task, events } = environment('no-deadline', 300)
  const startedAt = performance.now()
  const status = await runInTask(task, async () => (await fetch(`${origin}/slow`)).status)
  expect(status).toBe(504)
  expect(performance.now() - startedAt).toBeGreaterThanOrEqual(290)
  expect(servedLatency(events)).toBeGreaterThanOrEqual(290)
})
