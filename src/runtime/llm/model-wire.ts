/**
 * A model exchange as data, whatever the provider: the request an SDK sent, reduced to what a
 * script matches on, and the reply a turn makes. Each provider module maps its own wire format
 * onto these shapes and back.
 */

export type ModelApi = 'chat' | 'responses' | 'messages'

export interface ModelMessage {
  role: 'system' | 'user' | 'assistant' | 'tool'
  text: string
  /** Names of the tools an assistant message called. */
  toolCalls: string[]
}

export interface ModelRequest {
  api: ModelApi
  model: string | undefined
  stream: boolean
  /** openai chat: `stream_options.include_usage`, the usage chunk before `[DONE]`. */
  includeUsage: boolean
  messages: ModelMessage[]
  /** Names of the tools the request offers the model. */
  tools: string[]
  /** Every text of the request (messages and tool definitions), for the token estimate. */
  promptText: string
}

export interface ModelToolCall {
  id: string
  name: string
  /** As sent: a JSON text, or (MalformedToolArgs) a text that is not JSON. */
  arguments: string
}

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'refusal'

export interface ModelReply {
  id: string
  model: string
  text: string | null
  toolCalls: ModelToolCall[]
  /** Refusal: the model's refusal text (openai `refusal`, anthropic `stop_reason: refusal`). */
  refusal: string | null
  finish: FinishReason
  usage: { input: number; output: number }
}

/** One server-sent event: the `event:` line (when the provider names events) and its JSON data. */
export interface SseEvent {
  event?: string
  data: unknown
}

/** A provider's error as it puts it on the wire, so its SDK builds its own error class from it. */
export interface ModelErrorWire {
  status: number
  headers: Record<string, string>
  body: unknown
}

export type ModelErrorKind = 'rate_limited' | 'overloaded' | 'server_error' | 'unavailable' | 'unauthorized' | 'bad_request' | 'not_found'

/** The three operations each provider's wire module implements. */
export interface ProviderWire {
  api: ModelApi
  parseRequest(body: unknown): ModelRequest
  /** The non-streaming answer body. */
  renderJson(reply: ModelReply, createdAt: number): unknown
  /** The streaming answer, in order; the last event is the one a cut stream never delivers. */
  renderEvents(reply: ModelReply, request: ModelRequest, createdAt: number): SseEvent[]
  /**
   * A recorded answer (a cassette's JSON body or whole event stream) read back as a reply: what
   * its usage counts and what a content fault rewrites. Undefined when it is not this API's answer.
   */
  parseReply(body: string, stream: boolean): ModelReply | undefined
}

/** The events of a recorded stream, each as its text with the blank line that ends it. */
export function sseBlocks(text: string): string[] {
  return (text.replace(/\r\n/g, '\n').match(/[^\n][\s\S]*?(?:\n\n|$)/g) ?? []).map((block) => (block.endsWith('\n\n') ? block : `${block}\n\n`))
}

/** The `event:` name and the joined `data:` lines of one event. */
export function sseFields(block: string): { event: string | undefined; data: string } {
  let event: string | undefined
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim()
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
  }
  return { event, data: data.join('\n') }
}

/** Each event's data parsed as JSON (events whose data is not JSON, such as `[DONE]`, are left out). */
export function sseJson(text: string): { event: string | undefined; data: Record<string, unknown> }[] {
  return sseBlocks(text).flatMap((block) => {
    const { event, data } = sseFields(block)
    try {
      const parsed: unknown = JSON.parse(data)
      return isRecord(parsed) ? [{ event, data: parsed }] : []
    } catch {
      return []
    }
  })
}

export function parseJsonRecord(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return isRecord(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

export const numberOr = (value: unknown, fallback = 0): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback)

export function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map(textOf).join('')
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    if (typeof record['text'] === 'string') return record['text']
    if (record['content'] !== undefined) return textOf(record['content'])
    if (typeof record['output'] === 'string') return record['output']
  }
  return ''
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Splits a text into the pieces a stream delivers it in: about four words each, nothing lost. */
export function streamPieces(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? []
  const pieces: string[] = []
  for (let i = 0; i < words.length; i += 4) pieces.push(words.slice(i, i + 4).join(''))
  return pieces.length > 0 ? pieces : ['']
}

/** Splits a JSON text into two or more pieces, as providers stream tool-call arguments. */
export function argumentPieces(text: string): string[] {
  if (text.length < 8) return [text]
  const cut = Math.ceil(text.length / 2)
  return [text.slice(0, cut), text.slice(cut)]
}
