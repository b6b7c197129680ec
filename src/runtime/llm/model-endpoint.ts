import type { CassetteAnswer, CassetteResponse, TaskCassette } from '../cassettes/index.ts'
import type { TraceSink } from '../executor/trace-events.ts'
import type { InjectedFault } from '../faults/fault-plan.ts'
import { hashSeed } from '../random.ts'
import { modelToolName, type LlmSpec } from '../scenario/schema.ts'
import type { FaultType } from '../scenario/taxonomy.ts'
import type { WallClockPoint } from '../tools/task-environment.ts'
import type { VirtualClock } from '../virtual-clock.ts'
import { anthropicMessages } from './anthropic-messages.ts'
import { modelError } from './model-errors.ts'
import { addUsage, emptyUsage, estimateTokens, type ModelUsage } from './model-usage.ts'
import { sseBlocks, type ModelErrorKind, type ModelReply, type ModelRequest, type ProviderWire, type SseEvent } from './model-wire.ts'
import { openaiChat } from './openai-chat.ts'
import { openaiResponses } from './openai-responses.ts'
import { createScriptEngine, type ScriptEngine } from './script-engine.ts'

/** What a model endpoint needs from the task it serves: the clock, the trace, the fault plan. */
export interface ModelEndpointHost {
  seed: number
  scenario: string
  task: string
  clock: VirtualClock
  trace: TraceSink
  /** Records a call and asks the fault plan about it. */
  beginCall(method: string, url: string): { call: number; injected: InjectedFault | undefined }
  /** What the caller finally got: a status, or no answer. */
  finishCall(call: number, status: number | null, result: 'ok' | 'http_error' | 'timeout' | 'network'): void
  /** Adds the wall time since the last call to the clock (the agent runs in real time). */
  syncWallClock(point: WallClockPoint, subject?: string): void
  /** Aborted when the task ends: a hung answer lets go then at the latest. */
  taskSignal: AbortSignal
  /** Answers come from this cassette (recorded or replayed) instead of the script. */
  cassette?: TaskCassette | undefined
}

/** A model call past its status faults, about to be answered. */
interface ServedModelCall {
  call: number
  at: number
  requestId: string
  wire: ProviderWire
  parsed: ModelRequest
  model: string
  fault: InjectedFault['fault'] | undefined
  latencyMs: number
}

/** Where a request goes: the provider's wire module for the API its path names. */
function wireFor(spec: LlmSpec, pathname: string): ProviderWire | undefined {
  if (spec.provider === 'anthropic') return pathname.endsWith('/messages') ? anthropicMessages : undefined
  if (pathname.endsWith('/chat/completions')) return openaiChat
  if (pathname.endsWith('/responses')) return openaiResponses
  return undefined
}

const httpFaultKinds: Partial<Record<FaultType, ModelErrorKind>> = {
  RateLimited: 'rate_limited',
  Overloaded: 'overloaded',
  HTTP_500: 'server_error',
  Unavailable: 'unavailable',
  AuthDenied: 'unauthorized',
  BadRequest: 'bad_request',
}

/** Default events before a StreamCut or StreamStall breaks the stream. */
export const defaultAfterEvents = 2
/** Default virtual gap between the events of a SlowStream. */
export const defaultSlowStreamGapMs = 1_000
/** The name a tool call gets when UnknownTool hits: no agent offers it. */
export const unknownToolName = 'awrr_unknown_tool'

const refusalText = "I'm sorry, but I can't help with that request."

const encoder = new TextEncoder()

/** `event:` (when named) and `data:` lines, as each provider's SDK parses them. */
export function encodeSse(event: SseEvent): string {
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data)
  return (event.event ? `event: ${event.event}\n` : '') + `data: ${data}\n\n`
}

/** Resolves when the client gives up (its signal) or the task ends, whichever comes first. */
function heldUntilReleased(signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) return resolve()
    for (const signal of signals) signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError')
}

class ConnectionDropped extends Error {
  override readonly name = 'ConnectionDropped'
}

/** What undici raises when a connection resets mid-body, with AWRR's reason as its cause. */
function connectionDropped(why: string): TypeError {
  return new TypeError('terminated', { cause: new ConnectionDropped(`[awrr] Injected: ${why}.`) })
}

