import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// A refund agent on the openai SDK, in two versions: with the SDK's default retries and with
// `maxRetries: 0`. Its model answers come from the cassettes beside the scenarios (recorded once
// against model-server.ts: see README.md), so the run needs no network and no API key.
export default defineConfig({
  test: { globalSetup: ['./global-setup.ts'] },
  plugins: [
    awrr({
      strategies: [],
      agents: [
        { name: 'support-agent', module: './agents/support-agent.ts', timeoutMs: 20_000 },
        { name: 'support-agent-no-retries', module: './agents/support-agent-no-retries.ts', timeoutMs: 20_000 },
      ],
      env: ['LLM_AGENT_BASE_URL'],
      prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } },
    }),
  ],
})
