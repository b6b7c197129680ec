import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// One small weather agent per client library, each its own project, against scripted model
// endpoints. Installed from the packed tarball with the libraries from the registry
// (test/llm-sdks.test.ts, test/vitest5-node22.test.ts).
export default defineConfig({
  plugins: [
    awrr({
      strategies: [],
      agents: ['openai-sdk', 'anthropic-sdk', 'ai-sdk', 'langchain'].map((name) => ({ name, module: `./agents/${name}.ts`, timeoutMs: 10_000 })),
      prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 }, 'claude-haiku-4-5': { input: 1, output: 5 } },
    }),
  ],
})
