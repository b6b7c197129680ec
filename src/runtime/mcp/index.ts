export { mcpOrigin, mcpServerUrl } from './mcp-origin.ts'
export { serveMcpRequest } from './simulated-mcp-server.ts'
export { ensureMcpServers } from './mcp-responder.ts'
export { mcpFaultWire, type McpFaultWire } from './mcp-fault-wire.ts'
