import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { TraceEvent } from '../executor/trace-events.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { TaskEnvironment, type TaskEnvironmentOptions } from '../tools/task-environment.ts'
import { ensureToolServer, runInTask } from './interception.ts'

let hits = 0
const server = createServer((_request, response) => {
  hits++
  response.end('ok')
})
let url = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`
  ensureToolServer()
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function environment(options: Partial<TaskEnvironmentOptions> = {}): TaskEnvironment {
  return new TaskEnvironment({
    seed: 1,
    scenario: 's',
    task: 't',
    world: { records: {}, inventory: {} },
    faults: [],
    clock: createVirtualClock(),
    trace: { emit: () => {} },
    ...options,
  })
}

test('a request made outside any task never leaves the process', async () => {
  await expect(fetch(url)).rejects.toThrow()
  expect(hits).toBe(0)
})

test('a task request to an origin no scenario declares is refused and recorded in the trace', async () => {
  const events: TraceEvent[] = []
  const task = environment({ trace: { emit: (event) => events.push(event) } })
  await expect(runInTask(task, () => fetch(url))).rejects.toThrow()
  expect(hits).toBe(0)
  expect(events).toEqual([expect.objectContaining({ type: 'task:error', where: 'router', message: expect.stringContaining('Blocked a request') })])
})

test('a declared origin passes through to the real service', async () => {
  const task = environment({ tools: { ping: { request: { method: 'GET', url } } } })
  const response = await runInTask(task, () => fetch(url))
  expect(await response.text()).toBe('ok')
  expect(hits).toBe(1)
})
