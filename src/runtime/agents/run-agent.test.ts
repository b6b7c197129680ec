import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TraceEvent } from '../executor/trace-events.ts'
import type { TaskSpec } from '../scenario/task-spec.ts'
import { closeToolServer, ensureToolServer } from '../interception/index.ts'
import { type AgentRun, runAgentTask } from './run-agent.ts'

beforeAll(() => ensureToolServer())
afterAll(() => closeToolServer())

const task: TaskSpec = {
  id: 'main',
  index: 0,
  world: { records: { REC1: { status: 'pending', value: 10, payment_status: 'unpaid' } }, inventory: {} },
  workflow: [],
  faults: [{ id: 'F0', tool: 'get_record', type: 'HTTP_500', mode: 'first_n', times: 1, prob: 1 }],
  success: { record: 'REC1', status: 'approved' },
  input: { record: 'REC1' },
}

async function runAgent(run: AgentRun, timeoutMs = 2_000, spec: TaskSpec = task) {
  const events: TraceEvent[] = []
  const summary = await runAgentTask({
    task: spec,
    scenario: 'agent-test',
    file: 'src/runtime/agents/run-agent.test.ts',
    seed: 42,
    batch: 0,
    agentName: 'test-agent',
    run,
    trace: { emit: (event) => void events.push(event) },
    tracePath: '.awrr/traces/agent.jsonl',
    timeoutMs,
  })
  expect(events.filter((event) => event.type === 'task:final')).toHaveLength(1)
  return { summary, events }
}

const call = (tool: string, body: object) =>
  fetch(`http://tools.awrr.test/tools/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('runAgentTask', () => {
  it("records the agent's calls, injects the fault, and judges the outcome with the oracle", async () => {
    const { summary } = await runAgent(async (context) => {
      const { record } = context.input as { record: string }
      let read = await call('get_record', { record_id: record })
      if (read.status >= 500) {
        await context.clock.sleep(200)
        read = await call('get_record', { record_id: record })
      }
      await call('update_record', { record_id: record, patch: { status: 'approved' } })
    })
    expect(summary).toMatchObject({ outcome: 'completed', toolCalls: 3, stepsReached: 2, errorEvents: 1, recoveredEvents: 1 })
    expect(summary.recoveryMsTotal).toBeGreaterThanOrEqual(200)
  })

  it('ends a throwing agent failed, with its error in the trace', async () => {
    const { summary, events } = await runAgent(async () => {
      throw new Error('tool contract changed')
    })
    expect(summary).toMatchObject({ outcome: 'failed', reason: 'agent_error' })
    expect(events).toContainEqual(expect.objectContaining({ type: 'task:error', where: 'agent', message: 'Error: tool contract changed' }))
  })

  it('ends the task failed with success_oracle_error, not agent_error, when the oracle cannot judge', async () => {
    delete process.env['AWRR_TEST_AGENT_ORACLE_NEVER_SET']
    const unjudgeable: TaskSpec = { ...task, faults: [], success: { http: { method: 'GET', url: '${env.AWRR_TEST_AGENT_ORACLE_NEVER_SET}/orders/1' } } }
    const { summary, events } = await runAgent(async () => {
      await call('auth_check', {})
    }, 2_000, unjudgeable)
    expect(summary).toMatchObject({ outcome: 'failed', reason: 'success_oracle_error' })
    expect(events).toContainEqual(expect.objectContaining({ type: 'task:error', where: 'success_oracle', message: expect.stringContaining('AWRR_TEST_AGENT_ORACLE_NEVER_SET') }))
    expect(events.filter((event) => event.type === 'task:error' && event.where === 'agent')).toEqual([])
  })

  it('ends a hanging agent failed at its time limit and aborts its signal', async () => {
    let signal: AbortSignal | undefined
    const { summary } = await runAgent((context) => {
      signal = context.signal
      return new Promise(() => {})
    }, 50)
    expect(summary).toMatchObject({ outcome: 'failed', reason: 'agent_timeout' })
    expect(signal?.aborted).toBe(true)
  })

  it('lets an agent escalate', async () => {
    const { summary } = await runAgent(() => ({ escalated: true, reason: 'needs a human' }))
    expect(summary).toMatchObject({ outcome: 'escalated', reason: 'needs a human' })
  })
})
