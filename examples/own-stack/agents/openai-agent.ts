import OpenAI from 'openai'
import { type AgentContext, type TripInput, ToolGaveUp, askModel, modelUrl, note, observedFetch, runTool, whoHeaders } from './trip.ts'

const tools: OpenAI.ChatCompletionTool[] = ['get_weather', 'book_trip'].map((name) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}))

/**
 * A trip-booking agent on the official openai SDK with its default retries (maxRetries 2, honouring
 * Retry-After): the model asks for the weather, then a booking; the tools are called with the HTTP
 * client the scenario names. A tool that keeps failing makes it hand over to a human.
 */
export default async function run(ctx: AgentContext) {
  const { city } = ctx.input as TripInput
  const openai = new OpenAI({ apiKey: 'sk-local', baseURL: `${modelUrl()}/v1`, defaultHeaders: whoHeaders(ctx), fetch: observedFetch(ctx, 'openai') })
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: `Plan a trip to ${city}.` }]
  for (let turn = 0; turn < 4; turn++) {
    const completion = await askModel(ctx, 'openai', () => openai.chat.completions.create({ model: 'local-model', messages, tools }))
    const message = completion.choices[0]!.message
    messages.push(message)
    if (!message.tool_calls?.length) {
      note({ agent: ctx.agent, scenario: ctx.scenario, client: 'openai', tool: 'answer', answer: message.content ?? '' })
      return { answer: message.content }
    }
    for (const call of message.tool_calls) {
      if (call.type !== 'function') continue
      try {
        const content = await runTool(ctx, call.function.name, JSON.parse(call.function.arguments) as { city: string })
        messages.push({ role: 'tool', tool_call_id: call.id, content })
      } catch (error) {
        if (error instanceof ToolGaveUp) return { escalated: true as const, reason: error.message }
        throw error
      }
    }
  }
  throw new Error('no answer in four turns')
}
