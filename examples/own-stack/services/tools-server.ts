import { type JsonServer, type JsonRequest, type Answer, startJsonServer } from './json-server.ts'

/**
 * The agents' tools as a real service: `GET /weather?city=` and `POST /bookings`. A booking is
 * made once per Idempotency-Key; a repeated key answers with the first booking.
 */

const forecasts: Record<string, string> = { Oslo: 'light snow, -3 C', Lisbon: 'sunny, 19 C', Rome: 'clear, 16 C', Vienna: 'fog, 4 C' }

export function startToolsServer(): Promise<JsonServer> {
  const bookings = new Map<string, { id: string; city: string }>()
  return startJsonServer(({ method, url, headers, body }: JsonRequest): Answer => {
    if (method === 'GET' && url.pathname === '/weather') {
      const city = url.searchParams.get('city') ?? ''
      return { status: 200, body: { city, forecast: forecasts[city] ?? 'unknown' } }
    }
    if (method === 'POST' && url.pathname === '/bookings') {
      const city = (body as { city?: unknown } | undefined)?.city
      if (typeof city !== 'string') return { status: 400, body: { error: '`city` must be a string' } }
      const key = typeof headers['idempotency-key'] === 'string' ? headers['idempotency-key'] : `anonymous-${bookings.size}`
      const existing = bookings.get(key)
      if (existing) return { status: 200, note: 'replayed', body: { booking: existing } }
      const booking = { id: `B${bookings.size + 1}`, city }
      bookings.set(key, booking)
      return { status: 201, note: 'booked', body: { booking } }
    }
    return { status: 404, body: { error: `no route ${method} ${url.pathname}` } }
  })
}
