import { tool as langchainTool } from '@langchain/core/tools'
import { RunContext, tool as agentsTool } from '@openai/agents'
import { tool as aiTool } from 'ai'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { ResolvedFault } from '../runtime/scenario/task-spec.ts'
import { currentTask } from '../runtime/tools/current-task.ts'
import { TaskEnvironment } from '../runtime/tools/task-environment.ts'
import { createVirtualClock } from '../runtime/virtual-clock.ts'
import { faultableAiTool, faultableAiTools } from './ai-sdk.ts'
import { faultableLangChainTool } from './langchain.ts'
import { faultableAgentsTool } from './openai-agents.ts'
import { ToolHttpError } from './tool-errors.ts'

// Each adapter against the real framework's tool objects (devDependencies): the fault reaches the
// function under the tool's name, and a hang ends when the framework's own signal aborts.

const fault = (fields: Partial<ResolvedFault> & Pick<ResolvedFault, 'type'>): ResolvedFault => ({ id: 'F0', mode: 'once', prob: 1, tool: 'get_order', ...fields })

function inTask<T>(faults: ResolvedFault[], run: (env: TaskEnvironment) => Promise<T>): Promise<T> {
  const env = new TaskEnvironment({
    seed: 7,
    scenario: 'adapters',
    task: 'main',
    world: { records: {}, inventory: {} },
    faults,
    clock: createVirtualClock(),
    trace: { emit: () => {} },
    tools: { get_order: {} },
    realTime: true,
  })
  return currentTask.run(env, () => run(env))
}

const getOrder = async ({ order }: { order: string }) => ({ order, state: 'shipped' })
const schema = z.object({ order: z.string() })
const timeout = (ms: number) => AbortSignal.timeout(ms)

describe('faultableAiTool (Vercel AI SDK)', () => {
  const wrapped = faultableAiTools({ get_order: aiTool({ description: 'Looks an order up', inputSchema: schema, execute: getOrder }) }).get_order

  it('keeps the tool as the SDK built it and throws the fault from execute', async () => {
    expect(wrapped.inputSchema).toBe(schema)
    expect(wrapped.description).toBe('Looks an order up')
    const error = await inTask([fault({ type: 'Unavailable' })], () => wrapped.execute!({ order: 'A1' }, { toolCallId: 'c1', messages: [] }) as Promise<unknown>).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ToolHttpError)
    expect((error as ToolHttpError).status).toBe(503)
    await expect(inTask([], () => wrapped.execute!({ order: 'A1' }, { toolCallId: 'c2', messages: [] }) as Promise<unknown>)).resolves.toEqual({ order: 'A1', state: 'shipped' })
  })

  it('ends a hang when the SDK’s abortSignal aborts', async () => {
    const call = inTask([fault({ type: 'Timeout', latency_ms: 60_000 })], (env) =>
      (wrapped.execute!({ order: 'A1' }, { toolCallId: 'c1', messages: [], abortSignal: timeout(40) }) as Promise<unknown>).catch((error: unknown) => ({ error, calls: env.calls })),
    )
    const { error, calls } = (await call) as { error: DOMException; calls: { result: string }[] }
    expect(error.name).toBe('TimeoutError')
    expect(calls[0]!.result).toBe('timeout')
  })

  it('refuses a tool without execute', () => {
    expect(() => faultableAiTool('x', { description: 'client-side tool' } as never)).toThrow(/no execute function/)
  })
})

describe('faultableLangChainTool (LangChain.js)', () => {
  it('wraps the tool in place: same class and schema, the fault thrown from invoke', async () => {
    const built = langchainTool(getOrder, { name: 'get_order', description: 'Looks an order up', schema })
    const wrapped = faultableLangChainTool(built)
    expect(wrapped).toBe(built)
    const error = await inTask([fault({ type: 'Conflict' })], () => wrapped.invoke({ order: 'A1' })).catch((caught: unknown) => caught)
    expect((error as ToolHttpError).status).toBe(409)
    await expect(inTask([], () => wrapped.invoke({ order: 'A1' }))).resolves.toEqual({ order: 'A1', state: 'shipped' })
  })

  it('ends a hang when the run’s config.signal aborts', async () => {
    const wrapped = faultableLangChainTool(langchainTool(getOrder, { name: 'get_order', description: 'Looks an order up', schema }))
    const started = performance.now()
    await expect(inTask([fault({ type: 'Timeout', latency_ms: 60_000 })], () => wrapped.invoke({ order: 'A1' }, { signal: timeout(40) }))).rejects.toThrow()
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})

describe('faultableAgentsTool (OpenAI Agents JS)', () => {
  it('wraps the options for tool(): the SDK’s errorFunction turns the fault into what the model reads', async () => {
    const built = agentsTool(faultableAgentsTool({ name: 'get_order', description: 'Looks an order up', parameters: schema, execute: getOrder }))
    expect(built.name).toBe('get_order')
    const failed = await inTask([fault({ type: 'HTTP_500' })], (env) => built.invoke(new RunContext(), JSON.stringify({ order: 'A1' })).then((output) => ({ output, calls: env.calls })))
    expect(failed.output).toMatch(/An error occurred while running the tool/)
    expect(failed.calls).toEqual([expect.objectContaining({ tool: 'get_order', status: 500, faulted: true })])
    await expect(inTask([], () => built.invoke(new RunContext(), JSON.stringify({ order: 'A1' })))).resolves.toEqual({ order: 'A1', state: 'shipped' })
  })

  it('a hang ends at the SDK’s own per-tool timeout, which aborts details.signal', async () => {
    const built = agentsTool(faultableAgentsTool({ name: 'get_order', description: 'Looks an order up', parameters: schema, timeoutMs: 50, execute: getOrder }))
    const result = await inTask([fault({ type: 'Timeout', latency_ms: 60_000 })], async (env) => {
      const { invokeFunctionTool } = await import('@openai/agents-core')
      const output = await invokeFunctionTool({ tool: built, runContext: new RunContext(), input: JSON.stringify({ order: 'A1' }), details: { toolCall: { type: 'function_call', callId: 'c1', name: 'get_order', arguments: '{}' } } as never })
      return { output, calls: env.calls }
    })
    expect(String(result.output)).toMatch(/timed out after 50ms/)
    expect(result.calls[0]).toMatchObject({ result: 'timeout', status: null })
  })

  it('needs a name', () => {
    // A function made by another has no name of its own to fall back on.
    const anonymous = [async () => 1][0]!
    expect(anonymous.name).toBe('')
    expect(() => faultableAgentsTool({ execute: anonymous })).toThrow(/needs a `name`/)
  })
})
