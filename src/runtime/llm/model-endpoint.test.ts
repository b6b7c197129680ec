import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { beforeAll, describe, expect, test } from 'vitest'
import type { TraceEvent } from '../executor/trace-events.ts'
import { ensureToolServer, runInTask } from '../interception/index.ts'
import { faultSchema, llmSchema, type LlmSpec } from '../scenario/schema.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { serveModelOrigin } from './model-origin.ts'

// The official SDKs, pointed at the scripted endpoint through the same interception as the tools.
// maxRetries: 0 until mswjs/interceptors#799 (cancelling a mocked error body hangs) is handled by
// the router: the SDKs cancel an error body before they retry.

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }
const script = {
  script: [
    { tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], usage: { prompt_tokens: 120, completion_tokens: 18 } },
    { when: { tool_result_contains: 'rain' }, reply: 'Take an umbrella.' },
    { when: { tool_called: 'get_weather' }, reply: 'It is sunny in Paris today.' },
  ],
}

interface Harness {
  environment: TaskEnvironment
  events: TraceEvent[]
  run<T>(body: () => Promise<T>): Promise<T>
}

function harness(llm: Record<string, unknown>, faults: Record<string, unknown>[] = []): Harness {
  const spec: LlmSpec = llmSchema.parse(llm)
  serveModelOrigin(spec.base_url)
  const events: TraceEvent[] = []
  const environment = new TaskEnvironment({
    seed: 7,
    scenario: 'weather',
    task: 'main',
    world: { records: {}, inventory: {} },
    faults: faults.map((fault, index): ResolvedFault => ({ ...faultSchema.parse({ tool: 'llm', ...fault }), id: `F${index}` })),
    clock: createVirtualClock(),
    trace: { emit: (event) => events.push(event) },
    realTime: true,
    llm: spec,
  })
  return {
    environment,
    events,
    run: async (body) => {
      try {
        return await runInTask(environment, body)
      } finally {
        environment.end()
      }
    },
  }
}

const llmCalls = (events: TraceEvent[]) => events.filter((event) => event.type === 'llm:call')
const openai = () => new OpenAI({ apiKey: 'test-key', baseURL: 'http://llm.awrr.test/v1', maxRetries: 0 })
const anthropic = () => new Anthropic({ apiKey: 'test-key', baseURL: 'http://llm.awrr.test', maxRetries: 0 })

async function errorOf(body: () => Promise<unknown>): Promise<Error> {
  try {
    await body()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail')
}

beforeAll(() => ensureToolServer())

describe('openai chat completions', () => {
  test('the script answers in order, a `when:` turn waits for its match, usage is stated or estimated', async () => {
    const { run, events, environment } = harness(script)
    const client = openai()
    await run(async () => {
      const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] })
      const call = first.choices[0]!.message.tool_calls![0]!
      expect(call.type === 'function' && call.function.name).toBe('get_weather')
      expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })
      expect(first.choices[0]!.finish_reason).toBe('tool_calls')
      expect(first.usage).toEqual({ prompt_tokens: 120, completion_tokens: 18, total_tokens: 138 })
      const second = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: call.id, content: '{"sky":"clear"}' },
        ],
      })
      // The rain turn does not match a clear sky; the next turn that matches answers.
      expect(second.choices[0]!.message.content).toBe('It is sunny in Paris today.')
      expect(second.usage!.completion_tokens).toBe(Math.ceil('It is sunny in Paris today.'.length / 4))
    })
    expect(llmCalls(events).map((event) => event.type === 'llm:call' && [event.turn, event.status, event.promptTokens, event.completionTokens])).toEqual([
      [0, 200, 120, 18],
      [2, 200, expect.any(Number), 7],
    ])
    expect(environment.model!.usage.calls).toBe(2)
    expect(environment.model!.usage.byModel['gpt-4o-mini']!.promptTokens).toBe(environment.model!.usage.promptTokens)
  })

  test('a streamed answer arrives as chat.completion.chunk events the SDK assembles, usage last', async () => {
    const { run } = harness(script)
    const client = openai()
    const final = await run(async () => {
      const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] })
      return stream.finalChatCompletion()
    })
    const call = final.choices[0]!.message.tool_calls![0]!
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' })
    expect(final.usage?.total_tokens).toBe(138)
  })

  test('a script with no turn left answers 500 naming the call, and says so in the trace', async () => {
    const { run, events } = harness({ script: [{ reply: 'only once' }] })
    const client = openai()
    const error = await run(async () => {
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'one' }] })
      return errorOf(() => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'two' }] }))
    })
    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(error.message).toContain('no turn left for model call #1')
    expect(events).toContainEqual(expect.objectContaining({ type: 'task:error', where: 'llm' }))
  })
})

