import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpError, ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js'
import { mcpServerUrl } from 'awrr/tools'

/**
 * Approves a pending record through the `records` MCP server. What it does when the server
 * misbehaves is the point: a new session after a 404, a new token after a 401, the tool list read
 * again after `tools/list_changed`, a retry after a tool error or an internal JSON-RPC error, and a
 * hand-over to a human when a tool keeps failing.
 */

interface AgentContext {
  input: unknown
  clock: { sleep(ms: number): Promise<void> }
}

const maxAttempts = 3

class Connection {
  client!: Client
  tools = new Map<string, Tool>()
  private stale = true
  private token = 1

  async open(): Promise<void> {
    this.client = new Client({ name: 'approvals-agent', version: '1.0.0' })
    this.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.stale = true
    })
    const transport = new StreamableHTTPClientTransport(new URL(mcpServerUrl('records')), {
      requestInit: { headers: { authorization: `Bearer approvals-token-${this.token}` } },
    })
    await this.client.connect(transport)
    this.stale = true
  }

  /** A 401 means the token expired: a real agent refreshes it; here the next one is minted. */
  async renewToken(): Promise<void> {
    this.token++
    await this.open()
  }

  async tool(name: string): Promise<Tool> {
    if (this.stale) {
      const { tools } = await this.client.listTools()
      this.tools = new Map(tools.map((tool) => [tool.name, tool]))
      this.stale = false
    }
    const tool = this.tools.get(name)
    if (!tool) throw new Error(`the server has no tool ${name}`)
    return tool
  }
}

/** Fits arguments to a schema whose required names changed (`record_id` listed now as `record_id_v2`). */
function fitArguments(tool: Tool, args: Record<string, unknown>): Record<string, unknown> {
  const fitted = { ...args }
  for (const required of tool.inputSchema.required ?? []) {
    if (Object.hasOwn(fitted, required)) continue
    const old = Object.keys(fitted).find((key) => required.startsWith(key))
    if (old === undefined) continue
    fitted[required] = fitted[old]
    delete fitted[old]
  }
  return fitted
}

class HandOver extends Error {}

async function callTool(connection: Connection, context: AgentContext, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const tool = await connection.tool(name)
      const result = await connection.client.callTool({ name, arguments: fitArguments(tool, args) })
      if (!result.isError) return (result.structuredContent ?? {}) as Record<string, unknown>
      if (attempt >= maxAttempts) throw new HandOver(`${name} kept answering isError`)
    } catch (error) {
      if (error instanceof HandOver || attempt >= maxAttempts) throw error
      if (error instanceof StreamableHTTPError && error.code === 404) await connection.open()
      else if (error instanceof StreamableHTTPError && error.code === 401) await connection.renewToken()
      else if (error instanceof McpError && error.code === -32602) await connection.tool(name)
      else if (!(error instanceof McpError && error.code === -32603)) throw error
    }
    await context.clock.sleep(100 * attempt)
  }
}

export default async function run(context: AgentContext) {
  const { record } = context.input as { record: string }
  const connection = new Connection()
  await connection.open()
  try {
    const found = await callTool(connection, context, 'get_record', { record_id: record })
    const current = (found['record'] as { status?: string } | undefined)?.status
    if (current !== 'pending') return { escalated: true as const, reason: `record ${record} is ${String(current)}` }
    await callTool(connection, context, 'update_record', { record_id: record, patch: { status: 'approved' } })
  } catch (error) {
    if (error instanceof HandOver) return { escalated: true as const, reason: error.message }
    throw error
  }
  return { approved: record }
}
