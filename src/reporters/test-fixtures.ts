// Builders for the reporters' tests; not part of the public API.
import type { TaskMeta } from 'vitest'
import type { TestModule } from 'vitest/node'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import type {} from './task-meta.ts'

/** A completed, error-free five-step task; tests override what they are about. */
export function makeSummary(overrides: Partial<TaskSummary> = {}): TaskSummary {
  return {
    v: 1,
    id: 'main',
    scenario: 'checkout',
    file: 'scenarios/checkout.scenario.yaml',
    strategy: 'B2',
    seed: 42,
    index: 0,
    batch: 0,
    outcome: 'completed',
    reason: 'success',
    toolCalls: 5,
    stepsReached: 5,
    steps: 5,
    virtualMs: 500,
    errorEvents: 0,
    recoveredEvents: 0,
    recoveryMsTotal: 0,
    unsafeAction: false,
    sideEffectsStarted: true,
    consistent: true,
    inconsistencies: [],
    compensations: [],
    diagnoses: [],
    diagnoserCalls: 0,
    memoryHits: 0,
    tokens: 0,
    trace: '.awrr/traces/B2/checkout/main.jsonl',
    ...overrides,
  }
}

/** Just enough of vitest's reported-task tree for the collector. */
export function fakeTestModule(metas: readonly TaskMeta[]): TestModule {
  return {
    children: {
      *allTests() {
        for (const meta of metas) yield { meta: () => meta }
      },
    },
  } as unknown as TestModule
}
