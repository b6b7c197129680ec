import { test, expect } from 'vitest'
import { createServer } from 'node:http'
import { ensureToolServer, runInTask } from './tool-server.ts'
import { TaskEnvironment } from './task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
test('a request to an origin no scenario declares never leaves the process', , async () => {
  let hits = 0
  const server = createServer((_q, r) => { hits++; r.end('ok') })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()))
  const url = `http://127.0.0.1:${(server.address() as any).port}/x`
  ensureToolServer()
  await expect(fetch(url)).rejects.toThrow()
  const events: any[] = []
  const env = new TaskEnvironment({ seed: 1, scenario: 's', task: 't', world: { records: {}, inventory: {} }, faults: [], clock: createVirtualClock(), trace: { emit: (e) => events.push(e) } })
  await expect(runInTask(env, () => fetch(url))).rejects.toThrow()
  expect(hits).toBe(0)
  expect(events[0].message).toContain('Blocked')
  server.close()
})