describe('model faults reach the SDKs in their own error classes', () => {
  test('RateLimited: 429 with Retry-After and x-ratelimit headers, a RateLimitError; the next call is answered', async () => {
    const { run, events } = harness(script, [{ type: 'RateLimited', mode: 'first_n', times: 1 }])
    const client = openai()
    const error = await run(async () => {
      const failed = await errorOf(() => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }))
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      return failed
    })
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    const headers = (error as InstanceType<typeof OpenAI.RateLimitError>).headers
    expect(headers.get('retry-after')).toBe('2')
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(events.filter((event) => event.type === 'fault:injected')).toEqual([expect.objectContaining({ faultType: 'RateLimited', tool: 'llm', layer: 'transient' })])
    // The failed call consumed no turn: the script's first turn answers the retry.
    expect(llmCalls(events).map((event) => event.type === 'llm:call' && [event.status, event.turn])).toEqual([
      [429, null],
      [200, 0],
    ])
  })

  test('Overloaded is 503 for openai and 529 (OverloadedError) for anthropic', async () => {
    const a = harness(script, [{ type: 'Overloaded' }])
    const openaiError = await a.run(() => errorOf(() => openai().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })))
    expect(openaiError).toBeInstanceOf(OpenAI.InternalServerError)
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
    const b = harness({ ...script, provider: 'anthropic' }, [{ type: 'Overloaded' }])
    const anthropicError = await b.run(() => errorOf(() => anthropic().messages.create({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })))
    expect(anthropicError).toBeInstanceOf(Anthropic.APIError)
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).status).toBe(529)
    expect(anthropicError.constructor.name).toBe('OverloadedError')
  })

  test('Timeout hangs until the SDK gives up on its own timer', async () => {
    const { run, events } = harness(script, [{ type: 'Timeout' }])
    const error = await run(() => errorOf(() => openai().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { timeout: 200 })))
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError)
    const [call] = llmCalls(events)
    expect(call).toMatchObject({ status: 'hang' })
    expect(call!.type === "llm:call" && call!.latencyMs).toBeGreaterThan(0)
  })

  test('StreamCut: the stream breaks after N events, never the last; the stream helpers raise OpenAIError and AnthropicError', async () => {
    const a = harness(script, [{ type: 'StreamCut', after_events: 3 }])
    const openaiError = await a.run(() => errorOf(() => openai().chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion()))
    expect(openaiError).toBeInstanceOf(OpenAI.OpenAIError)
    expect(llmCalls(a.events)).toEqual([expect.objectContaining({ status: 'cut', events: 3, promptTokens: 0, completionTokens: 0 })])
    const b = harness({ ...script, provider: 'anthropic' }, [{ type: 'StreamCut' }])
    const anthropicError = await b.run(() => errorOf(() => anthropic().messages.stream({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage()))
    expect(anthropicError).toBeInstanceOf(Anthropic.AnthropicError)
  })

  test('StreamStall holds the connection after N events until the client aborts', async () => {
    const { run, events } = harness(script, [{ type: 'StreamStall', after_events: 1 }])
    const controller = new AbortController()
    const error = await run(() =>
      errorOf(async () => {
        const stream = openai().chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
        stream.on('chunk', () => setTimeout(() => controller.abort(), 100))
        return stream.finalChatCompletion()
      }),
    )
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError)
    expect(llmCalls(events)).toEqual([expect.objectContaining({ status: 'stall', events: 1 })])
  })

  test('SlowStream spaces the events on the virtual clock, costing no wall time', async () => {
    const { run, events } = harness(script, [{ type: 'SlowStream', latency_ms: 400 }])
    const started = performance.now()
    await run(() => openai().chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion())
    expect(performance.now() - started).toBeLessThan(2_000)
    const [call] = llmCalls(events)
    // Seven chunks after the first (role, tool-call start, two argument pieces, finish, [DONE]...).
    expect(call!.type === 'llm:call' && call!.latencyMs).toBeGreaterThanOrEqual(400 * 4)
  })

  test('MalformedToolArgs, UnknownTool, Truncated and Refusal rewrite the answer the SDK parses', async () => {
    const ask = (client: OpenAI) => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] })
    const malformed = await harness(script, [{ type: 'MalformedToolArgs' }]).run(() => ask(openai()))
    const args = malformed.choices[0]!.message.tool_calls![0]!
    expect(() => JSON.parse(args.type === 'function' ? args.function.arguments : '')).toThrow(SyntaxError)
    const unknown = await harness(script, [{ type: 'UnknownTool' }]).run(() => ask(openai()))
    const named = unknown.choices[0]!.message.tool_calls![0]!
    expect(named.type === 'function' && named.function.name).toBe('awrr_unknown_tool')
    const truncated = await harness({ script: [{ reply: 'A long answer about the weather in Paris.' }] }, [{ type: 'Truncated' }]).run(() => ask(openai()))
    expect(truncated.choices[0]!.finish_reason).toBe('length')
    expect(truncated.choices[0]!.message.content).toBe('A long answer about t')
    const refused = await harness(script, [{ type: 'Refusal' }]).run(() => ask(openai()))
    expect(refused.choices[0]!.finish_reason).toBe('content_filter')
    expect(refused.choices[0]!.message.refusal).toMatch(/can't help/)
    const anthropicTruncated = await harness({ provider: 'anthropic', script: [{ reply: 'A long answer.' }] }, [{ type: 'Truncated' }]).run(() =>
      anthropic().messages.create({ model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    )
    expect(anthropicTruncated.stop_reason).toBe('max_tokens')
  })
})

