import { Agent, run as runAgent, setTracingDisabled, tool, Usage, type Model, type ModelRequest, type ModelResponse } from '@openai/agents'
import { faultableAgentsTool } from 'awrr/tools'
import { z } from 'zod'
import { createOrderStore } from '../shop/orders.ts'
import { nextMove, outcomeOf, type ToolTurn } from './scripted-policy.ts'

interface AgentContext {
  input: unknown
  signal: AbortSignal
}

// No traces leave for OpenAI's backend: nothing here has a key, and AWRR refuses the request anyway.
setTracingDisabled(true)

/** A Model for the Agents SDK that answers by the scripted policy from the tool outputs it is shown. */
class ScriptedModel implements Model {
  private calls = 0
  constructor(private readonly order: string) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const items = Array.isArray(request.input) ? request.input : []
    const turns: ToolTurn[] = []
    for (const item of items as { type?: string; name?: string; output?: unknown }[]) {
      if (item.type !== 'function_call_result') continue
      const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output)
      // The SDK's errorFunction and timeout turn a failing tool into text the model reads.
      turns.push({ tool: item.name ?? '', ok: !/error occurred|timed out/i.test(output), output })
    }
    const move = nextMove(this.order, turns)
    const output: ModelResponse['output'] =
      move.kind === 'answer'
        ? [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: move.text }] }]
        : [{ type: 'function_call', callId: `call-${++this.calls}`, name: move.tool, arguments: JSON.stringify(move.args), status: 'completed' }]
    return { usage: new Usage(), output, responseId: `response-${this.calls}` }
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('this example does not stream')
  }
}

export default async function run(context: AgentContext) {
  const { order } = context.input as { order: string }
  const store = createOrderStore([{ order, amount: 40, state: 'shipped' }])
  const parameters = z.object({ order: z.string() })
  const agent = new Agent({
    name: 'refunds',
    instructions: 'Refund the order the user names.',
    model: new ScriptedModel(order),
    tools: [
      // A hung lookup is cut off by the SDK's own per-tool timeout, and the model reads the error.
      tool(faultableAgentsTool({ name: 'get_order', description: 'Looks an order up', parameters, timeoutMs: 200, execute: store.getOrder })),
      tool(faultableAgentsTool({ name: 'refund_order', description: 'Refunds an order', parameters, execute: store.refundOrder })),
    ],
  })
  const result = await runAgent(agent, `Refund order ${order}.`, { maxTurns: 12 })
  return outcomeOf(String(result.finalOutput ?? ''), store.refunds.includes(order))
}
