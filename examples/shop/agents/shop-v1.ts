/**
 * shop-v1: the agent as a team might first write it. It charges, then ships; a 5xx is retried
 * twice after a short wait, anything else gives up at once, and a failed shipment leaves the
 * customer charged.
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

const retriesOn5xx = 2
const waitMs = 100

function shopUrl(): string {
  const url = process.env['SHOP_URL']
  if (!url) throw new Error('SHOP_URL is not set: start the shop first (examples/shop/global-setup.ts does).')
  return url
}

async function post(context: AgentContext, path: string, body: object, idempotencyKey: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${shopUrl()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: context.signal,
    })
    if (response.ok) return response.json()
    if (response.status >= 500 && attempt < retriesOn5xx) {
      await context.clock.sleep(waitMs)
      continue
    }
    throw new Error(`POST ${path} answered ${response.status} after ${attempt + 1} attempt(s)`)
  }
}

/** One key per operation, reused by its retries, so a retried charge is never charged twice. */
const keyFor = (context: AgentContext, order: string, operation: string) =>
  `${order}-${operation}-${Math.floor(context.random() * 2 ** 32).toString(36)}`

export default async function run(context: AgentContext): Promise<void> {
  const { order, amount } = context.input as OrderInput
  await post(context, '/charge', { order, amount }, keyFor(context, order, 'charge'))
  await post(context, '/ship', { order }, keyFor(context, order, 'ship'))
}
