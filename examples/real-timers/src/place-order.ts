/**
 * The team's own agent code, unchanged for the test: it knows nothing about AWRR or Vitest. It
 * reads a quote and places an order, and when the quote service says "too many requests" it waits
 * as long as the Retry-After header asks, with a plain `setTimeout`: minutes, in production.
 */

export interface OrderRequest {
  symbol: string
  quantity: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const maxAttempts = 5
const defaultWaitMs = 60_000

async function fetchPatiently(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, init)
    if (response.status !== 429 && response.status !== 503) return response
    if (attempt === maxAttempts) return response
    const seconds = Number(response.headers.get('retry-after'))
    await sleep(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : defaultWaitMs)
  }
}

export async function placeOrder(baseUrl: string, request: OrderRequest): Promise<{ price: number }> {
  const quote = await fetchPatiently(`${baseUrl}/quote?symbol=${encodeURIComponent(request.symbol)}`)
  if (!quote.ok) throw new Error(`quote for ${request.symbol} answered ${quote.status}`)
  const { price } = (await quote.json()) as { price: number }
  const order = await fetchPatiently(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `order-${request.symbol}-${request.quantity}` },
    body: JSON.stringify({ ...request, price }),
  })
  if (!order.ok) throw new Error(`order for ${request.symbol} answered ${order.status}`)
  return { price }
}
