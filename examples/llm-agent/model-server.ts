import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A small OpenAI-shaped model server to record the cassettes against: `POST /v1/chat/completions`,
 * as JSON or (`stream: true`) as `chat.completion.chunk` events and `[DONE]`, with `usage`. It
 * answers by rule, like a well-behaved model: call each offered tool once, in order, with the
 * order id from the user's message (and the amount the first tool returned), then answer in text.
 * Recording against it costs nothing; record against the real API by pointing the base URL there.
 */

export interface ModelServer {
  url: string
  /** Every request it answered: method, path, and whether it carried an API key. */
  log: { method: string; path: string; authorized: boolean }[]
  close(): Promise<void>
}

export interface ModelServerOptions {
  /** @default 0 (any free port) */
  port?: number
  /** Echo the caller's Authorization header back (a leaky server, to test that cassettes scrub it). @default false */
  echoCredentials?: boolean
}

interface ChatMessage {
  role: string
  content?: unknown
  tool_calls?: { function: { name: string } }[]
}

const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4))

function answerFor(body: { model?: string; messages?: ChatMessage[]; tools?: { function: { name: string } }[] }) {
  const messages = body.messages ?? []
  const offered = (body.tools ?? []).map((tool) => tool.function.name)
  const called = new Set(messages.flatMap((message) => (message.tool_calls ?? []).map((call) => call.function.name)))
  const user = messages.findLast((message) => message.role === 'user')
  const order = /\b[A-Z]\d+\b/.exec(String(user?.content ?? ''))?.[0] ?? 'unknown'
  const lastTool = messages.findLast((message) => message.role === 'tool')
  const next = offered.find((name) => !called.has(name))
  if (next !== undefined) {
    let amount: number | undefined
    try {
      amount = (JSON.parse(String(lastTool?.content ?? '{}')) as { amount?: number }).amount
    } catch {
      amount = undefined
    }
    const args = JSON.stringify(amount === undefined ? { order } : { order, amount })
    return { text: null, toolCall: { name: next, arguments: args } }
  }
  return { text: `Done for order ${order}: ${String(lastTool?.content ?? 'nothing to do')}.`, toolCall: null }
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of request) text += chunk
  return text
}

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const log: ModelServer['log'] = []
  let served = 0
  const server: Server = createServer(async (request, response) => {
    const text = await readBody(request)
    log.push({ method: request.method ?? '', path: request.url ?? '', authorized: typeof request.headers.authorization === 'string' })
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }))
      return
    }
    const body = JSON.parse(text) as Parameters<typeof answerFor>[0] & { stream?: boolean; stream_options?: { include_usage?: boolean } }
    const { text: reply, toolCall } = answerFor(body)
    const id = `chatcmpl-local-${++served}`
    const model = body.model ?? 'local-model'
    const usage = { prompt_tokens: tokensOf(JSON.stringify(body.messages ?? []) + JSON.stringify(body.tools ?? [])), completion_tokens: tokensOf((reply ?? '') + JSON.stringify(toolCall ?? '')) }
    const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }
    const echoed = options.echoCredentials ? { 'x-echo-authorization': request.headers.authorization ?? '' } : {}
    const fingerprint = options.echoCredentials ? `fp for ${request.headers.authorization ?? ''}` : null
    const toolCalls = toolCall ? [{ id: `call_local_${served}`, type: 'function', function: toolCall }] : undefined
    const finish = toolCall ? 'tool_calls' : 'stop'
    if (!body.stream) {
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_local_${served}`, 'set-cookie': `session=local-${served}; HttpOnly`, ...echoed })
      response.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: 1_767_225_600,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, logprobs: null, finish_reason: finish }],
          usage: totals,
          system_fingerprint: fingerprint,
        }),
      )
      return
    }
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': `req_local_${served}`, ...echoed })
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_767_225_600, model, system_fingerprint: fingerprint, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`
    response.write(chunk({ role: 'assistant', content: '', refusal: null }))
    if (reply !== null) for (const piece of reply.match(/\S+\s*/g) ?? []) response.write(chunk({ content: piece }))
    if (toolCall) {
      response.write(chunk({ tool_calls: [{ index: 0, id: `call_local_${served}`, type: 'function', function: { name: toolCall.name, arguments: '' } }] }))
      const half = Math.ceil(toolCall.arguments.length / 2)
      response.write(chunk({ tool_calls: [{ index: 0, function: { arguments: toolCall.arguments.slice(0, half) } }] }))
      response.write(chunk({ tool_calls: [{ index: 0, function: { arguments: toolCall.arguments.slice(half) } }] }))
    }
    response.write(chunk({}, finish))
    if (body.stream_options?.include_usage) response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_767_225_600, model, choices: [], usage: totals })}\n\n`)
    response.end('data: [DONE]\n\n')
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  }
}
