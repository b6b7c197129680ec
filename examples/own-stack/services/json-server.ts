import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small node:http server for the example's services: JSON in, JSON out, and its own log of
 * every request that reached it (`GET /__log`), so a test can tell what AWRR injected (never here)
 * from what the service really answered.
 */

export interface LoggedRequest {
  seq: number
  /** Wall-clock ms (Date.now()) when the request arrived. */
  receivedAt: number
  method: string
  path: string
  /** Who sent it, from the `x-agent`, `x-scenario` and `x-client` headers the example's callers set. */
  agent: string | null
  scenario: string | null
  client: string | null
  idempotencyKey: string | null
  /** `x-stainless-retry-count`: how many times the openai and anthropic SDKs had already tried. */
  retryCount: number | null
  /** What the service made of the request (its `note`), e.g. the model's turn. */
  note: string | null
  status: number
}

export interface Answer {
  status: number
  body: unknown
  note?: string
}

export interface JsonRequest {
  method: string
  url: URL
  headers: IncomingMessage['headers']
  body: unknown
}

export interface JsonServer {
  url: string
  log: readonly LoggedRequest[]
  close(): Promise<void>
}

const header = (request: IncomingMessage, name: string): string | null => {
  const value = request.headers[name]
  return typeof value === 'string' && value !== '' ? value : null
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text === '' ? undefined : (JSON.parse(text) as unknown)
}

export async function startJsonServer(route: (request: JsonRequest) => Answer): Promise<JsonServer> {
  const log: LoggedRequest[] = []
  const server = createServer((request, response) => {
    const receivedAt = Date.now()
    const url = new URL(request.url ?? '/', 'http://service')
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (url.pathname === '/__log') return send(200, log)
    readJson(request)
      .then((body) => route({ method: request.method ?? 'GET', url, headers: request.headers, body }))
      .catch((error: unknown): Answer => ({ status: 400, body: { error: String(error) } }))
      .then((answer) => {
        const retries = header(request, 'x-stainless-retry-count')
        log.push({
          seq: log.length,
          receivedAt,
          method: request.method ?? 'GET',
          path: url.pathname,
          agent: header(request, 'x-agent'),
          scenario: header(request, 'x-scenario'),
          client: header(request, 'x-client'),
          idempotencyKey: header(request, 'idempotency-key'),
          retryCount: retries === null ? null : Number(retries),
          note: answer.note ?? null,
          status: answer.status,
        })
        send(answer.status, answer.body)
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
