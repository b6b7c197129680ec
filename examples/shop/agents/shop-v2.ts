/**
 * shop-v2: the next version of shop-v1. It retries 5xx, 429 and dropped connections up to four
 * times with exponential backoff (honouring Retry-After); when the order cannot ship it refunds
 * the charge and hands the order to a human, so a failure never leaves a customer paying for
 * nothing.
 */

/** What AWRR hands an agent as `ctx` (`input`, seeded `random`, `clock`, `signal`). */
interface AgentContext {
  input: unknown
  random(): number
  clock: { now(): number; sleep(ms: number): Promise<void> }
  signal: AbortSignal
}

interface OrderInput {
  order: string
  amount: number
}

const maxRetries = 4
const baseDelayMs = 100
const maxDelayMs = 2_000

function shopUrl(): string {
  const url = process.env['SHOP_URL']
  if (!url) throw new Error('SHOP_URL is not set: start the shop first (examples/shop/global-setup.ts does).')
  return url
}

const retryable = (status: number) => status === 429 || status >= 500

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (header === null) return undefined
  const seconds = Number(header)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined
}

class ShopError extends Error {
  constructor(
    readonly path: string,
    readonly status: number | 'network',
    attempts: number,
  ) {
    super(`POST ${path} answered ${status} after ${attempts} attempt(s)`)
    this.name = 'ShopError'
  }
}

async function post(context: AgentContext, path: string, body: object, idempotencyKey: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    let response: Response
    try {
      response = await fetch(`${shopUrl()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal: context.signal,
      })
    } catch {
      // A dropped connection: the request may or may not have arrived; the key makes a retry safe.
      if (context.signal.aborted || attempt >= maxRetries) throw new ShopError(path, 'network', attempt + 1)
      await context.clock.sleep(backoff(context, attempt))
      continue
    }
    if (response.ok) return response.json()
    if (!retryable(response.status) || attempt >= maxRetries) throw new ShopError(path, response.status, attempt + 1)
    await context.clock.sleep(retryAfterMs(response) ?? backoff(context, attempt))
  }
}

/** Full jitter keeps many agents from retrying in step; the draw is seeded, so runs repeat. */
const backoff = (context: AgentContext, attempt: number) =>
  Math.round(context.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt))

const keyFor = (context: AgentContext, order: string, operation: string) =>
  `${order}-${operation}-${Math.floor(context.random() * 2 ** 32).toString(36)}`

/** Returning `{ escalated: true }` tells AWRR a human takes over; throwing means the agent failed. */
export async function run(context: AgentContext): Promise<{ escalated: true; reason: string } | undefined> {
  const { order, amount } = context.input as OrderInput
  await post(context, '/charge', { order, amount }, keyFor(context, order, 'charge'))
  try {
    await post(context, '/ship', { order }, keyFor(context, order, 'ship'))
  } catch (shipError) {
    await post(context, '/refund', { order }, keyFor(context, order, 'refund'))
    return { escalated: true, reason: `refunded order ${order}: ${(shipError as Error).message}` }
  }
  return undefined
}
