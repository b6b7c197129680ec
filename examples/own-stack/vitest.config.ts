import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// A project as it might already be: its own unit tests with its own MSW server in a setup file.
// AWRR adds two agents (one on the openai SDK, one on @anthropic-ai/sdk, both with their default
// retries) and two strategies, beside the project's own tests (the `tests` project).
//   npx vitest run                         everything
//   npx vitest run --project tests         only the project's own tests
//   npx vitest run --project openai-agent  one agent
export default defineConfig({
  plugins: [
    awrr({
      strategies: ['B0', 'B2'],
      // The variables the scenarios may read; their values are redacted from every output.
      env: ['MODEL_URL', 'TOOLS_URL'],
      agents: [
        { name: 'openai-agent', module: './agents/openai-agent.ts', timeoutMs: 20_000 },
        { name: 'anthropic-agent', module: './agents/anthropic-agent.ts', timeoutMs: 20_000 },
      ],
    }),
  ],
  test: {
    // Starts the model server and the tools server once, and sets MODEL_URL and TOOLS_URL.
    globalSetup: ['./global-setup.ts'],
    setupFiles: ['./test/msw-setup.ts'],
  },
})