/**
 * A scripted model endpoint for one task. It answers requests under the scenario's `base_url` in
 * the provider's wire format, non-streaming or as server-sent events, takes its answers from the
 * script, and applies the task's model faults to them. Every call is a fact in the trace
 * (`llm:call`) and its tokens are counted from the `usage` the client received.
 */
export class ModelEndpoint {
  readonly usage: ModelUsage = emptyUsage()
  readonly origin: string
  private readonly basePath: string
  private readonly script: ScriptEngine

  constructor(
    private readonly spec: LlmSpec,
    private readonly host: ModelEndpointHost,
  ) {
    const base = new URL(spec.base_url)
    this.origin = base.origin
    this.basePath = base.pathname.replace(/\/+$/, '')
    this.script = createScriptEngine(spec.script ?? [])
  }

  /** True for requests this endpoint answers: under its base URL. */
  handles(url: URL): boolean {
    return url.origin === this.origin && (this.basePath === '' || url.pathname === this.basePath || url.pathname.startsWith(`${this.basePath}/`))
  }

  async respond(request: Request): Promise<Response> {
    this.host.syncWallClock('model', `${request.method} ${request.url}`)
    const url = new URL(request.url)
    const { call, injected } = this.host.beginCall(request.method, request.url)
    const at = this.host.clock.now()
    const requestId = `req_awrr_${hashSeed(this.host.seed, this.host.scenario, this.host.task, 'llm-request', call).toString(16)}`
    const wire = wireFor(this.spec, url.pathname)
    const base = { call, at, requestId }
    if (!wire || request.method !== 'POST') {
      return this.errorResponse(base, 'not_found', `[awrr] The scripted ${this.spec.provider} endpoint has no ${request.method} ${url.pathname}.`, null)
    }
    const bodyText = await request.text()
    let body: unknown
    try {
      body = JSON.parse(bodyText)
    } catch {
      return this.errorResponse(base, 'bad_request', '[awrr] The request body is not JSON.', wire)
    }
    const parsed = wire.parseRequest(body)
    const model = parsed.model ?? this.spec.model
    const fault = injected?.fault
    const latencyMs = fault?.latency_ms ?? 0

    if (fault && (fault.type === 'Timeout' || (fault.type === 'StreamStall' && !parsed.stream))) {
      return this.hang(request, { ...base, wire, parsed, model })
    }
    if (fault?.type === 'NetworkError') {
      await this.host.clock.sleep(latencyMs)
      this.finish({ ...base, wire, parsed, model, latencyMs, status: 'network', turn: null, reply: null, usageDelivered: false })
      return Response.error()
    }
    const errorKind = fault ? httpFaultKinds[fault.type] : undefined
    if (fault && errorKind) {
      await this.host.clock.sleep(latencyMs)
      return this.errorResponse({ ...base, latencyMs }, errorKind, undefined, wire, parsed, model, fault.headers, fault.status)
    }
    // Past the fault plan's status faults: the cassette (or the script) answers, and stream and
    // content faults reshape that answer exactly as they reshape a scripted one.
    if (this.host.cassette) return this.respondFromCassette(this.host.cassette, request, bodyText, { ...base, wire, parsed, model, fault, latencyMs })

    const chosen = this.script.next(parsed)
    if (!chosen) {
      const message = `[awrr] The llm script of "${this.host.scenario}" has no turn left for model call #${call} (${describeRequest(parsed)}); add a turn, or a \`when:\` that matches.`
      this.host.trace.emit({ type: 'task:error', where: 'llm', message, at })
      return this.errorResponse(base, 'server_error', message, wire, parsed, model)
    }
    // A faulted answer is not the model's answer: the retry gets this turn again.
    if (fault) this.script.release(chosen.index)
    const reply = this.rewriteForFault(this.scriptedReply(chosen.turn, parsed, model, call), parsed, call, fault?.type)
    return this.serve(request, { ...base, wire, parsed, model, fault, latencyMs }, chosen.index, reply, undefined)
  }

