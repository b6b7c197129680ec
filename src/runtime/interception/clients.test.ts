import { createServer, get as httpGet } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { Agent, fetch as undiciFetch, getGlobalDispatcher, request as undiciRequest, setGlobalDispatcher, stream as undiciStream } from 'undici'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { ensureToolServer, runInTask } from './interception.ts'

/** What the real service saw: the faulted calls must never show up here. */
const served: string[] = []
const service = createServer((request, response) => {
  served.push(`${request.method} ${request.url}`)
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify({ real: true }))
})
let origin = ''
const undeclared = createServer((_request, response) => {
  served.push('undeclared')
  response.end('leaked')
})
let undeclaredUrl = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => undeclared.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(service.address() as AddressInfo).port}`
  undeclaredUrl = `http://127.0.0.1:${(undeclared.address() as AddressInfo).port}/secret`
  ensureToolServer()
})
afterAll(async () => {
  await new Promise<void>((resolve) => service.close(() => resolve()))
  await new Promise<void>((resolve) => undeclared.close(() => resolve()))
})

/** Each client: GET `url`, give back the status it saw (or throw what it threw). */
const clients: Record<string, (url: string) => Promise<number>> = {
  'global fetch': async (url) => (await fetch(url)).status,
  'node:http': (url) =>
    new Promise((resolve, reject) => {
      httpGet(url, (response) => {
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
      }).on('error', reject)
    }),
  'axios (http adapter)': async (url) => (await axios.get(url, { adapter: 'http', validateStatus: () => true })).status,
  'axios (fetch adapter)': async (url) => (await axios.get(url, { adapter: 'fetch', validateStatus: () => true })).status,
  got: async (url) => (await got(url, { throwHttpErrors: false, retry: { limit: 0 } })).statusCode,
  ky: async (url) => (await ky(url, { throwHttpErrors: false, retry: 0 })).status,
  'undici request': async (url) => {
    const response = await undiciRequest(url)
    await response.body.text()
    return response.statusCode
  },
  'undici fetch': async (url) => (await undiciFetch(url)).status,
  'undici stream': async (url) => {
    let status = 0
    await undiciStream(url, { method: 'GET' }, ({ statusCode }) => {
      status = statusCode
      return new Writable({ write: (_chunk, _encoding, done) => done() })
    })
    return status
  },
}

let taskCounter = 0
function environment(faults: ResolvedFault[]) {
  const calls: string[] = []
  const task = new TaskEnvironment({
    seed: 7,
    scenario: 'clients',
    task: `t${taskCounter++}`,
    world: { records: {}, inventory: {} },
    faults,
    clock: createVirtualClock(),
    trace: { emit: (event) => calls.push(event.type) },
    realTime: true,
    tools: { orders: { request: { method: 'GET', url: `${origin}/orders` } } },
  })
  return { task, events: calls }
}

describe.each(Object.entries(clients))('%s', (_name, call) => {
  test('an injected 503 reaches the client, the service never sees the call, and the call is recorded once', async () => {
    const before = served.length
    const { task } = environment([{ id: 'F0', tool: 'orders', type: 'Unavailable', mode: 'first_n', times: 1, prob: 1 } as ResolvedFault])
    const status = await runInTask(task, () => call(`${origin}/orders`))
    expect(status).toBe(503)
    expect(served.slice(before)).toEqual([])
    expect(task.calls).toEqual([expect.objectContaining({ tool: 'orders', status: 503, faulted: true })])
  })

  test('without a fault the call reaches the real service, once, and its status is recorded', async () => {
    const before = served.length
    const { task } = environment([])
    const status = await runInTask(task, () => call(`${origin}/orders`))
    expect(status).toBe(200)
    expect(served.slice(before)).toEqual(['GET /orders'])
    expect(task.calls).toEqual([expect.objectContaining({ tool: 'orders', status: 200, result: 'ok', faulted: false })])
  })

  test('a request to an origin no scenario declares is refused and never leaves the process', async () => {
    const before = served.length
    const { task } = environment([])
    await expect(runInTask(task, () => call(undeclaredUrl))).rejects.toThrow()
    expect(served.slice(before)).toEqual([])
  })
})

test('a dispatcher the user sets as undici\'s global is wrapped: its requests are still routed', async () => {
  const previous = getGlobalDispatcher()
  setGlobalDispatcher(new Agent({ keepAliveTimeout: 10 }))
  try {
    const before = served.length
    const { task } = environment([{ id: 'F0', tool: 'orders', type: 'HTTP_500', mode: 'first_n', times: 1, prob: 1 } as ResolvedFault])
    const statuses = await runInTask(task, async () => [await clients['undici request']!(`${origin}/orders`), await clients['undici request']!(`${origin}/orders`)])
    expect(statuses).toEqual([500, 200])
    expect(served.slice(before)).toEqual(['GET /orders'])
    await expect(runInTask(task, () => clients['undici fetch']!(undeclaredUrl))).rejects.toThrow()
  } finally {
    setGlobalDispatcher(previous)
  }
})

test('a passthrough call that fails at the network level is recorded as a network failure', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  for (const name of ['global fetch', 'node:http', 'undici request']) {
    const task = new TaskEnvironment({
      seed: 7, scenario: 'clients', task: `dead-${name}`, world: { records: {}, inventory: {} }, faults: [], clock: createVirtualClock(), trace: { emit: () => {} }, realTime: true,
      tools: { gone: { request: { method: 'GET', url: deadUrl } } },
    })
    await expect(runInTask(task, () => clients[name]!(deadUrl))).rejects.toThrow()
    expect(task.calls, name).toEqual([expect.objectContaining({ tool: 'gone', status: null, result: 'network' })])
  }
})
