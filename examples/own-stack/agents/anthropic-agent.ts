import Anthropic from '@anthropic-ai/sdk'
import { type AgentContext, type TripInput, ToolGaveUp, askModel, modelUrl, note, observedFetch, runTool, whoHeaders } from './trip.ts'

const tools: Anthropic.Tool[] = ['get_weather', 'book_trip'].map((name) => ({
  name,
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}))

/** The same trip-booking agent on @anthropic-ai/sdk, with its default retries (maxRetries 2). */
export default async function run(ctx: AgentContext) {
  const { city } = ctx.input as TripInput
  const anthropic = new Anthropic({ apiKey: 'sk-ant-local', baseURL: modelUrl(), defaultHeaders: whoHeaders(ctx), fetch: observedFetch(ctx, 'anthropic') })
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: `Plan a trip to ${city}.` }]
  for (let turn = 0; turn < 4; turn++) {
    const message = await askModel(ctx, 'anthropic', () => anthropic.messages.create({ model: 'local-model', max_tokens: 256, messages, tools }))
    messages.push({ role: 'assistant', content: message.content })
    const uses = message.content.filter((block) => block.type === 'tool_use')
    if (uses.length === 0) {
      const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('')
      note({ agent: ctx.agent, scenario: ctx.scenario, client: 'anthropic', tool: 'answer', answer: text })
      return { answer: text }
    }
    const results: Anthropic.ToolResultBlockParam[] = []
    for (const use of uses) {
      try {
        results.push({ type: 'tool_result', tool_use_id: use.id, content: await runTool(ctx, use.name, use.input as { city: string }) })
      } catch (error) {
        if (error instanceof ToolGaveUp) return { escalated: true as const, reason: error.message }
        throw error
      }
    }
    messages.push({ role: 'user', content: results })
  }
  throw new Error('no answer in four turns')
}
