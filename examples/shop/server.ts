import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small, real HTTP shop for the example: node:http only, orders in memory. It stands for the
 * service a team already runs; AWRR never sees its code, only its URL. `GET /__log` is the shop's
 * own record of what reached it, so a test can tell injected faults (which never leave the test
 * process) from real answers.
 */

export type OrderState = 'charged' | 'shipped' | 'refunded'

export interface Order {
  id: string
  amount: number
  state: OrderState
}

/** One request as the shop received it. */
export interface ShopRequest {
  seq: number
  method: string
  path: string
  body: unknown
  idempotencyKey: string | null
  status: number
  /** The answer was replayed from an earlier request with the same Idempotency-Key. */
  replayed: boolean
}

export interface ShopOptions {
  /** 0 picks a free port. @default 0 */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
}

export interface Shop {
  /** Origin without a trailing slash, e.g. `http://127.0.0.1:43121`. */
  url: string
  /** Every request received so far, oldest first (the same list `GET /__log` returns). */
  log: readonly ShopRequest[]
  close(): Promise<void>
}

interface Answer {
  status: number
  body: unknown
}

interface StoredAnswer extends Answer {
  fingerprint: string
}

const maxBodyBytes = 64 * 1024

class BadRequest extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBodyBytes) {
        reject(new BadRequest(`body larger than ${maxBodyBytes} bytes`))
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new BadRequest('body is not JSON')
  }
}

const error = (status: number, code: string, message: string): Answer => ({ status, body: { ok: false, error: { code, message } } })

function orderIdOf(body: unknown): string {
  const order = (body as { order?: unknown } | undefined)?.order
  if (typeof order !== 'string' || order === '') throw new BadRequest('`order` must be a non-empty string')
  return order
}

function amountOf(body: unknown): number {
  const amount = (body as { amount?: unknown } | undefined)?.amount
  if (typeof amount !== 'number' || !(amount > 0)) throw new BadRequest('`amount` must be a positive number')
  return amount
}

/**
 * The order rules. An order is charged at most once (a repeated charge of the same amount answers
 * with the order as it is), so strategies and agents that run the same scenario against this one
 * shop cannot change each other's answers.
 */
function createOrderBook() {
  const orders = new Map<string, Order>()
  const ok = (order: Order): Answer => ({ status: 200, body: { ok: true, order: { ...order } } })

  return {
    get: (id: string): Answer => {
      const order = orders.get(id)
      return order ? { status: 200, body: { ...order } } : error(404, 'not_found', `no order ${id}`)
    },
    charge(body: unknown): Answer {
      const id = orderIdOf(body)
      const amount = amountOf(body)
      const existing = orders.get(id)
      if (!existing) {
        const order: Order = { id, amount, state: 'charged' }
        orders.set(id, order)
        return ok(order)
      }
      if (existing.amount !== amount) return error(409, 'amount_mismatch', `order ${id} was charged ${existing.amount}, not ${amount}`)
      return ok(existing)
    },
    ship(body: unknown): Answer {
      const id = orderIdOf(body)
      const order = orders.get(id)
      if (!order) return error(404, 'not_found', `no order ${id}`)
      if (order.state === 'refunded') return error(409, 'refunded', `order ${id} was refunded`)
      order.state = 'shipped'
      return ok(order)
    },
    refund(body: unknown): Answer {
      const id = orderIdOf(body)
      const order = orders.get(id)
      if (!order) return error(404, 'not_found', `no order ${id}`)
      if (order.state === 'shipped') return error(409, 'shipped', `order ${id} has shipped`)
      order.state = 'refunded'
      return ok(order)
    },
  }
}

/** Starts the shop on a free port of 127.0.0.1 (or the given port and host). */
export async function startShop(options: ShopOptions = {}): Promise<Shop> {
  const book = createOrderBook()
  const log: ShopRequest[] = []
  // Per the Idempotency-Key draft: a key is bound to one request; a replay returns the first answer.
  const idempotent = new Map<string, StoredAnswer>()

  const route = (method: string, path: string, body: unknown): Answer => {
    if (method === 'GET' && path.startsWith('/orders/')) return book.get(decodeURIComponent(path.slice('/orders/'.length)))
    if (method === 'POST' && path === '/charge') return book.charge(body)
    if (method === 'POST' && path === '/ship') return book.ship(body)
    if (method === 'POST' && path === '/refund') return book.refund(body)
    return error(404, 'no_route', `no route ${method} ${path}`)
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET'
    const path = new URL(request.url ?? '/', 'http://shop').pathname
    const send = ({ status, body }: Answer) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (method === 'GET' && path === '/__log') {
      send({ status: 200, body: log })
      return
    }

    const keyHeader = request.headers['idempotency-key']
    const idempotencyKey = typeof keyHeader === 'string' && keyHeader !== '' ? keyHeader : null
    let text = ''
    let body: unknown
    let answer: Answer
    let replayed = false
    try {
      text = await readBody(request)
      body = parseJson(text)
      const fingerprint = `${method} ${path} ${text}`
      const stored = idempotencyKey === null ? undefined : idempotent.get(idempotencyKey)
      if (stored && stored.fingerprint !== fingerprint) {
        answer = error(422, 'idempotency_key_reused', `Idempotency-Key ${idempotencyKey} was used for another request`)
      } else if (stored) {
        answer = stored
        replayed = true
      } else {
        answer = route(method, path, body)
        if (idempotencyKey !== null && method === 'POST') idempotent.set(idempotencyKey, { ...answer, fingerprint })
      }
    } catch (caught) {
      if (!(caught instanceof BadRequest)) throw caught
      answer = error(400, 'bad_request', caught.message)
      body ??= text
    }
    log.push({ seq: log.length, method, path, body, idempotencyKey, status: answer.status, replayed })
    send(answer)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((caught: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ ok: false, error: { code: 'internal', message: String(caught) } }))
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://${host}:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((closeError) => (closeError ? reject(closeError) : resolve()))
      }),
  }
}
