import Anthropic from '@anthropic-ai/sdk'
import { type AgentContext, type WeatherInput, weather, withRetries } from './shared.ts'

const tools: Anthropic.Tool[] = [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }]

export default async function run(ctx: AgentContext) {
  const input = ctx.input as WeatherInput
  if (input.provider !== 'anthropic') return { escalated: true, reason: 'other_provider' }
  const client = new Anthropic({ apiKey: 'sk-ant-fixture', baseURL: 'http://llm.awrr.test', maxRetries: 0 })
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: `Weather in ${input.city}?` }]
  for (let turn = 0; turn < 3; turn++) {
    const request = { model: 'claude-haiku-4-5', max_tokens: 256, messages, tools }
    const message = await withRetries('anthropic-sdk', input, () => (input.stream ? client.messages.stream(request).finalMessage() : client.messages.create(request)))
    messages.push({ role: 'assistant', content: message.content })
    const uses = message.content.filter((block) => block.type === 'tool_use')
    if (uses.length === 0) return { answer: message.content }
    messages.push({
      role: 'user',
      content: uses.map((use) => ({ type: 'tool_result' as const, tool_use_id: use.id, content: weather[(use.input as { city: string }).city] ?? 'unknown' })),
    })
  }
  throw new Error('no answer in three turns')
}