  /** The cassette's answer: recorded (record mode) or read back (replay), then served like a scripted one. */
  private async respondFromCassette(cassette: TaskCassette, request: Request, bodyText: string, call: ServedModelCall): Promise<Response> {
    let answer: CassetteAnswer | undefined
    let failure: unknown
    try {
      answer = await cassette.answer(request.method, request.url, request.headers, bodyText, request.signal)
    } catch (error) {
      failure = error
    }
    // The recorded call's latency ends here, on the clock (a replay of the same run takes the recording's).
    this.host.syncWallClock('model-end', `${request.method} ${request.url}`)
    if (answer === undefined) {
      // The cassette's message names the request as written, scrubbed of secrets.
      const message = failure instanceof Error ? failure.message : String(failure)
      this.host.trace.emit({ type: 'task:error', where: 'llm', message, at: call.at })
      this.finish({ ...call, status: 'network', turn: null, reply: null, usageDelivered: false })
      return Response.error()
    }
    if (answer.kind === 'missing') {
      this.host.trace.emit({ type: 'task:error', where: 'llm', message: answer.message, at: call.at })
      // 400: not an answer an SDK retries; the task fails on the miss anyway.
      return this.errorResponse(call, 'bad_request', answer.message, call.wire, call.parsed, call.model)
    }
    const recorded = answer.response
    const reply = recorded.status < 300 ? call.wire.parseReply(recorded.body, call.parsed.stream) : undefined
    if (!reply) {
      // An error the endpoint gave while recording (or an answer of another shape) is served as it came.
      await this.host.clock.sleep(call.latencyMs)
      this.finish({ ...call, status: recorded.status, turn: null, reply: null, usageDelivered: false, ...(cassette.mode === 'replay' ? { replayed: true } : {}) })
      return new Response(recorded.body, { status: recorded.status, headers: recorded.headers })
    }
    const rewritten = this.rewriteForFault(reply, call.parsed, call.call, call.fault?.type)
    // A content fault makes a new answer; otherwise the recorded bytes go out unchanged.
    const raw = rewritten === reply ? recorded : undefined
    return this.serve(request, call, null, rewritten, raw, cassette.mode === 'replay')
  }

