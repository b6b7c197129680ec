import { argumentPieces, isRecord, numberOr, parseJsonRecord, sseJson, type ModelMessage, type ModelReply, type ModelRequest, type ProviderWire, type SseEvent, streamPieces, textOf } from './model-wire.ts'

/** OpenAI responses: `POST {base}/responses`, streamed as named `response.*` events. */

function parseRequest(body: unknown): ModelRequest {
  const request = isRecord(body) ? body : {}
  const messages: ModelMessage[] = []
  if (typeof request['instructions'] === 'string') messages.push({ role: 'system', text: request['instructions'], toolCalls: [] })
  const input = request['input']
  if (typeof input === 'string') messages.push({ role: 'user', text: input, toolCalls: [] })
  for (const item of Array.isArray(input) ? input.filter(isRecord) : []) {
    if (item['type'] === 'function_call') {
      messages.push({ role: 'assistant', text: '', toolCalls: [String(item['name'] ?? '')] })
    } else if (item['type'] === 'function_call_output') {
      messages.push({ role: 'tool', text: typeof item['output'] === 'string' ? item['output'] : JSON.stringify(item['output'] ?? ''), toolCalls: [] })
    } else if (item['role'] !== undefined) {
      const role = item['role'] === 'developer' ? 'system' : item['role']
      messages.push({ role: role === 'system' || role === 'assistant' ? role : 'user', text: textOf(item['content']), toolCalls: [] })
    }
  }
  const tools = (Array.isArray(request['tools']) ? request['tools'] : [])
    .filter(isRecord)
    .map((tool) => String(tool['name'] ?? (isRecord(tool['function']) ? tool['function']['name'] : '') ?? ''))
    .filter((name) => name !== '')
  return {
    api: 'responses',
    model: typeof request['model'] === 'string' ? request['model'] : undefined,
    stream: request['stream'] === true,
    includeUsage: true,
    messages,
    tools,
    promptText: JSON.stringify(request['instructions'] ?? '') + JSON.stringify(input ?? '') + JSON.stringify(request['tools'] ?? []),
  }
}

type Item = Record<string, unknown>

function outputItems(reply: ModelReply): Item[] {
  const items: Item[] = []
  if (reply.text !== null || reply.refusal !== null) {
    const content =
      reply.refusal !== null ? [{ type: 'refusal', refusal: reply.refusal }] : [{ type: 'output_text', text: reply.text ?? '', annotations: [], logprobs: [] }]
    items.push({ id: `msg_${reply.id}`, type: 'message', status: reply.finish === 'length' ? 'incomplete' : 'completed', role: 'assistant', content })
  }
  for (const call of reply.toolCalls) {
    items.push({ id: `fc_${call.id}`, type: 'function_call', status: 'completed', call_id: call.id, name: call.name, arguments: call.arguments })
  }
  return items
}

function responseOf(reply: ModelReply, createdAt: number, status: 'in_progress' | 'final'): Record<string, unknown> {
  const truncated = reply.finish === 'length'
  const done = status === 'final'
  return {
    id: reply.id,
    object: 'response',
    created_at: createdAt,
    status: done ? (truncated ? 'incomplete' : 'completed') : 'in_progress',
    error: null,
    incomplete_details: done && truncated ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    max_output_tokens: null,
    model: reply.model,
    output: done ? outputItems(reply) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: reply.usage.input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: reply.usage.output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: reply.usage.input + reply.usage.output,
        }
      : null,
    metadata: {},
  }
}

function renderJson(reply: ModelReply, createdAt: number): unknown {
  return responseOf(reply, createdAt, 'final')
}

