import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { readJson } from './packed-project.ts'

/** The Retry-After the scenario's faults send, and how many of them the agent meets. */
const retryAfterMs = 120_000
const rateLimitedAnswers = 2

/**
 * What a run of examples/real-timers must show: the agent, whose own code waits
 * 2 x Retry-After (four minutes) with setTimeout, completed inside Vitest's 5 s test timeout and
 * AWRR's 30 s agent limit, which only fake timers make possible; and the reported MTTR is wall
 * time, so the skipped waits are not in it (docs/real-timers.md).
 */
export function expectRealTimersRun(exampleDir: string, output: string): void {
  const report = readJson(path.join(exampleDir, '.awrr', 'report.json'))
  expect(Object.keys(report.strategies), output).toEqual(['patient-trader'])
  const project = report.strategies['patient-trader']
  expect(project.tasks.map((task: any) => `${task.scenario}: ${task.outcome} (${task.reason})`)).toEqual(['rate-limited-quotes: completed (success)'])
  expect(project.metrics.rr_event).toBe(1)

  const traceDir = path.join(exampleDir, '.awrr', 'traces', 'patient-trader')
  const events = readdirSync(traceDir)
    .flatMap((file) => readFileSync(path.join(traceDir, file), 'utf8').split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string; status?: number; purpose?: string })
  const answers = events.filter((event) => event.type === 'tool:serve' && event.purpose === 'step').map((event) => event.status)
  expect(answers).toEqual([429, 429, 200, 200])
  expect(events.filter((event) => event.type === 'fault:injected')).toHaveLength(rateLimitedAnswers)
  // Not a speed check: the claim under test is that the faked waits do not count in MTTR.
  expect(project.metrics.mttr_ms).toBeLessThan(retryAfterMs)
}
