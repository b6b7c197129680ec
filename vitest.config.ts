import { defineConfig } from 'vitest/config'
import { awrr } from './src/plugin/index.ts'

// The repository dogfoods itself: `npx vitest run` runs every shipped scenario under every
// strategy and prints the leaderboard. `npm test` (AWRR_SELF_TEST=1) adds this project's own
// `unit` and `e2e` projects and runs only those.
const selfTest = process.env['AWRR_SELF_TEST'] === '1'

export default defineConfig({
  plugins: [awrr()],
  test: {
    projects: selfTest
      ? [
          { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
          { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 600_000 } },
        ]
      : [],
  },
})
