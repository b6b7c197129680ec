import { expect, test } from 'vitest'
import { weatherSummary } from '../src/weather-summary.ts'

// A plain unit test of the project's own code, answered by its own MSW handler (test/handlers.ts).
test('weatherSummary reads the forecast from the weather service', async () => {
  expect(await weatherSummary('Oslo')).toBe('Oslo: sunny (mocked)')
})
