import { AsyncLocalStorage } from 'node:async_hooks'
import http, { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { closeToolServer, ensureToolServer, runInTask } from './interception.ts'

/**
 * A user's msw 3 beside AWRR, the way it behaves (msw 3 needs Node 22, so the real one runs in
 * test/own-stack.test.ts): its registry on globalThis; a fetch wrapper that rebuilds the Request
 * and drops undici's `dispatcher` option; node:http wrapped; below them a socket layer that
 * answers the user's `*\/weather` handler unless the connection is internal (msw's own
 * passthrough); and `close()` putting back what it replaced, which takes AWRR's patches with it.
 */
const globals = globalThis as unknown as Record<string, unknown>
const internal = new AsyncLocalStorage<{ consumed: boolean }>()
let internalRuns = 0

function userMsw3() {
  const before = { fetch: globalThis.fetch, request: http.request }
  const realFetch = globalThis.fetch
  const realRequest = http.request
  let mocked = 0
  globalThis.fetch = (input, init) => {
    const request = new Request(input, init)
    // The socket layer: a connection not marked internal is the user's handlers' to answer.
    if (internal.getStore() === undefined && new URL(request.url).pathname === '/weather') {
      mocked++
      return Promise.resolve(Response.json({ forecast: 'sunny (mocked)' }))
    }
    return realFetch(request)
  }
  http.request = function mockHttpRequest(...args: unknown[]) {
    return (realRequest as (...inner: unknown[]) => http.ClientRequest)(...args)
  } as typeof http.request
  return {
    mocked: () => mocked,
    close() {
      globalThis.fetch = before.fetch
      http.request = before.request
    },
  }
}

const served: string[] = []
const service = createServer((request, response) => {
  served.push(`${request.method} ${request.url}`)
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify({ forecast: 'light snow' }))
})
let origin = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(service.address() as AddressInfo).port}`
  closeToolServer()
  globals['__MSW_INTERCEPTORS_REGISTRY'] = new Map()
  globals['__MSW_INTERNAL_CONNECTION_CONTEXT'] = {
    run: <T>(callback: () => T): T => {
      internalRuns++
      return internal.run({ consumed: false }, callback)
    },
    consume: () => false,
  }
})

afterAll(async () => {
  closeToolServer()
  delete globals['__MSW_INTERCEPTORS_REGISTRY']
  delete globals['__MSW_INTERNAL_CONNECTION_CONTEXT']
  await new Promise<void>((resolve) => service.close(() => resolve()))
})

function environment(file: number) {
  return new TaskEnvironment({
    seed: 4, scenario: 'msw3', task: `file-${file}`, world: { records: {}, inventory: {} },
    faults: [{ id: 'F0', tool: 'weather', type: 'HTTP_500', mode: 'first_n', times: 1, prob: 1 } as ResolvedFault],
    clock: createVirtualClock(), trace: { emit: () => {} }, realTime: true,
    tools: { weather: { request: { method: 'GET', url: `${origin}/weather` } } },
  })
}

const viaHttp = (url: string) =>
  new Promise<number>((resolve, reject) => {
    http.get(url, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    }).on('error', reject)
  })

test('a user\'s msw 3 that listens before AWRR and closes and listens again for every file: AWRR stays on top, faults reach the calls, each is counted once, and msw 3 never answers them', async () => {
  for (let file = 0; file < 3; file++) {
    const before = served.length
    const runsBefore = internalRuns
    // A setup file runs before the file's tests: the user's server listens first, then AWRR starts (or finds itself replaced).
    const user = userMsw3()
    ensureToolServer()
    const task = environment(file)
    const statuses = await runInTask(task, async () => [(await fetch(`${origin}/weather`)).status, (await fetch(`${origin}/weather`)).status, await viaHttp(`${origin}/weather`)])
    user.close()
    expect(statuses, `file ${file}`).toEqual([500, 200, 200])
    // The real service saw the two calls no fault hit; the user's mock answered none of them.
    expect(served.slice(before), `file ${file}`).toEqual(['GET /weather', 'GET /weather'])
    expect(user.mocked(), `file ${file}`).toBe(0)
    // Counted once each, although msw 3's fetch wrapper sends AWRR's passthrough back to undici's global dispatcher.
    expect(task.calls.map((call) => [call.tool, call.status, call.faulted]), `file ${file}`).toEqual([
      ['weather', 500, true],
      ['weather', 200, false],
      ['weather', 200, false],
    ])
    // Both passthrough calls ran as msw 3 internal connections.
    expect(internalRuns - runsBefore, `file ${file}`).toBe(2)
  }
})
