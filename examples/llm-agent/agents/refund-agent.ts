import OpenAI from 'openai'
import type { AgentContext } from 'awrr/runtime'
import { issueRefund, lookupOrder } from './tools.ts'

const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'lookup_order', description: 'Looks an order up', parameters: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] } } },
  {
    type: 'function',
    function: { name: 'issue_refund', description: 'Refunds an order', parameters: { type: 'object', properties: { order: { type: 'string' }, amount: { type: 'number' } }, required: ['order', 'amount'] } },
  },
]

/** A model answer the agent cannot use: it asks again, up to `modelAttempts` times in all. */
class UnusableAnswer extends Error {
  override readonly name = 'UnusableAnswer'
}

export interface RefundAgentOptions {
  /** The openai SDK's own retries of a 429, 5xx or connection error. @default 2 (the SDK's default) */
  maxRetries?: number
}

/**
 * A refund agent on the openai SDK: it asks the model, runs the tool calls it makes, and stops at
 * the model's text answer. The SDK retries 429 and 5xx answers (waiting their Retry-After); the agent
 * itself asks again when a stream breaks, the tool arguments are not JSON or the answer was cut at
 * its length limit (3 attempts), retries a failed tool once, and hands over to a human (escalates)
 * when a tool still fails.
 */
export function refundAgent(options: RefundAgentOptions = {}) {
  return async function run(ctx: AgentContext) {
    const client = new OpenAI({
      baseURL: process.env.LLM_AGENT_BASE_URL,
      apiKey: process.env.OPENAI_API_KEY || 'sk-replay-needs-no-key',
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    })
    const { order, stream } = ctx.input as { order: string; stream?: boolean }
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a support agent. Refund shipped orders: look the order up, then refund its amount.' },
      { role: 'user', content: `Please refund order ${order}.` },
    ]
    for (let turn = 0; turn < 5; turn++) {
      const { message, calls } = await askModel(client, messages, stream === true)
      messages.push(message)
      if (calls.length === 0) return { answer: message.content }
      for (const call of calls) {
        const result = await runTool(call.name, call.args)
        if (result === undefined) return { escalated: true as const, reason: `${call.name}_failed` }
        messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) })
      }
    }
    throw new Error('no answer in five turns')
  }
}

async function askModel(client: OpenAI, messages: OpenAI.ChatCompletionMessageParam[], stream: boolean) {
  const modelAttempts = 3
  for (let attempt = 1; ; attempt++) {
    try {
      const request = { model: 'gpt-4o-mini', messages, tools }
      const completion = stream
        ? await client.chat.completions.stream({ ...request, stream_options: { include_usage: true } }).finalChatCompletion()
        : await client.chat.completions.create(request)
      const choice = completion.choices[0]!
      if (choice.finish_reason === 'length') throw new UnusableAnswer('the answer was cut at its length limit')
      const calls = (choice.message.tool_calls ?? []).flatMap((call) => {
        if (call.type !== 'function') return []
        try {
          return [{ id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) as Record<string, unknown> }]
        } catch {
          throw new UnusableAnswer(`the arguments of ${call.function.name} are not JSON`)
        }
      })
      return { message: choice.message, calls }
    } catch (error) {
      // The SDK already retried what it retries; a status error it gave up on is final.
      const again = error instanceof UnusableAnswer || (error instanceof OpenAI.OpenAIError && !(error instanceof OpenAI.APIError))
      if (!again || attempt >= modelAttempts) throw error
    }
  }
}

async function runTool(name: string, args: Record<string, unknown>): Promise<unknown> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      if (name === 'lookup_order') return await lookupOrder(args as { order: string })
      if (name === 'issue_refund') return await issueRefund(args as { order: string; amount: number })
      return { error: `no tool named ${name}` }
    } catch {
      // One more try, then a human takes over.
    }
  }
  return undefined
}
