import { AIMessage, type BaseMessage, ToolMessage } from '@langchain/core/messages'
import type { ChatResult } from '@langchain/core/outputs'
import { FakeChatModel } from '@langchain/core/utils/testing'
import { tool } from '@langchain/core/tools'
import { faultableLangChainTool } from 'awrr/tools'
import { createAgent } from 'langchain'
import { z } from 'zod'
import { createOrderStore } from '../shop/orders.ts'
import { nextMove, outcomeOf, type ToolTurn } from './scripted-policy.ts'

interface AgentContext {
  input: unknown
  signal: AbortSignal
}

/** LangChain's fake chat model, answering by the scripted policy from the ToolMessages it is shown. */
class ScriptedChatModel extends FakeChatModel {
  private calls = 0
  constructor(private readonly order: string) {
    super({})
  }

  override bindTools() {
    return this
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const turns: ToolTurn[] = messages
      .filter((message): message is ToolMessage => ToolMessage.isInstance(message))
      .map((message) => ({ tool: message.name ?? '', ok: message.status !== 'error', output: String(message.content) }))
    const move = nextMove(this.order, turns)
    const message =
      move.kind === 'answer'
        ? new AIMessage(move.text)
        : new AIMessage({ content: '', tool_calls: [{ id: `call-${++this.calls}`, name: move.tool, args: move.args, type: 'tool_call' }] })
    return { generations: [{ message, text: typeof message.content === 'string' ? message.content : '' }] }
  }
}

export default async function run(context: AgentContext) {
  const { order } = context.input as { order: string }
  const store = createOrderStore([{ order, amount: 40, state: 'shipped' }])
  const tools = [
    faultableLangChainTool(tool(store.getOrder, { name: 'get_order', description: 'Looks an order up', schema: z.object({ order: z.string() }) })),
    faultableLangChainTool(tool(store.refundOrder, { name: 'refund_order', description: 'Refunds an order', schema: z.object({ order: z.string() }) })),
  ]
  const agent = createAgent({ model: new ScriptedChatModel(order), tools })
  const state = await agent.invoke({ messages: [{ role: 'user', content: `Refund order ${order}.` }] }, { recursionLimit: 25 })
  const last = state.messages.at(-1)
  return outcomeOf(typeof last?.content === 'string' ? last.content : '', store.refunds.includes(order))
}