describe('openai responses and anthropic messages', () => {
  test('responses: JSON and streamed, output_text and function calls as the SDK reads them', async () => {
    const { run } = harness(script)
    const client = openai()
    await run(async () => {
      const first = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Weather?', tools: [{ type: 'function', name: 'get_weather', parameters: {}, strict: false }] })
      const call = first.output.find((item) => item.type === 'function_call')
      expect(call && call.type === 'function_call' && [call.name, JSON.parse(call.arguments)]).toEqual(['get_weather', { city: 'Paris' }])
      expect(first.usage?.input_tokens).toBe(120)
      const stream = client.responses.stream({
        model: 'gpt-4.1-mini',
        input: [
          { role: 'user', content: 'Weather?' },
          { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'light rain' },
        ],
      })
      const final = await stream.finalResponse()
      expect(final.output_text).toBe('Take an umbrella.')
      expect(final.status).toBe('completed')
    })
  })

  test('anthropic: JSON and streamed, tool_use input and text as the SDK reads them', async () => {
    const { run, events } = harness({ ...script, provider: 'anthropic' })
    const client = anthropic()
    await run(async () => {
      const first = await client.messages.create({ model: 'claude-haiku', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] })
      const use = first.content.find((block) => block.type === 'tool_use')
      expect(use && use.type === 'tool_use' && use.input).toEqual({ city: 'Paris' })
      expect(first.stop_reason).toBe('tool_use')
      const final = await client.messages
        .stream({
          model: 'claude-haiku',
          max_tokens: 100,
          messages: [
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: [{ type: 'tool_use', id: use!.type === 'tool_use' ? use!.id : '', name: 'get_weather', input: {} }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.type === 'tool_use' ? use!.id : '', content: 'rain all day' }] },
          ],
        })
        .finalMessage()
      expect(final.content).toEqual([{ type: 'text', text: 'Take an umbrella.', citations: null }].map(({ citations: _, ...block }) => expect.objectContaining(block)))
      expect(final.usage.output_tokens).toBe(Math.ceil('Take an umbrella.'.length / 4))
    })
    expect(llmCalls(events).map((event) => event.type === 'llm:call' && event.api)).toEqual(['messages', 'messages'])
  })
})
