import { type AIMessage, type AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages'
import { ChatOpenAI } from '@langchain/openai'
import { type AgentContext, type WeatherInput, weather, withRetries } from './shared.ts'

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }

export default async function run(ctx: AgentContext) {
  const input = ctx.input as WeatherInput
  if (input.provider !== 'openai') return { escalated: true, reason: 'other_provider' }
  const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-fixture', configuration: { baseURL: 'http://llm.awrr.test/v1' }, maxRetries: 0, streamUsage: true }).bindTools([weatherTool])
  const messages: BaseMessage[] = [new HumanMessage(`Weather in ${input.city}?`)]
  for (let turn = 0; turn < 3; turn++) {
    const reply = await withRetries<AIMessage | AIMessageChunk>('langchain', input, async () => {
      if (!input.stream) return model.invoke(messages)
      let whole: AIMessageChunk | undefined
      for await (const chunk of await model.stream(messages)) whole = whole ? whole.concat(chunk) : chunk
      return whole!
    })
    messages.push(reply)
    if (!reply.tool_calls?.length) return { answer: reply.content }
    for (const call of reply.tool_calls) messages.push(new ToolMessage({ tool_call_id: call.id!, content: weather[(call.args as { city: string }).city] ?? 'unknown' }))
  }
  throw new Error('no answer in three turns')
}
