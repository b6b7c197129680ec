import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { fixturePath, readReport, runVitest } from './run-vitest.ts'

const traceOf = (scenario: string) =>
  readFileSync(fixturePath('llm-run', '.awrr', 'traces', 'weather-agent', `scenarios%2F${scenario}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))

test('an openai-SDK agent against a scripted model: a 429 it retries, malformed tool arguments it cannot parse, tokens and cost from usage', async () => {
  const run = await runVitest('llm-run')
  expect(run.code, run.output).toBe(0)
  const report = readReport('llm-run')
  const agent = report.strategies['weather-agent']
  const byScenario = Object.fromEntries(agent.tasks.map((task: { scenario: string }) => [task.scenario, task]))
  expect(byScenario['paris']).toMatchObject({ outcome: 'completed' })
  expect(byScenario['oslo-refused']).toMatchObject({ outcome: 'failed', reason: 'agent_error' })

  // paris: the 429 consumed no turn; the stated usage of the two answered turns is what counts.
  const paris = traceOf('paris')
  expect(paris.filter((event) => event.type === 'llm:call').map((event) => [event.status, event.turn, event.promptTokens, event.completionTokens])).toEqual([
    [429, null, 0, 0],
    [200, 0, 100, 20],
    [200, 1, 150, 5],
  ])
  expect(paris.filter((event) => event.type === 'fault:injected')).toEqual([expect.objectContaining({ faultType: 'RateLimited', tool: 'llm', layer: 'transient', attempt: 0 })])

  // oslo: the agent's JSON.parse met the cut arguments; the error is the agent's, in the trace.
  const oslo = traceOf('oslo-refused')
  expect(oslo.find((event) => event.type === 'task:error')?.message).toMatch(/^SyntaxError: /)
  const osloCall = oslo.find((event) => event.type === 'llm:call')
  expect(osloCall).toMatchObject({ status: 200, finish: 'tool_calls', toolCalls: ['get_weather'] })

  const osloTokens = osloCall.promptTokens + osloCall.completionTokens
  expect(agent.metrics.llm_calls).toBe((3 + 1) / 2)
  expect(agent.metrics.tokens).toBe((275 + osloTokens) / 2)
  expect(agent.metrics.tokens_per_completed).toBe(275)
  // gpt-4o-mini at 0.15 / 0.60 US$ per million tokens.
  expect(agent.metrics.cost_usd_per_completed).toBeCloseTo((250 * 0.15 + 25 * 0.6) / 1e6, 15)
  expect(run.stdout).toMatch(/LLM calls\s+Tokens\s+Cost \$/)
  expect(run.stdout).toContain('0.000053')
  const csv = readFileSync(fixturePath('llm-run', '.awrr', 'report.csv'), 'utf8')
  expect(csv.split('\r\n')[0]).toContain('llm_calls,tokens,cost_usd')
})
