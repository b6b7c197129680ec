import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { copyExample, installPackedProject, readJson, runCommand, type PackedProject } from './packed-project.ts'
import { repoRoot } from './run-vitest.ts'

// examples/llm-agent from the packed tarball in a fresh project, offline: the openai-SDK agent's
// model answers come from the cassettes committed beside its scenarios, with model and tool faults
// layered on them. Nothing listens at the agent's base URL; every answer is replayed.

const installTimeout = 600_000
let installed: PackedProject | undefined
let npmCache: string
let project: string

beforeAll(async () => {
  installed = await installPackedProject({ name: 'llm-agent', packages: ['vitest@~4.1', `openai@${readJson(path.join(repoRoot, 'package.json')).devDependencies['openai']}`] })
  ;({ npmCache, project } = installed)
}, installTimeout)

afterAll(() => installed?.remove())

interface TaskRow {
  scenario: string
  outcome: string
  reason: string
}

const traceOf = (dir: string, agent: string, scenario: string) =>
  readFileSync(path.join(dir, '.awrr', 'traces', agent, `scenarios%2F${scenario}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

test('the llm-agent example replays its cassettes offline under model and tool faults and prints tokens and cost', async () => {
  const dir = path.join(project, 'llm-agent')
  copyExample('llm-agent', dir)
  const scenarios = readdirSync(path.join(dir, 'scenarios'))
  const names = scenarios.filter((file) => file.endsWith('.scenario.yaml')).map((file) => file.replace('.scenario.yaml', ''))
  // Every scenario has its cassette committed beside it.
  expect(scenarios.filter((file) => file.endsWith('.cassette.json')).sort()).toEqual(names.map((name) => `${name}.cassette.json`).sort())

  // No key in the environment and a base URL that resolves nowhere: only the cassettes can answer.
  const run = await runCommand('npx', ['vitest', 'run'], { cwd: dir, npmCache, env: { OPENAI_API_KEY: '' } })
  expect(run.code, run.output).toBe(0)

  const report = readJson(path.join(dir, '.awrr', 'report.json'))
  const outcomes = (agent: string) =>
    Object.fromEntries((report.strategies[agent].tasks as TaskRow[]).map((task) => [task.scenario, `${task.outcome}:${task.reason}`]))
  expect(outcomes('support-agent')).toEqual({
    'refund-clean': 'completed:success',
    'refund-malformed-args': 'completed:success',
    'refund-overloaded': 'completed:success',
    'refund-rate-limited': 'completed:success',
    'refund-stream-cut': 'completed:success',
    'refund-tool-down': 'escalated:issue_refund_failed',
    'refund-truncated': 'failed:agent_error',
  })
  // Without the SDK's retries, the 429 and the two 503s end their tasks.
  expect(outcomes('support-agent-no-retries')).toMatchObject({ 'refund-rate-limited': 'failed:agent_error', 'refund-overloaded': 'failed:agent_error', 'refund-clean': 'completed:success' })

  // At least five model fault types met the replayed answers, and one tool fault met the tool.
  const injected = new Set<string>()
  for (const name of names) for (const event of traceOf(dir, 'support-agent', name)) if (event.type === 'fault:injected') injected.add(`${event.tool}:${event.faultType}`)
  expect([...injected].sort()).toEqual(['issue_refund:Unavailable', 'llm:MalformedToolArgs', 'llm:Overloaded', 'llm:RateLimited', 'llm:StreamCut', 'llm:Truncated'])
  const streamCalls = traceOf(dir, 'support-agent', 'refund-stream-cut').filter((event) => event.type === 'llm:call')
  expect(streamCalls.map((event) => event.status)).toEqual(['cut', 200, 200, 200])
  expect(streamCalls.every((event) => event.replayed === true)).toBe(true)
  // The SDK waited the 429's Retry-After (2 s) before its retry.
  const limited = traceOf(dir, 'support-agent', 'refund-rate-limited').filter((event) => event.type === 'llm:call')
  expect(limited.map((event) => event.status)).toEqual([429, 200, 200, 200])
  expect((limited[1]!.at as number) - (limited[0]!.at as number)).toBeGreaterThanOrEqual(2_000)

  // Tokens are the recorded usage that reached the agent (a cut stream delivers none); gpt-4o-mini's
  // price makes them a cost. Per task, averaged over the agent's tasks, as in the leaderboard.
  let prompt = 0
  let completion = 0
  for (const name of names) {
    for (const event of traceOf(dir, 'support-agent', name)) {
      if (event.type !== 'llm:call') continue
      prompt += event.promptTokens as number
      completion += event.completionTokens as number
    }
  }
  const metrics = report.strategies['support-agent'].metrics
  expect(prompt).toBeGreaterThan(0)
  expect(metrics.tokens).toBeCloseTo((prompt + completion) / names.length, 9)
  expect(metrics.cost_usd).toBeCloseTo((prompt * 0.15 + completion * 0.6) / 1e6 / names.length, 15)
  expect(run.stdout).toMatch(/LLM calls\s+Tokens\s+Cost \$/)
  expect(run.stdout).toContain('support-agent-no-retries')
}, installTimeout)
