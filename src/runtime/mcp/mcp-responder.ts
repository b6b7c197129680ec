import { registerVirtualOrigin } from '../interception/router.ts'
import { mcpOrigin } from './mcp-origin.ts'
import { serveMcpRequest } from './simulated-mcp-server.ts'

let registered = false

/**
 * Puts the simulated MCP servers behind the worker's one router: `http://mcp.awrr.test/<server>`
 * is answered by the server of that name in the scenario of the task that made the request (and
 * refused outside a task). Idempotent.
 */
export function ensureMcpServers(): void {
  if (registered) return
  registerVirtualOrigin(mcpOrigin, (request, { environment }) => {
    if (!environment) return undefined
    const server = decodeURIComponent(new URL(request.url).pathname.slice(1))
    return serveMcpRequest(environment, server, request)
  })
  registered = true
}
