import { beforeAll, expect, test } from 'vitest'
import { createVirtualClock } from '../virtual-clock.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { ensureToolServer, runInTask } from './interception.ts'
import { registerVirtualOrigin } from './router.ts'

beforeAll(() => ensureToolServer())

const environment = () =>
  new TaskEnvironment({ seed: 1, scenario: 's', task: 't', world: { records: {}, inventory: {} }, faults: [], clock: createVirtualClock(), trace: { emit: () => {} } })

test('a virtual origin answers through the router, sees its task, and stops answering once unregistered', async () => {
  const seen: (TaskEnvironment | undefined)[] = []
  const unregister = registerVirtualOrigin('http://model.awrr.test', async (request, context) => {
    seen.push(context.environment)
    return Response.json({ echoed: await request.text() })
  })
  const task = environment()
  const body = await runInTask(task, async () => (await fetch('http://model.awrr.test/v1/chat', { method: 'POST', body: 'hi' })).json())
  expect(body).toEqual({ echoed: 'hi' })
  expect(seen).toEqual([task])
  unregister()
  await expect(runInTask(task, () => fetch('http://model.awrr.test/v1/chat'))).rejects.toThrow()
})

test('a virtual responder that returns nothing refuses the request, and an origin cannot be registered twice', async () => {
  const unregister = registerVirtualOrigin('http://empty.awrr.test', () => undefined)
  try {
    expect(() => registerVirtualOrigin('http://empty.awrr.test/other', () => undefined)).toThrow(/already has a virtual responder/)
    expect(() => registerVirtualOrigin('http://tools.awrr.test', () => undefined)).toThrow(/simulated tool service/)
    await expect(runInTask(environment(), () => fetch('http://empty.awrr.test/'))).rejects.toThrow()
  } finally {
    unregister()
  }
})