  /** Sends a reply as JSON or as the provider's events, with the stream faults applied. */
  private async serve(request: Request, call: ServedModelCall, turn: number | null, reply: ModelReply, raw: CassetteResponse | undefined, replayed = false): Promise<Response> {
    const { wire, parsed, fault, latencyMs, requestId } = call
    const createdAt = Math.floor((Date.UTC(2026, 0, 1) + call.at) / 1000)
    const done = (outcome: { latencyMs: number; status: 200 | 'cut' | 'stall'; usageDelivered: boolean; events?: number }) =>
      this.finish({ ...call, ...outcome, turn, reply, ...(replayed ? { replayed } : {}) })

    if (!parsed.stream) {
      const text = raw?.body ?? JSON.stringify(wire.renderJson(reply, createdAt))
      const headers = raw?.headers ?? { 'content-type': 'application/json', ...this.idHeader(requestId) }
      if (fault?.type === 'StreamCut') {
        const chunk = encoder.encode(text.slice(0, Math.floor(text.length / 2)))
        done({ latencyMs, status: 'cut', usageDelivered: false })
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(chunk)
              controller.error(connectionDropped('the connection closed in the middle of the answer'))
            },
          }),
          { status: 200, headers },
        )
      }
      const slow = fault?.type === 'SlowStream' ? (fault.latency_ms ?? defaultSlowStreamGapMs) : latencyMs
      await this.host.clock.sleep(slow)
      done({ latencyMs: slow, status: 200, usageDelivered: true })
      return new Response(text, { status: 200, headers })
    }

    const events = raw ? sseBlocks(raw.body) : wire.renderEvents(reply, parsed, createdAt).map(encodeSse)
    const breakAt = fault?.type === 'StreamCut' || fault?.type === 'StreamStall' ? Math.min(fault.after_events ?? defaultAfterEvents, events.length - 1) : events.length
    const gapMs = fault?.type === 'SlowStream' ? (fault.latency_ms ?? defaultSlowStreamGapMs) : 0
    await this.host.clock.sleep(latencyMs)
    const start = this.host.clock.now()
    const clock = this.host.clock
    const signals = [request.signal, this.host.taskSignal]
    const finishStream = (status: 200 | 'cut' | 'stall') => done({ latencyMs: latencyMs + clock.now() - start, status, usageDelivered: status === 200, events: breakAt })
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent < breakAt) {
          if (gapMs > 0 && sent > 0) await clock.sleep(gapMs)
          controller.enqueue(encoder.encode(events[sent]!))
          sent++
          return
        }
        if (breakAt === events.length) {
          finishStream(200)
          controller.close()
          return
        }
        if (fault?.type === 'StreamCut') {
          finishStream('cut')
          controller.error(connectionDropped(`the stream broke after ${breakAt} events`))
          return
        }
        // StreamStall: the connection stays open with nothing more on it, until someone gives up.
        finishStream('stall')
        await heldUntilReleased(signals)
        // The client's own abort reaches it as its abort; a task that ended drops the connection.
        controller.error(request.signal.aborted ? abortReason(request.signal) : connectionDropped(`the stream stalled after ${breakAt} events`))
      },
    })
    const headers = raw?.headers ?? { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...this.idHeader(requestId) }
    return new Response(stream, { status: 200, headers })
  }

  private idHeader(requestId: string): Record<string, string> {
    return this.spec.provider === 'anthropic' ? { 'request-id': requestId } : { 'x-request-id': requestId }
  }

  /** A script turn as the model's clean answer; its usage as stated, or estimated. */
  private scriptedReply(turn: NonNullable<LlmSpec['script']>[number], request: ModelRequest, model: string, call: number): ModelReply {
    const id = this.replyId(call)
    const text: string | null = turn.reply ?? null
    const toolCalls = (turn.tool_calls ?? []).map((toolCall, position) => ({
      id: toolCall.id ?? `call_${id}_${position}`,
      name: toolCall.name,
      arguments: JSON.stringify(toolCall.arguments),
    }))
    const completionText = (text ?? '') + toolCalls.map((toolCall) => toolCall.name + toolCall.arguments).join('')
    const usage = {
      input: turn.usage?.prompt_tokens ?? estimateTokens(request.promptText),
      output: turn.usage?.completion_tokens ?? estimateTokens(completionText),
    }
    const prefix = request.api === 'messages' ? 'msg_awrr_' : request.api === 'responses' ? 'resp_awrr_' : 'chatcmpl-awrr-'
    return { id: `${prefix}${id}`, model, text, toolCalls, refusal: null, finish: toolCalls.length > 0 ? 'tool_calls' : 'stop', usage }
  }

  private replyId(call: number): string {
    return hashSeed(this.host.seed, this.host.scenario, this.host.task, 'llm', call).toString(16).padStart(8, '0')
  }

  /**
   * The answer as a content fault makes it (scripted or recorded alike); the same object when no
   * content fault hit. A rewritten answer's completion count is estimated: the stated one is wrong.
   */
  private rewriteForFault(reply: ModelReply, request: ModelRequest, call: number, faultType: FaultType | undefined): ModelReply {
    const id = this.replyId(call)
    let text = reply.text
    let toolCalls = reply.toolCalls
    let refusal: string | null = reply.refusal
    let finish: ModelReply['finish']
    switch (faultType) {
      case 'MalformedToolArgs':
        if (toolCalls.length === 0) toolCalls = [{ id: `call_${id}_0`, name: request.tools[0] ?? 'tool', arguments: '{}' }]
        // Cut in the middle of the JSON, as a model that ran out of its own structure does.
        toolCalls = toolCalls.map((toolCall) => ({ ...toolCall, arguments: toolCall.arguments.slice(0, Math.max(1, Math.ceil(toolCall.arguments.length / 2))) + '"' }))
        finish = 'tool_calls'
        break
      case 'UnknownTool':
        if (toolCalls.length === 0) toolCalls = [{ id: `call_${id}_0`, name: unknownToolName, arguments: '{}' }]
        else toolCalls = toolCalls.map((toolCall, position) => (position === 0 ? { ...toolCall, name: unknownToolName } : toolCall))
        finish = 'tool_calls'
        break
      case 'Truncated': {
        const whole = text ?? toolCalls.map((toolCall) => toolCall.arguments).join('')
        text = whole.slice(0, Math.ceil(whole.length / 2))
        toolCalls = []
        finish = 'length'
        break
      }
      case 'Refusal':
        text = null
        toolCalls = []
        refusal = refusalText
        finish = 'refusal'
        break
      default:
        return reply
    }
    const completionText = (refusal ?? text ?? '') + toolCalls.map((toolCall) => toolCall.name + toolCall.arguments).join('')
    return { ...reply, text, toolCalls, refusal, finish, usage: { input: reply.usage.input, output: estimateTokens(completionText) } }
  }

  private async hang(request: Request, call: { call: number; at: number; requestId: string; wire: ProviderWire; parsed: ModelRequest; model: string }): Promise<Response> {
    await heldUntilReleased([request.signal, this.host.taskSignal])
    this.host.syncWallClock('model-end')
    this.finish({ ...call, latencyMs: this.host.clock.now() - call.at, status: 'hang', turn: null, reply: null, usageDelivered: false })
    return Response.error()
  }

  private errorResponse(
    call: { call: number; at: number; requestId: string; latencyMs?: number },
    kind: ModelErrorKind,
    message: string | undefined,
    wire: ProviderWire | null,
    parsed?: ModelRequest,
    model?: string,
    headers?: Record<string, string>,
    status?: number,
  ): Response {
    const error = modelError(this.spec.provider, kind, { retryAfterSeconds: 2, nowMs: this.host.clock.now(), requestId: call.requestId })
    const body = message === undefined ? error.body : withMessage(error.body, message)
    const finalStatus = status ?? error.status
    this.finish({ ...call, wire, parsed, model: model ?? this.spec.model, latencyMs: call.latencyMs ?? 0, status: finalStatus, turn: null, reply: null, usageDelivered: false })
    return new Response(JSON.stringify(body), { status: finalStatus, headers: { 'content-type': 'application/json', ...error.headers, ...headers } })
  }

  private finish(outcome: {
    call: number
    at: number
    wire: ProviderWire | null
    parsed?: ModelRequest | undefined
    model: string
    latencyMs: number
    status: number | 'network' | 'hang' | 'cut' | 'stall'
    turn: number | null
    reply: ModelReply | null
    usageDelivered: boolean
    events?: number
    replayed?: boolean
  }): void {
    const promptTokens = outcome.usageDelivered && outcome.reply ? outcome.reply.usage.input : 0
    const completionTokens = outcome.usageDelivered && outcome.reply ? outcome.reply.usage.output : 0
    addUsage(this.usage, outcome.model, promptTokens, completionTokens, true)
    const status = outcome.status
    this.host.finishCall(
      outcome.call,
      typeof status === 'number' ? status : status === 'cut' || status === 'stall' ? 200 : null,
      typeof status === 'number' ? (status < 400 ? 'ok' : 'http_error') : status === 'network' || status === 'cut' ? 'network' : 'timeout',
    )
    this.host.trace.emit({
      type: 'llm:call',
      call: outcome.call,
      tool: modelToolName,
      api: outcome.wire?.api ?? null,
      model: outcome.model,
      stream: outcome.parsed?.stream ?? false,
      turn: outcome.turn,
      at: outcome.at,
      latencyMs: outcome.latencyMs,
      status,
      finish: outcome.reply?.finish ?? null,
      toolCalls: outcome.reply?.toolCalls.map((toolCall) => toolCall.name) ?? [],
      promptTokens,
      completionTokens,
      ...(outcome.events === undefined || outcome.status === 200 ? {} : { events: outcome.events }),
      ...(outcome.replayed ? { replayed: true } : {}),
    })
  }
}

function withMessage(body: unknown, message: string): unknown {
  if (body && typeof body === 'object' && 'error' in body) {
    const error = (body as { error: Record<string, unknown> }).error
    return { ...body, error: { ...error, message } }
  }
  return body
}

function describeRequest(request: ModelRequest): string {
  const lastUser = request.messages.findLast((message) => message.role === 'user')
  const lastTool = request.messages.findLast((message) => message.role === 'tool')
  const parts = [`${request.messages.length} messages`]
  if (lastUser) parts.push(`last user message ${JSON.stringify(lastUser.text.slice(0, 80))}`)
  if (lastTool) parts.push(`last tool result ${JSON.stringify(lastTool.text.slice(0, 80))}`)
  return parts.join(', ')
}
