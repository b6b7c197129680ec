/** Where simulated MCP servers answer: `http://mcp.awrr.test/<server name>`. */
export const mcpOrigin = 'http://mcp.awrr.test'

/** The Streamable HTTP endpoint of the simulated MCP server the scenario names `server`. */
export function mcpServerUrl(server: string): string {
  return `${mcpOrigin}/${encodeURIComponent(server)}`
}
