import { argumentPieces, isRecord, numberOr, parseJsonRecord, sseJson, type FinishReason, type ModelMessage, type ModelReply, type ModelRequest, type ProviderWire, type SseEvent, streamPieces, textOf } from './model-wire.ts'

/** OpenAI chat completions: `POST {base}/chat/completions`, streamed as `data:` chunks and `[DONE]`. */

const finishReasonOf = { stop: 'stop', tool_calls: 'tool_calls', length: 'length', refusal: 'content_filter' } as const

function parseRequest(body: unknown): ModelRequest {
  const request = isRecord(body) ? body : {}
  const messages: ModelMessage[] = (Array.isArray(request['messages']) ? request['messages'] : []).filter(isRecord).map((message) => {
    const role = message['role'] === 'developer' ? 'system' : message['role']
    const toolCalls = (Array.isArray(message['tool_calls']) ? message['tool_calls'] : [])
      .filter(isRecord)
      .map((call) => (isRecord(call['function']) ? String(call['function']['name'] ?? '') : ''))
    return {
      role: role === 'system' || role === 'assistant' || role === 'tool' ? role : 'user',
      text: textOf(message['content']),
      toolCalls,
    }
  })
  const tools = (Array.isArray(request['tools']) ? request['tools'] : [])
    .filter(isRecord)
    .map((tool) => (isRecord(tool['function']) ? String(tool['function']['name'] ?? '') : ''))
    .filter((name) => name !== '')
  const streamOptions = isRecord(request['stream_options']) ? request['stream_options'] : {}
  return {
    api: 'chat',
    model: typeof request['model'] === 'string' ? request['model'] : undefined,
    stream: request['stream'] === true,
    includeUsage: streamOptions['include_usage'] === true,
    messages,
    tools,
    promptText: JSON.stringify(request['messages'] ?? []) + JSON.stringify(request['tools'] ?? []),
  }
}

function usageOf(reply: ModelReply) {
  return { prompt_tokens: reply.usage.input, completion_tokens: reply.usage.output, total_tokens: reply.usage.input + reply.usage.output }
}

function renderJson(reply: ModelReply, createdAt: number): unknown {
  return {
    id: reply.id,
    object: 'chat.completion',
    created: createdAt,
    model: reply.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text,
          refusal: reply.refusal,
          ...(reply.toolCalls.length > 0
            ? { tool_calls: reply.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) }
            : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf[reply.finish],
      },
    ],
    usage: usageOf(reply),
    system_fingerprint: null,
  }
}

function renderEvents(reply: ModelReply, request: ModelRequest, createdAt: number): SseEvent[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseEvent => ({
    data: { id: reply.id, object: 'chat.completion.chunk', created: createdAt, model: reply.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  })
  const events: SseEvent[] = [chunk({ role: 'assistant', content: '', refusal: null })]
  if (reply.text !== null) for (const piece of streamPieces(reply.text)) events.push(chunk({ content: piece }))
  if (reply.refusal !== null) events.push(chunk({ refusal: reply.refusal }))
  reply.toolCalls.forEach((call, index) => {
    events.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    for (const piece of argumentPieces(call.arguments)) events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
  })
  events.push(chunk({}, finishReasonOf[reply.finish]))
  if (request.includeUsage) {
    events.push({ data: { id: reply.id, object: 'chat.completion.chunk', created: createdAt, model: reply.model, choices: [], usage: usageOf(reply) } })
  }
  events.push({ data: '[DONE]' })
  return events
}

const finishOf = (value: unknown): FinishReason =>
  value === 'tool_calls' || value === 'function_call' ? 'tool_calls' : value === 'length' ? 'length' : value === 'content_filter' ? 'refusal' : 'stop'

function usageFrom(usage: unknown): ModelReply['usage'] {
  return isRecord(usage) ? { input: numberOr(usage['prompt_tokens']), output: numberOr(usage['completion_tokens']) } : { input: 0, output: 0 }
}

function parseReply(body: string, stream: boolean): ModelReply | undefined {
  if (!stream) {
    const json = parseJsonRecord(body)
    const choice = json && Array.isArray(json['choices']) && isRecord(json['choices'][0]) ? json['choices'][0] : undefined
    if (!json || !choice) return undefined
    const message = isRecord(choice['message']) ? choice['message'] : {}
    const toolCalls = (Array.isArray(message['tool_calls']) ? message['tool_calls'] : []).filter(isRecord).map((call, position) => {
      const fn = isRecord(call['function']) ? call['function'] : {}
      return { id: String(call['id'] ?? `call_${position}`), name: String(fn['name'] ?? ''), arguments: String(fn['arguments'] ?? '') }
    })
    return {
      id: String(json['id'] ?? ''),
      model: String(json['model'] ?? ''),
      text: typeof message['content'] === 'string' ? message['content'] : null,
      toolCalls,
      refusal: typeof message['refusal'] === 'string' ? message['refusal'] : null,
      finish: finishOf(choice['finish_reason']),
      usage: usageFrom(json['usage']),
    }
  }
  const chunks = sseJson(body)
  if (chunks.length === 0) return undefined
  let text: string | null = null
  let refusal: string | null = null
  let finish: FinishReason = 'stop'
  let usage: ModelReply['usage'] = { input: 0, output: 0 }
  const calls: { id: string; name: string; arguments: string }[] = []
  for (const { data } of chunks) {
    if (data['usage'] !== undefined && data['usage'] !== null) usage = usageFrom(data['usage'])
    const choice = Array.isArray(data['choices']) && isRecord(data['choices'][0]) ? data['choices'][0] : undefined
    if (!choice) continue
    if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) finish = finishOf(choice['finish_reason'])
    const delta = isRecord(choice['delta']) ? choice['delta'] : {}
    if (typeof delta['content'] === 'string' && (delta['content'] !== '' || text !== null)) text = (text ?? '') + delta['content']
    if (typeof delta['refusal'] === 'string') refusal = (refusal ?? '') + delta['refusal']
    for (const call of Array.isArray(delta['tool_calls']) ? delta['tool_calls'].filter(isRecord) : []) {
      const index = numberOr(call['index'])
      const entry = (calls[index] ??= { id: '', name: '', arguments: '' })
      if (typeof call['id'] === 'string') entry.id = call['id']
      const fn = isRecord(call['function']) ? call['function'] : {}
      if (typeof fn['name'] === 'string') entry.name += fn['name']
      if (typeof fn['arguments'] === 'string') entry.arguments += fn['arguments']
    }
  }
  const first = chunks[0]!.data
  return { id: String(first['id'] ?? ''), model: String(first['model'] ?? ''), text, toolCalls: calls.filter(Boolean), refusal, finish, usage }
}

export const openaiChat: ProviderWire = { api: 'chat', parseRequest, renderJson, renderEvents, parseReply }
