import { type JsonServer, type JsonRequest, type Answer, startJsonServer } from './json-server.ts'

/**
 * A small local model server, shaped like OpenAI's chat completions (`POST /v1/chat/completions`)
 * and Anthropic's messages (`POST /v1/messages`), so the real SDKs talk to it unchanged. It plays
 * one fixed plan from the conversation it is sent: ask for the weather of the city in the user's
 * message, then book the trip, then answer with what the tools said.
 */

interface Turn {
  tool?: { name: 'get_weather' | 'book_trip'; input: { city: string } }
  text?: string
}

function plan(city: string, toolResults: string[]): Turn {
  if (toolResults.length === 0) return { tool: { name: 'get_weather', input: { city } } }
  if (toolResults.length === 1) return { tool: { name: 'book_trip', input: { city } } }
  return { text: `Booked ${city}. Weather: ${toolResults[0]}. Booking: ${toolResults[1]}.` }
}

const cityOf = (text: string) => /trip to (\w+)/.exec(text)?.[1] ?? 'nowhere'
const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => (part as { text?: string }).text ?? '').join('') : ''

let counter = 0

function chatCompletion(body: any): Answer {
  const messages: any[] = body?.messages ?? []
  const city = cityOf(textOf(messages.find((message) => message.role === 'user')?.content))
  const turn = plan(city, messages.filter((message) => message.role === 'tool').map((message) => textOf(message.content)))
  const id = ++counter
  const message = turn.tool
    ? { role: 'assistant', content: null, tool_calls: [{ id: `call_${id}`, type: 'function', function: { name: turn.tool.name, arguments: JSON.stringify(turn.tool.input) } }] }
    : { role: 'assistant', content: turn.text }
  return {
    status: 200,
    note: turn.tool?.name ?? 'answer',
    body: {
      id: `chatcmpl-${id}`, object: 'chat.completion', created: 0, model: body?.model ?? 'local',
      choices: [{ index: 0, message, finish_reason: turn.tool ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
    },
  }
}

function anthropicMessage(body: any): Answer {
  const messages: any[] = body?.messages ?? []
  const city = cityOf(textOf(messages[0]?.content))
  const results = messages
    .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
    .filter((block: any) => block.type === 'tool_result')
    .map((block: any) => textOf(block.content))
  const turn = plan(city, results)
  const id = ++counter
  return {
    status: 200,
    note: turn.tool?.name ?? 'answer',
    body: {
      id: `msg_${id}`, type: 'message', role: 'assistant', model: body?.model ?? 'local',
      content: turn.tool ? [{ type: 'tool_use', id: `toolu_${id}`, name: turn.tool.name, input: turn.tool.input }] : [{ type: 'text', text: turn.text }],
      stop_reason: turn.tool ? 'tool_use' : 'end_turn', stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 8 },
    },
  }
}

export function startModelServer(): Promise<JsonServer> {
  return startJsonServer(({ method, url, body }: JsonRequest): Answer => {
    if (method === 'POST' && url.pathname === '/v1/chat/completions') return chatCompletion(body)
    if (method === 'POST' && url.pathname === '/v1/messages') return anthropicMessage(body)
    return { status: 404, body: { error: { type: 'not_found', message: `no route ${method} ${url.pathname}` } } }
  })
}
