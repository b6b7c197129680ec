import { describe, expect, test } from 'vitest'
import { parseScenarioSource } from './load-scenario.ts'

// The scenario keys of in-process and MCP tools: what is accepted, and what is refused with its
// place in the file (a fault that could never be injected must not load).

const file = 'scenarios/mcp.scenario.yaml'
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`

const parse = (source: string) => parseScenarioSource(source, file)
const issues = (source: string) => {
  const result = parse(source)
  if (result.ok) throw new Error('expected the scenario to be rejected')
  return result.issues.map(({ path, line, column, message }) => ({ path, line, column, message }))
}

const agentHead = ['input: { record: A1 }', 'world: { records: { A1: { status: pending } } }']

describe('tools without request: and mcp: servers', () => {
  test('a simulated MCP server with built-in and declared tools, and the five MCP faults, load', () => {
    const result = parse(
      yaml(
        ...agentHead,
        'tools:',
        '  lookup_order: { input_schema: { type: object, required: [order] }, result: { state: shipped } }',
        'mcp:',
        '  records: { tools: [get_record, lookup_order] }',
        'faults:',
        '  - { tool: get_record, type: McpToolError }',
        '  - { tool: get_record, type: JsonRpcError, code: -32002 }',
        '  - { tool: lookup_order, type: SessionExpired }',
        '  - { tool: lookup_order, type: TokenExpired }',
        '  - { tool: get_record, type: ToolsChanged }',
      ),
    )
    expect(result.ok, JSON.stringify(result)).toBe(true)
  })

  test('an MCP fault on a tool no simulated server serves is refused at its line', () => {
    expect(issues(yaml(...agentHead, 'tools:', '  lookup: {}', 'faults:', '  - { tool: lookup, type: McpToolError }'))).toEqual([
      expect.objectContaining({ path: 'faults.0.tool', line: 6, message: expect.stringContaining('a simulated MCP server') }),
    ])
  })

  test('a real MCP server passes through: faults by tool name on it are refused, not silently never injected', () => {
    const found = issues(yaml(...agentHead, 'mcp:', '  remote: { url: "http://127.0.0.1:9/mcp", tools: [search] }', 'faults:', '  - { tool: search, type: JsonRpcError }'))
    expect(found.map((issue) => issue.path).sort()).toEqual(['faults.0.tool', 'faults.0.tool'])
    expect(found.every((issue) => issue.line === 6)).toBe(true)
  })

  test('a server needs url or tools, and lists only known tools', () => {
    expect(issues(yaml(...agentHead, 'mcp:', '  empty: {}'))).toEqual([expect.objectContaining({ path: 'mcp.empty', line: 4 })])
    expect(issues(yaml(...agentHead, 'mcp:', '  s: { tools: [nope] }'))).toEqual([expect.objectContaining({ path: 'mcp.s.tools.0', line: 4 })])
  })

  test('a tool without request: cannot be a workflow step, and only it may have a result:', () => {
    expect(issues(yaml('tools:', '  lookup: {}', 'workflow:', '  - tool: lookup'))).toEqual([
      expect.objectContaining({ path: 'workflow.0.tool', line: 4, message: expect.stringContaining('a declared tool with `request:`') }),
    ])
    expect(issues(yaml(...agentHead, 'tools:', '  t: { request: { url: "http://127.0.0.1:9/t" }, result: 1 }'))).toEqual([
      expect.objectContaining({ path: 'tools.t.result', line: 4 }),
    ])
  })
})
