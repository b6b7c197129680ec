import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// Three recovery strategies run the workflow scenarios, two versions of our own agent run the
// scenarios that have an `input:`; each is a Vitest project, side by side on one leaderboard.
//   npx vitest run                    everything
//   npx vitest run --project shop-v2  one agent
export default defineConfig({
  plugins: [
    awrr({
      strategies: ['B0', 'B1', 'B2'],
      // The only variable the scenarios may read as ${env.SHOP_URL}; its value is redacted from every output.
      env: ['SHOP_URL'],
      agents: [
        { name: 'shop-v1', module: './agents/shop-v1.ts' },
        { name: 'shop-v2', module: './agents/shop-v2.ts' },
      ],
    }),
  ],
  test: {
    // Starts the shop on a free port and sets SHOP_URL before any scenario runs.
    globalSetup: ['./global-setup.ts'],
  },
})
