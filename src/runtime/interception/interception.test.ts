import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { TraceEvent } from '../executor/trace-events.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { TaskEnvironment, type TaskEnvironmentOptions } from '../tools/task-environment.ts'
import { ensureToolServer, runInTask, toolServerRestarts } from './interception.ts'

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

test('restarting the interception between tasks to forget finished requests lets nothing through', async () => {
  const saved = toolServerRestarts.after
  toolServerRestarts.after = 3
  const restartsBefore = toolServerRestarts.count
  const hitsBefore = hits
  try {
    for (let index = 0; index < 4; index++) {
      const task = environment({ task: `t${index}` })
      // Two calls per task: one answered, one refused (the kind MSW would otherwise keep).
      const answered = await runInTask(task, async () => (await fetch('http://tools.awrr.test/tools/auth_check', { method: 'POST', body: '{}' })).status)
      expect(answered).toBe(200)
      await expect(runInTask(task, () => fetch(url))).rejects.toThrow()
    }
    expect(toolServerRestarts.count).toBeGreaterThan(restartsBefore)
    await expect(fetch(url)).rejects.toThrow()
    expect(hits).toBe(hitsBefore)
  } finally {
    toolServerRestarts.after = saved
  }
})

test('no restart while any task is running: a request in flight is answered, and the restart waits for the last task', async () => {
  const saved = toolServerRestarts.after
  toolServerRestarts.after = 1
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const slow = createServer((_request, response) => void held.then(() => response.end('late')))
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
  const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`
  const restartsBefore = toolServerRestarts.count
  try {
    const long = environment({ task: 'long', tools: { slow: { request: { method: 'GET', url: slowUrl } } } })
    const pending = runInTask(long, async () => (await fetch(slowUrl)).text())
    // Another task comes and goes while the first one's request is in flight, past the threshold.
    const short = environment({ task: 'short' })
    for (let index = 0; index < 3; index++) {
      const status = await runInTask(short, async () => (await fetch('http://tools.awrr.test/tools/auth_check', { method: 'POST', body: '{}' })).status)
      expect(status).toBe(200)
    }
    expect(toolServerRestarts.count).toBe(restartsBefore)
    release()
    expect(await pending).toBe('late')
    expect(toolServerRestarts.count).toBe(restartsBefore + 1)
  } finally {
    toolServerRestarts.after = saved
    release()
    await new Promise<void>((resolve) => slow.close(() => resolve()))
  }
})
