import { vi } from 'vitest'

/** What AWRR hands an agent as `ctx` (`input`, seeded `random`, `clock`, `signal`). */
export interface AgentContext {
  input: unknown
  random(): number
  clock: { now(): number; sleep(ms: number): Promise<void> }
  signal: AbortSignal
}

export type AgentRun<Result> = (context: AgentContext) => Promise<Result>

/**
 * Runs an agent under Vitest fake timers: every `setTimeout` it schedules fires as soon as nothing
 * else is pending (tick mode `nextTimerAsync`), so a two-minute back-off costs no wall time.
 *
 * The fakes are installed only while the agent runs. AWRR's own time limit for the agent and
 * Vitest's test timeout were scheduled before, on real timers, and stay real: installed for the
 * whole test file (in a setup file), auto-advancing fake time would fire them the moment the
 * agent waits for a real network answer. `Date` and `performance` stay real too, because AWRR
 * times the agent's calls with `performance.now()`.
 */
export function withFakeTimers<Result>(run: AgentRun<Result>): AgentRun<Result> {
  return async (context) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    vi.setTimerTickMode('nextTimerAsync')
    try {
      return await run(context)
    } finally {
      vi.useRealTimers()
    }
  }
}
