import { createOpenAI } from '@ai-sdk/openai'
import { generateText, stepCountIs, streamText, tool } from 'ai'
import { z } from 'zod'
import { type AgentContext, type WeatherInput, weather, withRetries } from './shared.ts'

export default async function run(ctx: AgentContext) {
  const input = ctx.input as WeatherInput
  if (input.provider !== 'openai') return { escalated: true, reason: 'other_provider' }
  const openai = createOpenAI({ apiKey: 'sk-fixture', baseURL: 'http://llm.awrr.test/v1' })
  const tools = {
    get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => weather[city] ?? 'unknown' }),
  }
  const request = { model: openai.chat('gpt-4o-mini'), prompt: `Weather in ${input.city}?`, tools, stopWhen: stepCountIs(3), maxRetries: 0 }
  const text = await withRetries('ai-sdk', input, async () => {
    if (!input.stream) return (await generateText(request)).text
    let failure: unknown
    const result = streamText({ ...request, onError: ({ error }) => void (failure ??= error) })
    const answer = await result.text
    if (failure !== undefined) throw failure
    return answer
  })
  return { answer: text }
}
