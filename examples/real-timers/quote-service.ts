import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A tiny real quote service: `GET /quote?symbol=`, `POST /orders`, `GET /orders/:symbol`. */
export async function startQuoteService(): Promise<{ url: string; close(): Promise<void> }> {
  const orders = new Map<string, unknown>()
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://quotes')
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (request.method === 'GET' && url.pathname === '/quote') {
      send(200, { symbol: url.searchParams.get('symbol'), price: 101.5 })
      return
    }
    if (request.method === 'GET' && url.pathname.startsWith('/orders/')) {
      const order = orders.get(decodeURIComponent(url.pathname.slice('/orders/'.length)))
      send(order ? 200 : 404, order ?? { error: 'not_found' })
      return
    }
    if (request.method === 'POST' && url.pathname === '/orders') {
      let text = ''
      request.on('data', (chunk: Buffer) => (text += chunk.toString()))
      request.on('end', () => {
        try {
          const order = JSON.parse(text) as { symbol?: unknown }
          if (typeof order.symbol !== 'string') throw new Error('symbol missing')
          orders.set(order.symbol, { ...order, state: 'placed' })
          send(200, { ok: true })
        } catch (error) {
          send(400, { error: String(error) })
        }
      })
      return
    }
    send(404, { error: 'no_route' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
