import { argumentPieces, isRecord, type ModelMessage, type ModelReply, type ModelRequest, type ProviderWire, type SseEvent, streamPieces, textOf } from './model-wire.ts'

/** Anthropic messages: `POST {base}/v1/messages`, streamed as named events ending in `message_stop`. */

const stopReasonOf = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens', refusal: 'refusal' } as const

function parseRequest(body: unknown): ModelRequest {
  const request = isRecord(body) ? body : {}
  const messages: ModelMessage[] = []
  if (request['system'] !== undefined) messages.push({ role: 'system', text: textOf(request['system']), toolCalls: [] })
  for (const message of Array.isArray(request['messages']) ? request['messages'].filter(isRecord) : []) {
    const content = message['content']
    const blocks = Array.isArray(content) ? content.filter(isRecord) : [{ type: 'text', text: typeof content === 'string' ? content : '' }]
    const role = message['role'] === 'assistant' ? 'assistant' : 'user'
    const text = blocks.filter((block) => block['type'] === 'text').map((block) => String(block['text'] ?? '')).join('')
    const toolCalls = blocks.filter((block) => block['type'] === 'tool_use').map((block) => String(block['name'] ?? ''))
    if (text !== '' || toolCalls.length > 0 || !blocks.some((block) => block['type'] === 'tool_result')) messages.push({ role, text, toolCalls })
    for (const block of blocks.filter((candidate) => candidate['type'] === 'tool_result')) {
      messages.push({ role: 'tool', text: textOf(block['content']), toolCalls: [] })
    }
  }
  const tools = (Array.isArray(request['tools']) ? request['tools'] : [])
    .filter(isRecord)
    .map((tool) => String(tool['name'] ?? ''))
    .filter((name) => name !== '')
  return {
    api: 'messages',
    model: typeof request['model'] === 'string' ? request['model'] : undefined,
    stream: request['stream'] === true,
    includeUsage: true,
    messages,
    tools,
    promptText: JSON.stringify(request['system'] ?? '') + JSON.stringify(request['messages'] ?? []) + JSON.stringify(request['tools'] ?? []),
  }
}

/** A tool call's input: the arguments as an object, or the text itself when it is not JSON. */
function inputOf(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text)
    return isRecord(parsed) ? parsed : text
  } catch {
    return text
  }
}

function contentOf(reply: ModelReply): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = []
  const text = reply.refusal ?? reply.text
  if (text !== null) blocks.push({ type: 'text', text })
  for (const call of reply.toolCalls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: inputOf(call.arguments) })
  return blocks
}

function renderJson(reply: ModelReply): unknown {
  return {
    id: reply.id,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content: contentOf(reply),
    stop_reason: stopReasonOf[reply.finish],
    stop_sequence: null,
    usage: { input_tokens: reply.usage.input, output_tokens: reply.usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }
}

function renderEvents(reply: ModelReply): SseEvent[] {
  const events: SseEvent[] = []
  const push = (type: string, data: Record<string, unknown>) => events.push({ event: type, data: { type, ...data } })
  push('message_start', {
    message: { id: reply.id, type: 'message', role: 'assistant', model: reply.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: reply.usage.input, output_tokens: 1 } },
  })
  let index = 0
  const text = reply.refusal ?? reply.text
  if (text !== null) {
    push('content_block_start', { index, content_block: { type: 'text', text: '' } })
    for (const piece of streamPieces(text)) push('content_block_delta', { index, delta: { type: 'text_delta', text: piece } })
    push('content_block_stop', { index })
    index++
  }
  for (const call of reply.toolCalls) {
    push('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } })
    for (const piece of argumentPieces(call.arguments)) push('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } })
    push('content_block_stop', { index })
    index++
  }
  push('message_delta', { delta: { stop_reason: stopReasonOf[reply.finish], stop_sequence: null }, usage: { output_tokens: reply.usage.output } })
  push('message_stop', {})
  return events
}

export const anthropicMessages: ProviderWire = { api: 'messages', parseRequest, renderJson, renderEvents }
