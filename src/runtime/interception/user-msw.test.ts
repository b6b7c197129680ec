import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, expect, test } from 'vitest'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { closeToolServer, ensureToolServer, runInTask } from './interception.ts'
import { useHandlers } from './user-handlers.ts'

/** The user's own mocks: an API AWRR knows nothing about, and a catch-all that must not steal AWRR's calls. */
let userAnswered = 0
const userHandlers = [
  http.get('https://api.user.test/profile', () => {
    userAnswered++
    return HttpResponse.json({ name: 'Ada' })
  }),
  http.all('http://tools.awrr.test/*', () => {
    userAnswered++
    return HttpResponse.json({ stolen: true })
  }),
]

afterAll(() => closeToolServer())

function environment() {
  return new TaskEnvironment({
    seed: 9, scenario: 'user-msw', task: 't', world: { records: {}, inventory: {} },
    faults: [{ id: 'F0', tool: 'auth_check', type: 'HTTP_500', mode: 'first_n', times: 1, prob: 1 } as ResolvedFault],
    clock: createVirtualClock(), trace: { emit: () => {} },
  })
}

/** One task: two tool calls (the first faulted) and one call to the user's API. */
async function run() {
  const task = environment()
  const result = await runInTask(task, async () => {
    const tool = async () => (await fetch('http://tools.awrr.test/tools/auth_check', { method: 'POST', body: '{}' })).status
    const statuses = [await tool(), await tool()]
    const profile = await (await fetch('https://api.user.test/profile')).json()
    return { statuses, profile }
  })
  return { ...result, recorded: task.calls.map((call) => [call.tool, call.status]) }
}

const expected = { statuses: [500, 200], profile: { name: 'Ada' }, recorded: [['auth_check', 500], ['auth_check', 200]] }

test.each([
  ['before AWRR starts', 'before'],
  ['after AWRR started', 'after'],
] as const)('a user\'s own setupServer started %s: AWRR answers its calls (counted once), the user\'s handlers answer the rest', async (_label, order) => {
  closeToolServer()
  userAnswered = 0
  const server = setupServer(...userHandlers)
  if (order === 'before') server.listen({ onUnhandledRequest: 'bypass' })
  ensureToolServer()
  if (order === 'after') server.listen({ onUnhandledRequest: 'bypass' })
  try {
    expect(await run()).toEqual(expected)
    // Only the profile call reached the user's handlers; the catch-all never saw AWRR's tool calls.
    expect(userAnswered).toBe(1)
  } finally {
    server.close()
  }
  // Once the user closed their server, its handlers answer nothing and the API is refused again.
  await expect(runInTask(environment(), () => fetch('https://api.user.test/profile'))).rejects.toThrow()
})

test('a user\'s server that closes and listens again in the next file is adopted again, never twice', async () => {
  ensureToolServer()
  for (let file = 0; file < 3; file++) {
    userAnswered = 0
    const server = setupServer(...userHandlers)
    server.listen({ onUnhandledRequest: 'bypass' })
    expect(await run()).toEqual(expected)
    expect(userAnswered).toBe(1)
    server.close()
  }
})

test('useHandlers hands the user\'s handlers to AWRR without a server of their own, and removes them again', async () => {
  ensureToolServer()
  userAnswered = 0
  const remove = useHandlers(...userHandlers)
  try {
    expect(await run()).toEqual(expected)
    expect(userAnswered).toBe(1)
  } finally {
    remove()
  }
  await expect(runInTask(environment(), () => fetch('https://api.user.test/profile'))).rejects.toThrow()
})

test('an interceptor AWRR cannot route through (http.request replaced, as nock does) fails the task at once, saying what to do', async () => {
  ensureToolServer()
  const { default: nodeHttp } = await import('node:http')
  const patched = nodeHttp.request
  nodeHttp.request = ((...args: Parameters<typeof nodeHttp.request>) => patched(...args)) as typeof nodeHttp.request
  try {
    await expect(runInTask(environment(), async () => 1)).rejects.toThrow(/Another request interceptor replaced http.request.*useHandlers/)
  } finally {
    nodeHttp.request = patched
  }
  expect(await runInTask(environment(), async () => 1)).toBe(1)
})
