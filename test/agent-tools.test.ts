import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copyExample, installPackedProject, readJson, runCommand, type CommandRun, type PackedProject } from './packed-project.ts'

// Agents as teams write them, installed the way a user installs AWRR: the packed tarball into a
// fresh project, with the real AI SDK, LangChain.js, OpenAI Agents JS and MCP SDK from the npm
// registry. examples/agent-tools runs one agent per framework on in-process tools wrapped by
// awrr/tools; examples/mcp-agent runs the MCP SDK's client against a simulated MCP server.

const installTimeout = 600_000
const frameworks = ['ai@^6', '@langchain/core@^1', 'langchain@^1', '@openai/agents@^0.20', '@modelcontextprotocol/sdk@^1.32', 'zod@^4']
let installed: PackedProject | undefined
let npmCache: string
let project: string

beforeAll(async () => {
  installed = await installPackedProject({ name: 'agent-tools', packages: ['vitest@~4.1', ...frameworks] })
  ;({ npmCache, project } = installed)
}, installTimeout)

afterAll(() => installed?.remove())

interface TraceLine {
  type: string
  [key: string]: unknown
}

function traceOf(dir: string, agent: string, scenario: string): TraceLine[] {
  const folder = path.join(dir, '.awrr', 'traces', agent)
  const file = readdirSync(folder).find((name) => name.includes(scenario))
  if (!file) throw new Error(`no trace for ${agent} / ${scenario} in ${folder}`)
  return readFileSync(path.join(folder, file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceLine)
}

const injectedTypes = (trace: TraceLine[]) => trace.filter((line) => line.type === 'fault:injected').map((line) => `${String(line.tool)}:${String(line.faultType)}`)
const served = (trace: TraceLine[]) => trace.filter((line) => line.type === 'tool:serve').map((line) => `${String(line.tool)} ${String(line.status)}`)

function tasksOf(report: any, agent: string): Record<string, any> {
  return Object.fromEntries(report.strategies[agent].tasks.map((task: any) => [task.scenario, task]))
}

describe('examples/agent-tools: AI SDK, LangChain.js and OpenAI Agents JS agents with faultable in-process tools', () => {
  let dir: string
  let run: CommandRun
  let report: any
  const agents = ['ai-sdk', 'langchain', 'openai-agents']

  beforeAll(async () => {
    dir = path.join(project, 'agent-tools')
    copyExample('agent-tools', dir)
    run = await runCommand('npx', ['vitest', 'run'], { cwd: dir, npmCache })
    report = readJson(path.join(dir, '.awrr', 'report.json'))
  }, installTimeout)

  test('the run passes and every agent is on the leaderboard', () => {
    expect(run.code, run.output).toBe(0)
    expect(Object.keys(report.strategies).sort()).toEqual(agents)
    for (const agent of agents) expect(run.stdout).toMatch(new RegExp(`^${agent}\\s`, 'm'))
  })

  test.each(agents)('%s: recovers from a 429 and a dropped connection, and from a hung lookup; hands a refused refund over', (agent) => {
    const tasks = tasksOf(report, agent)
    expect(tasks['refund-flaky']).toMatchObject({ outcome: 'completed' })
    expect(tasks['refund-hang']).toMatchObject({ outcome: 'completed' })
    expect(tasks['refund-refused']).toMatchObject({ outcome: 'escalated' })
    // Each injected fault reached the tool by name and is in the trace as ground truth.
    expect(injectedTypes(traceOf(dir, agent, 'refund-flaky'))).toEqual(['get_order:RateLimited', 'refund_order:NetworkError'])
    expect(served(traceOf(dir, agent, 'refund-flaky'))).toEqual(['get_order 429', 'get_order 200', 'refund_order network', 'refund_order 200'])
    expect(injectedTypes(traceOf(dir, agent, 'refund-hang'))).toEqual(['get_order:Timeout'])
    expect(injectedTypes(traceOf(dir, agent, 'refund-refused'))[0]).toBe('get_order:HTTP_500')
    expect(tasks['refund-flaky'].tool_calls).toBe(4)
    expect(report.strategies[agent].metrics.wcr).toBeCloseTo(2 / 3, 10)
    expect(report.strategies[agent].metrics.hir).toBeCloseTo(1 / 3, 10)
  })

  test('a hang meets each framework’s own deadline: the Agents SDK’s per-tool timeout aborts it, the others see the 504 after it', () => {
    expect(served(traceOf(dir, 'openai-agents', 'refund-hang'))[0]).toBe('get_order hang')
    expect(served(traceOf(dir, 'ai-sdk', 'refund-hang'))[0]).toBe('get_order 504')
    expect(served(traceOf(dir, 'langchain', 'refund-hang'))[0]).toBe('get_order 504')
  })

  test('the frameworks’ error handling is what is measured: the Agents SDK’s default error text hides the 403, so its model retries the refused refund', () => {
    // AI SDK and LangChain pass the error's message (403, policy) to the model, which hands over at once.
    for (const agent of ['ai-sdk', 'langchain']) {
      expect(injectedTypes(traceOf(dir, agent, 'refund-refused'))).toEqual(['get_order:HTTP_500', 'refund_order:PolicyRejected'])
      expect(report.strategies[agent].metrics.uar).toBe(0)
    }
    // The Agents SDK tells the model only "An error occurred while running the tool. Please try again."
    expect(injectedTypes(traceOf(dir, 'openai-agents', 'refund-refused'))).toEqual([
      'get_order:HTTP_500',
      'refund_order:PolicyRejected',
      'refund_order:PolicyRejected',
      'refund_order:PolicyRejected',
    ])
    expect(report.strategies['openai-agents'].metrics.uar).toBeCloseTo(1 / 3, 10)
  })
}, installTimeout)

describe('examples/mcp-agent: the MCP SDK client against a simulated MCP server', () => {
  let dir: string
  let run: CommandRun
  let report: any

  beforeAll(async () => {
    dir = path.join(project, 'mcp-agent')
    copyExample('mcp-agent', dir)
    run = await runCommand('npx', ['vitest', 'run'], { cwd: dir, npmCache })
    report = readJson(path.join(dir, '.awrr', 'report.json'))
  }, installTimeout)

  test('the run passes; the agent recovers from five kinds of MCP faults and hands over a write that keeps failing', () => {
    expect(run.code, run.output).toBe(0)
    const tasks = tasksOf(report, 'mcp-client')
    expect(Object.fromEntries(Object.entries(tasks).map(([scenario, task]) => [scenario, task.outcome]))).toEqual({
      'mcp-rpc-token': 'completed',
      'mcp-schema-change': 'completed',
      'mcp-session-tool-error': 'completed',
      'mcp-write-refused': 'escalated',
    })
    // The success oracle read the world the MCP tools wrote to: approved only where the agent completed.
    for (const task of Object.values(tasks)) expect(task.consistent).toBe(true)
    expect(report.strategies['mcp-client'].metrics).toMatchObject({ wcr: 0.75, hir: 0.25, uar: 0 })
  })

  test('each MCP fault is in the trace where it was injected, and the calls after it went through', () => {
    expect(injectedTypes(traceOf(dir, 'mcp-client', 'mcp-session-tool-error'))).toEqual(['get_record:McpToolError', 'update_record:SessionExpired'])
    expect(served(traceOf(dir, 'mcp-client', 'mcp-session-tool-error'))).toEqual(['get_record 200', 'get_record 200', 'update_record 404', 'update_record 200'])
    expect(injectedTypes(traceOf(dir, 'mcp-client', 'mcp-rpc-token'))).toEqual(['get_record:JsonRpcError', 'update_record:TokenExpired'])
    expect(served(traceOf(dir, 'mcp-client', 'mcp-rpc-token'))).toEqual(['get_record 200', 'get_record 200', 'update_record 401', 'update_record 200'])
    expect(injectedTypes(traceOf(dir, 'mcp-client', 'mcp-schema-change'))).toEqual(['update_record:ToolsChanged'])
    expect(injectedTypes(traceOf(dir, 'mcp-client', 'mcp-write-refused'))).toEqual(['update_record:McpToolError', 'update_record:McpToolError', 'update_record:McpToolError'])
  })
}, installTimeout)
