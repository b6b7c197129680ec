import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// One agent whose own code waits with setTimeout for minutes; its AWRR entry point runs it under
// Vitest fake timers (src/with-fake-timers.ts), so the run takes seconds. See docs/real-timers.md.
export default defineConfig({
  plugins: [
    awrr({
      strategies: [],
      env: ['QUOTES_URL'],
      agents: [{ name: 'patient-trader', module: './agents/patient-trader.ts' }],
    }),
  ],
  test: {
    globalSetup: ['./global-setup.ts'],
  },
})
