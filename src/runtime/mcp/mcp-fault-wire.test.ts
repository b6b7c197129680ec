import { describe, expect, it } from 'vitest'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { mcpFaultTypes, type McpFaultType } from '../scenario/taxonomy.ts'
import { mcpFaultWire } from './mcp-fault-wire.ts'

const fault = (type: McpFaultType, fields: Partial<ResolvedFault> = {}) =>
  ({ id: 'F0', mode: 'once', prob: 1, tool: 'get_record', type, ...fields }) as ResolvedFault & { type: McpFaultType }

describe('mcpFaultWire', () => {
  it('has a wire form for every MCP fault type', () => {
    expect(mcpFaultTypes.map((type) => mcpFaultWire(fault(type)).kind)).toEqual(['tool_error', 'rpc_error', 'session_expired', 'token_expired', 'tools_changed'])
  })

  it('JsonRpcError is -32603 Internal error unless the scenario gives a code', () => {
    expect(mcpFaultWire(fault('JsonRpcError'))).toEqual({ kind: 'rpc_error', code: -32603, message: 'Internal error' })
    expect(mcpFaultWire(fault('JsonRpcError', { code: -32002 }))).toEqual({ kind: 'rpc_error', code: -32002, message: 'Resource not found' })
    expect(mcpFaultWire(fault('JsonRpcError', { code: -32050, body: 'quota exhausted' }))).toEqual({ kind: 'rpc_error', code: -32050, message: 'quota exhausted' })
  })

  it('McpToolError carries the scenario’s text, or a plain failure message', () => {
    expect(mcpFaultWire(fault('McpToolError', { body: 'Order service is down' }))).toEqual({ kind: 'tool_error', text: 'Order service is down' })
    expect(mcpFaultWire(fault('McpToolError'))).toMatchObject({ kind: 'tool_error', text: expect.stringMatching(/^Error: /) })
  })

  it('ToolsChanged takes a replacement schema from `body`', () => {
    const schema = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }
    expect(mcpFaultWire(fault('ToolsChanged', { body: schema }))).toEqual({ kind: 'tools_changed', inputSchema: schema })
    expect(mcpFaultWire(fault('ToolsChanged'))).toEqual({ kind: 'tools_changed', inputSchema: undefined })
  })
})
