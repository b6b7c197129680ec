import { generateText, stepCountIs, tool, type ModelMessage } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { faultableAiTools } from 'awrr/tools'
import { z } from 'zod'
import { createOrderStore } from '../shop/orders.ts'
import { nextMove, outcomeOf, type ToolTurn } from './scripted-policy.ts'

interface AgentContext {
  input: unknown
  signal: AbortSignal
}

/** The tool turns of an AI SDK prompt: each tool result, and whether it was an error. */
function turnsOf(prompt: readonly { role: string; content: unknown }[]): ToolTurn[] {
  const turns: ToolTurn[] = []
  for (const message of prompt) {
    if (message.role !== 'tool' || !Array.isArray(message.content)) continue
    for (const part of message.content as { type: string; toolName: string; output: { type: string; value: unknown } }[]) {
      if (part.type !== 'tool-result') continue
      turns.push({ tool: part.toolName, ok: !part.output.type.startsWith('error'), output: JSON.stringify(part.output.value) })
    }
  }
  return turns
}

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } }

export default async function run(context: AgentContext) {
  const { order } = context.input as { order: string }
  const store = createOrderStore([{ order, amount: 40, state: 'shipped' }])
  let calls = 0
  const model = new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const move = nextMove(order, turnsOf(prompt as { role: string; content: unknown }[]))
      if (move.kind === 'answer') return { content: [{ type: 'text', text: move.text }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] }
      return {
        content: [{ type: 'tool-call', toolCallId: `call-${++calls}`, toolName: move.tool, input: JSON.stringify(move.args) }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      }
    },
  })
  const tools = faultableAiTools({
    get_order: tool({ description: 'Looks an order up', inputSchema: z.object({ order: z.string() }), execute: store.getOrder }),
    refund_order: tool({ description: 'Refunds an order', inputSchema: z.object({ order: z.string() }), execute: store.refundOrder }),
  })
  const messages: ModelMessage[] = [{ role: 'user', content: `Refund order ${order}.` }]
  const result = await generateText({ model, tools, messages, stopWhen: stepCountIs(10) })
  return outcomeOf(result.text, store.refunds.includes(order))
}
