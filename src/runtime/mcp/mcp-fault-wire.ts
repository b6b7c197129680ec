import type { ResolvedFault } from '../scenario/task-spec.ts'
import type { McpFaultType } from '../scenario/taxonomy.ts'

/** What an MCP client sees of a fault of the MCP layer, as data (the server turns it into a Response). */
export type McpFaultWire =
  /** A tool result the tool itself marked as failed: the model is meant to read it. */
  | { kind: 'tool_error'; text: string }
  | { kind: 'rpc_error'; code: number; message: string }
  /** The server forgot the session: 404 on its id until the client initialises again. */
  | { kind: 'session_expired' }
  /** The bearer token expired mid-session: 401 with `WWW-Authenticate`, until a new token comes. */
  | { kind: 'token_expired' }
  /** `notifications/tools/list_changed`, then the call is rejected against the tool's new schema. */
  | { kind: 'tools_changed'; inputSchema: Record<string, unknown> | undefined }

const rpcMessages: Readonly<Record<number, string>> = {
  [-32700]: 'Parse error',
  [-32600]: 'Invalid Request',
  [-32601]: 'Method not found',
  [-32602]: 'Invalid params',
  [-32603]: 'Internal error',
  [-32002]: 'Resource not found',
  [-32001]: 'Request timed out',
}

export function mcpFaultWire(fault: ResolvedFault & { type: McpFaultType }): McpFaultWire {
  switch (fault.type) {
    case 'McpToolError':
      return { kind: 'tool_error', text: typeof fault.body === 'string' ? fault.body : fault.body === undefined ? 'Error: upstream service failed to process the request' : JSON.stringify(fault.body) }
    case 'JsonRpcError': {
      const code = fault.code ?? -32603
      const message = typeof fault.body === 'string' ? fault.body : (rpcMessages[code] ?? 'Server error')
      return { kind: 'rpc_error', code, message }
    }
    case 'SessionExpired':
      return { kind: 'session_expired' }
    case 'TokenExpired':
      return { kind: 'token_expired' }
    case 'ToolsChanged':
      return {
        kind: 'tools_changed',
        inputSchema: fault.body && typeof fault.body === 'object' && !Array.isArray(fault.body) ? (fault.body as Record<string, unknown>) : undefined,
      }
  }
}
