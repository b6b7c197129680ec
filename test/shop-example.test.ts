import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest'
import runShopV1 from '../examples/shop/agents/shop-v1.ts'
import { run as runShopV2 } from '../examples/shop/agents/shop-v2.ts'
import { startShop, type Shop, type ShopRequest } from '../examples/shop/server.ts'

// The example's shop and agents on their own, without AWRR: the shop must be a faithful service
// and the agents' own retry logic must do what their doc comments say, or the end-to-end tests
// that run them under AWRR would measure the example instead of the plugin.

let shop: Shop

beforeAll(async () => {
  shop = await startShop({ port: 0 })
})
afterAll(() => shop.close())

async function call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== undefined) headers['idempotency-key'] = key
  const response = await fetch(`${shop.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: response.status, body: await response.json() }
}

const receivedSince = (seq: number): ShopRequest[] => shop.log.filter((entry) => entry.seq >= seq)

describe('shop server', () => {
  test('listens on a free port of 127.0.0.1', () => {
    expect(shop.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(shop.url.endsWith(':0')).toBe(false)
  })

  test('an order is charged, shipped, and read back', async () => {
    expect((await call('POST', '/charge', { order: 'S1', amount: 12 })).body.order).toEqual({ id: 'S1', amount: 12, state: 'charged' })
    expect((await call('POST', '/ship', { order: 'S1' })).status).toBe(200)
    expect(await call('GET', '/orders/S1')).toEqual({ status: 200, body: { id: 'S1', amount: 12, state: 'shipped' } })
    expect((await call('GET', '/orders/nope')).status).toBe(404)
  })

  test('an order is charged at most once, and a shipped order cannot be refunded', async () => {
    await call('POST', '/charge', { order: 'S2', amount: 20 })
    expect((await call('POST', '/charge', { order: 'S2', amount: 20 })).body.order.state).toBe('charged')
    expect((await call('POST', '/charge', { order: 'S2', amount: 21 })).status).toBe(409)
    expect((await call('POST', '/refund', { order: 'S2' })).body.order.state).toBe('refunded')
    expect((await call('POST', '/ship', { order: 'S2' })).status).toBe(409)
    await call('POST', '/charge', { order: 'S3', amount: 5 })
    await call('POST', '/ship', { order: 'S3' })
    expect((await call('POST', '/refund', { order: 'S3' })).body.error.code).toBe('shipped')
  })

  test('a repeated Idempotency-Key replays the first answer; the same key on another request is refused', async () => {
    await call('POST', '/charge', { order: 'S4', amount: 9 })
    const first = await call('POST', '/ship', { order: 'S4' }, 'ship-S4')
    await call('POST', '/refund', { order: 'S4' })
    // The order cannot ship any more, yet the replay answers what the first request answered.
    const replay = await call('POST', '/ship', { order: 'S4' }, 'ship-S4')
    expect(replay).toEqual(first)
    expect(shop.log.at(-1)).toMatchObject({ path: '/ship', idempotencyKey: 'ship-S4', replayed: true, status: 200 })
    expect((await call('POST', '/refund', { order: 'S4' }, 'ship-S4')).status).toBe(422)
  })

  test('bad bodies and unknown routes are answered, not crashed on', async () => {
    const response = await fetch(`${shop.url}/charge`, { method: 'POST', body: '{not json' })
    expect(response.status).toBe(400)
    expect((await call('POST', '/charge', { order: 'S5' })).status).toBe(400)
    expect((await call('DELETE', '/orders/S1')).status).toBe(404)
  })

  test('GET /__log returns every request with method, path, body and Idempotency-Key, and not itself', async () => {
    const since = shop.log.length
    await call('POST', '/charge', { order: 'S6', amount: 3 }, 'key-S6')
    await call('GET', '/orders/S6')
    const log = (await call('GET', '/__log')).body as ShopRequest[]
    expect(log.slice(since)).toEqual([
      { seq: since, method: 'POST', path: '/charge', body: { order: 'S6', amount: 3 }, idempotencyKey: 'key-S6', status: 200, replayed: false },
      { seq: since + 1, method: 'GET', path: '/orders/S6', body: undefined, idempotencyKey: null, status: 200, replayed: false },
    ].map((entry) => JSON.parse(JSON.stringify(entry))))
    expect(log.every((entry) => entry.path !== '/__log')).toBe(true)
  })
})

/** A context like the one AWRR builds: seeded randomness and a clock whose sleeps are recorded. */
function agentContext(input: unknown) {
  let state = 7
  const sleeps: number[] = []
  return {
    sleeps,
    context: {
      input,
      random: () => ((state = (state * 48271) % 2147483647) / 2147483647),
      clock: { now: () => sleeps.reduce((sum, ms) => sum + ms, 0), sleep: async (ms: number) => void sleeps.push(ms) },
      signal: new AbortController().signal,
    },
  }
}

/** Fails the first `times` calls to `path` with `status` before they reach the shop. */
function failFirst(path: string, times: number, status: number, headers: Record<string, string> = {}) {
  const realFetch = globalThis.fetch
  let failed = 0
  vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input)
    if (url.pathname === path && failed < times) {
      failed++
      return Promise.resolve(new Response(JSON.stringify({ ok: false }), { status, headers }))
    }
    return realFetch(input, init)
  })
}

describe('shop agents on their own', () => {
  beforeAll(() => {
    vi.stubEnv('SHOP_URL', shop.url)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })
  afterAll(() => {
    vi.unstubAllEnvs()
  })

  test('shop-v1 charges and ships, with one Idempotency-Key per operation', async () => {
    const since = shop.log.length
    const { context, sleeps } = agentContext({ order: 'V1A', amount: 10 })
    await runShopV1(context)
    const received = receivedSince(since)
    expect(received.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /charge', 'POST /ship'])
    expect(received.every((entry) => entry.idempotencyKey?.startsWith('V1A-'))).toBe(true)
    expect(new Set(received.map((entry) => entry.idempotencyKey)).size).toBe(2)
    expect(sleeps).toEqual([])
    expect((await call('GET', '/orders/V1A')).body.state).toBe('shipped')
  })

  test('shop-v1 retries a 5xx twice after a short wait, then gives up', async () => {
    const { context, sleeps } = agentContext({ order: 'V1B', amount: 10 })
    failFirst('/charge', 2, 500)
    await runShopV1(context)
    expect(sleeps).toEqual([100, 100])

    const outage = agentContext({ order: 'V1C', amount: 10 })
    failFirst('/charge', 3, 503)
    await expect(runShopV1(outage.context)).rejects.toThrow('POST /charge answered 503 after 3 attempt(s)')
    expect((await call('GET', '/orders/V1C')).status).toBe(404)
  })

  test('shop-v1 does not retry a 4xx', async () => {
    const { context, sleeps } = agentContext({ order: 'V1D', amount: 10 })
    failFirst('/charge', 1, 409)
    await expect(runShopV1(context)).rejects.toThrow('answered 409 after 1 attempt(s)')
    expect(sleeps).toEqual([])
  })

  test('shop-v2 outlasts a longer outage, honouring Retry-After', async () => {
    const { context, sleeps } = agentContext({ order: 'V2A', amount: 10 })
    failFirst('/charge', 3, 503, { 'retry-after': '2' })
    await expect(runShopV2(context)).resolves.toBeUndefined()
    expect(sleeps).toEqual([2000, 2000, 2000])
    expect((await call('GET', '/orders/V2A')).body.state).toBe('shipped')
  })

  test('shop-v2 refunds and escalates when the order cannot ship', async () => {
    const since = shop.log.length
    const { context, sleeps } = agentContext({ order: 'V2B', amount: 10 })
    failFirst('/ship', 5, 500)
    const result = await runShopV2(context)
    expect(result).toMatchObject({ escalated: true })
    expect(sleeps).toHaveLength(4)
    expect(sleeps.every((ms, attempt) => ms >= 0 && ms <= 100 * 2 ** attempt)).toBe(true)
    expect(receivedSince(since).map((entry) => entry.path)).toEqual(['/charge', '/refund'])
    expect((await call('GET', '/orders/V2B')).body.state).toBe('refunded')
  })
})
