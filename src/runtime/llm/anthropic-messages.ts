import { argumentPieces, isRecord, numberOr, parseJsonRecord, sseJson, type FinishReason, type ModelMessage, type ModelReply, type ModelRequest, type ProviderWire, type SseEvent, streamPieces, textOf } from './model-wire.ts'

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

const finishOf = (value: unknown): FinishReason =>
  value === 'tool_use' ? 'tool_calls' : value === 'max_tokens' ? 'length' : value === 'refusal' ? 'refusal' : 'stop'

function parseReply(body: string, stream: boolean): ModelReply | undefined {
  let message: Record<string, unknown> | undefined
  const blocks: Record<string, unknown>[] = []
  let stop: unknown
  let outputTokens: number | undefined
  if (!stream) {
    message = parseJsonRecord(body)
    if (!message || !Array.isArray(message['content'])) return undefined
    blocks.push(...message['content'].filter(isRecord))
    stop = message['stop_reason']
  } else {
    const partialJson: string[] = []
    for (const { data } of sseJson(body)) {
      if (data['type'] === 'message_start' && isRecord(data['message'])) message = data['message']
      else if (data['type'] === 'content_block_start' && isRecord(data['content_block'])) {
        blocks[numberOr(data['index'])] = { ...data['content_block'] }
        partialJson[numberOr(data['index'])] = ''
      } else if (data['type'] === 'content_block_delta' && isRecord(data['delta'])) {
        const index = numberOr(data['index'])
        const block = blocks[index]
        if (!block) continue
        if (data['delta']['type'] === 'text_delta') block['text'] = String(block['text'] ?? '') + String(data['delta']['text'] ?? '')
        if (data['delta']['type'] === 'input_json_delta') partialJson[index] = (partialJson[index] ?? '') + String(data['delta']['partial_json'] ?? '')
      } else if (data['type'] === 'message_delta') {
        if (isRecord(data['delta'])) stop = data['delta']['stop_reason']
        if (isRecord(data['usage'])) outputTokens = numberOr(data['usage']['output_tokens'])
      }
    }
    if (!message) return undefined
    blocks.forEach((block, index) => {
      if (block['type'] === 'tool_use') block['arguments'] = partialJson[index] === '' ? '{}' : partialJson[index]
    })
  }
  const finish = finishOf(stop)
  const texts = blocks.filter((block) => block['type'] === 'text').map((block) => String(block['text'] ?? ''))
  const toolCalls = blocks
    .filter((block) => block['type'] === 'tool_use')
    .map((block) => ({ id: String(block['id'] ?? ''), name: String(block['name'] ?? ''), arguments: typeof block['arguments'] === 'string' ? block['arguments'] : JSON.stringify(block['input'] ?? {}) }))
  const usage = isRecord(message['usage']) ? message['usage'] : {}
  const text = texts.length > 0 ? texts.join('') : null
  return {
    id: String(message['id'] ?? ''),
    model: String(message['model'] ?? ''),
    text: finish === 'refusal' ? null : text,
    toolCalls,
    refusal: finish === 'refusal' ? (text ?? '') : null,
    finish,
    usage: { input: numberOr(usage['input_tokens']), output: outputTokens ?? numberOr(usage['output_tokens']) },
  }
}

export const anthropicMessages: ProviderWire = { api: 'messages', parseRequest, renderJson, renderEvents, parseReply }
