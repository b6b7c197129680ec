import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// Three agents, one per framework, each with the same two in-process tools wrapped by awrr/tools:
// the scenarios' faults reach them by tool name, and each framework's own error handling decides
// what happens next.
export default defineConfig({
  plugins: [
    awrr({
      strategies: [],
      agents: [
        { name: 'ai-sdk', module: './agents/ai-sdk-agent.ts', timeoutMs: 10_000 },
        { name: 'langchain', module: './agents/langchain-agent.ts', timeoutMs: 10_000 },
        { name: 'openai-agents', module: './agents/openai-agents-agent.ts', timeoutMs: 10_000 },
      ],
    }),
  ],
})
