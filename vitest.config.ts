import { defineConfig } from 'vitest/config'
import { awrr } from './src/plugin/index.ts'

// The repository dogfoods itself: `npx vitest run` runs every shipped scenario under every
// strategy and prints the leaderboard; `npm test` runs the `unit` and `e2e` projects.
export default defineConfig({
  plugins: [awrr()],
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
})
