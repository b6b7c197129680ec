import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// An agent that reaches its tools through an MCP server (Streamable HTTP) with the official SDK's
// client. The scenarios declare a simulated server that serves AWRR's built-in record tools and
// inject faults of the MCP layer.
export default defineConfig({
  plugins: [awrr({ strategies: [], agents: [{ name: 'mcp-client', module: './agents/mcp-agent.ts', timeoutMs: 10_000 }] })],
})