function renderEvents(reply: ModelReply, _request: ModelRequest, createdAt: number): SseEvent[] {
  const events: SseEvent[] = []
  const push = (type: string, data: Record<string, unknown>) => events.push({ event: type, data: { type, sequence_number: events.length, ...data } })
  push('response.created', { response: responseOf(reply, createdAt, 'in_progress') })
  push('response.in_progress', { response: responseOf(reply, createdAt, 'in_progress') })
  outputItems(reply).forEach((item, outputIndex) => {
    if (item['type'] === 'message') {
      push('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } })
      const part = (item['content'] as Item[])[0]!
      const itemId = item['id']
      if (part['type'] === 'refusal') {
        push('response.content_part.added', { item_id: itemId, output_index: outputIndex, content_index: 0, part: { type: 'refusal', refusal: '' } })
        push('response.refusal.delta', { item_id: itemId, output_index: outputIndex, content_index: 0, delta: part['refusal'] })
        push('response.refusal.done', { item_id: itemId, output_index: outputIndex, content_index: 0, refusal: part['refusal'] })
      } else {
        push('response.content_part.added', { item_id: itemId, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
        for (const piece of streamPieces(String(part['text']))) {
          push('response.output_text.delta', { item_id: itemId, output_index: outputIndex, content_index: 0, delta: piece, logprobs: [] })
        }
        push('response.output_text.done', { item_id: itemId, output_index: outputIndex, content_index: 0, text: part['text'], logprobs: [] })
      }
      push('response.content_part.done', { item_id: itemId, output_index: outputIndex, content_index: 0, part })
    } else {
      push('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } })
      for (const piece of argumentPieces(String(item['arguments']))) {
        push('response.function_call_arguments.delta', { item_id: item['id'], output_index: outputIndex, delta: piece })
      }
      push('response.function_call_arguments.done', { item_id: item['id'], output_index: outputIndex, arguments: item['arguments'] })
    }
    push('response.output_item.done', { output_index: outputIndex, item })
  })
  push(reply.finish === 'length' ? 'response.incomplete' : 'response.completed', { response: responseOf(reply, createdAt, 'final') })
  return events
}

/** A response object (the JSON answer, or the one `response.completed` / `response.incomplete` carries) as a reply. */
function replyOfResponse(response: Record<string, unknown>): ModelReply {
  let text: string | null = null
  let refusal: string | null = null
  const toolCalls: ModelReply['toolCalls'] = []
  for (const item of Array.isArray(response['output']) ? response['output'].filter(isRecord) : []) {
    if (item['type'] === 'function_call') {
      toolCalls.push({ id: String(item['call_id'] ?? item['id'] ?? ''), name: String(item['name'] ?? ''), arguments: String(item['arguments'] ?? '') })
      continue
    }
    for (const part of Array.isArray(item['content']) ? item['content'].filter(isRecord) : []) {
      if (part['type'] === 'output_text' && typeof part['text'] === 'string') text = (text ?? '') + part['text']
      if (part['type'] === 'refusal' && typeof part['refusal'] === 'string') refusal = (refusal ?? '') + part['refusal']
    }
  }
  const usage = isRecord(response['usage']) ? response['usage'] : {}
  const finish = response['status'] === 'incomplete' ? 'length' : refusal !== null ? 'refusal' : toolCalls.length > 0 ? 'tool_calls' : 'stop'
  return {
    id: String(response['id'] ?? ''),
    model: String(response['model'] ?? ''),
    text,
    toolCalls,
    refusal,
    finish,
    usage: { input: numberOr(usage['input_tokens']), output: numberOr(usage['output_tokens']) },
  }
}

function parseReply(body: string, stream: boolean): ModelReply | undefined {
  if (!stream) {
    const json = parseJsonRecord(body)
    return json && Array.isArray(json['output']) ? replyOfResponse(json) : undefined
  }
  const final = sseJson(body).findLast(({ data }) => data['type'] === 'response.completed' || data['type'] === 'response.incomplete')
  return final && isRecord(final.data['response']) ? replyOfResponse(final.data['response']) : undefined
}

export const openaiResponses: ProviderWire = { api: 'responses', parseRequest, renderJson, renderEvents, parseReply }
