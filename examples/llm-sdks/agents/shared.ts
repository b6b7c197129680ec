import { appendFileSync, mkdirSync } from 'node:fs'

/** What AWRR hands an agent. */
export interface AgentContext {
  input: unknown
  signal: AbortSignal
}

export interface WeatherInput {
  provider: 'openai' | 'anthropic'
  city: string
  stream: boolean
  scenario: string
}

export const weather: Record<string, string> = { Paris: 'light rain, 14 C', Oslo: 'clear, -2 C' }

/** Each error a library raised, by class, so the test can see which error reached the agent. */
export function noteError(agent: string, input: WeatherInput, error: unknown): void {
  mkdirSync('.awrr', { recursive: true })
  const name = error instanceof Error ? error.constructor.name : typeof error
  appendFileSync('.awrr/sdk-errors.jsonl', JSON.stringify({ agent, scenario: input.scenario, error: name, message: error instanceof Error ? error.message : String(error) }) + '\n')
}

/** Runs `attempt` up to three times, noting every error it raised. */
export async function withRetries<T>(agent: string, input: WeatherInput, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt()
    } catch (error) {
      noteError(agent, input, error)
      if (tries >= 3) throw error
    }
  }
}
