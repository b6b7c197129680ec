import { defineConfig } from 'vitest/config'
import { awrr } from './src/plugin/index.ts'

// The repository dogfoods itself: `npx vitest run` runs every shipped scenario under every
// strategy and prints the leaderboard. `npm test` (AWRR_SELF_TEST=1) adds this project's own
// `unit` and `e2e` projects and runs only those.
const selfTest = process.env['AWRR_SELF_TEST'] === '1'

export default defineConfig({
  // B2-verify: B2 with the read-after-write check, so the leaderboard shows what verification buys
  // (most of all on scenarios/bench/ws-bench-lying.scenario.yaml).
  plugins: [awrr({ strategies: ['B0', 'B1', 'B2', 'STD', 'B3', 'B4', 'ORACLE', { name: 'B2-verify', strategy: 'B2', verify: true }] })],
  test: {
    projects: selfTest
      ? [
          { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
          { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 } },
        ]
      : [],
  },
})
