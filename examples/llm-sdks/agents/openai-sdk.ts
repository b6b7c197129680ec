import OpenAI from 'openai'
import { type AgentContext, type WeatherInput, weather, withRetries } from './shared.ts'

const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]

export default async function run(ctx: AgentContext) {
  const input = ctx.input as WeatherInput
  if (input.provider !== 'openai') return { escalated: true, reason: 'other_provider' }
  // maxRetries: 0 and our own retries, so that the model faults (RateLimitError, a 5xx) reach the
  // agent and the test sees the SDK's own error classes. The SDK's default retries work too under
  // AWRR's interception (src/runtime/interception/sdk-retries.test.ts, examples/llm-agent).
  const client = new OpenAI({ apiKey: 'sk-fixture', baseURL: 'http://llm.awrr.test/v1', maxRetries: 0 })
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: `Weather in ${input.city}?` }]
  for (let turn = 0; turn < 3; turn++) {
    const request = { model: 'gpt-4o-mini', messages, tools }
    const completion = await withRetries<OpenAI.ChatCompletion>('openai-sdk', input, () =>
      input.stream ? client.chat.completions.stream({ ...request, stream_options: { include_usage: true } }).finalChatCompletion() : client.chat.completions.create(request),
    )
    const message = completion.choices[0]!.message
    messages.push(message)
    if (!message.tool_calls?.length) return { answer: message.content }
    for (const call of message.tool_calls) {
      if (call.type !== 'function') continue
      const { city } = JSON.parse(call.function.arguments) as { city: string }
      messages.push({ role: 'tool', tool_call_id: call.id, content: weather[city] ?? 'unknown' })
    }
  }
  throw new Error('no answer in three turns')
}
