/** The project's own code, with its own unit test (test/weather-summary.test.ts) on its own MSW mock. */
export async function weatherSummary(city: string, baseUrl = 'https://weather.example.test'): Promise<string> {
  const response = await fetch(`${baseUrl}/weather?city=${encodeURIComponent(city)}`)
  if (!response.ok) throw new Error(`weather service answered ${response.status}`)
  const { forecast } = (await response.json()) as { forecast: string }
  return `${city}: ${forecast}`
}
