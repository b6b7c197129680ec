// Builders for the reporters' tests; not part of the public API.
import type { TaskMeta } from 'vitest'
import type { TestModule } from 'vitest/node'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import { judgeClient, type ClientVerdicts } from '../runtime/verdicts/client-verdicts.ts'
import type {} from './task-meta.ts'

/** A task's client verdicts when it made no call to judge: what `judgeClient` gives, every count 0. */
export const noVerdicts: ClientVerdicts = judgeClient([], { attemptTimeoutMs: 0 })

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
export function fakeTestModule(
  metas: readonly TaskMeta[],
  module: { moduleId?: string; project?: string; state?: string; errors?: { name?: string; message: string }[]; testState?: string } = {},
): TestModule {
  return {
    moduleId: module.moduleId ?? '/root/scenarios/fake.scenario.yaml',
    project: { name: module.project ?? 'B2' },
    state: () => module.state ?? 'passed',
    errors: () => module.errors ?? [],
    children: {
      *allTests() {
        for (const meta of metas) yield { name: 'main', meta: () => meta, result: () => ({ state: module.testState ?? 'passed' }) }
      },
    },
  } as unknown as TestModule
}

const layerCycle = ['transient', 'persistent', 'semantic', 'cascade'] as const
const actionFor = { transient: 'retry', persistent: 'escalate', semantic: 'escalate', cascade: 'rollback' } as const

/**
 * A run of `tasks` tasks under each strategy, varied on purpose (errors, escalations, diagnoses
 * from memory, several batches), the same every time; strategy and scenario names are the caller's.
 */
export function makeRun(options: { strategies?: string[]; scenario?: string; tasks?: number; repeats?: number } = {}): TaskSummary[] {
  const strategies = options.strategies ?? ['B0', 'B2', 'B4']
  const count = options.tasks ?? 24
  const repeats = options.repeats ?? 1
  const summaries: TaskSummary[] = []
  strategies.forEach((strategy, s) => {
    for (let index = 0; index < count; index++) {
      for (let repeat = 0; repeat < repeats; repeat++) {
        // A fixed pseudo-random pattern per (strategy, task, repeat): later strategies do better.
        const draw = ((index * 7919 + s * 104729 + repeat * 1299709) % 97) / 97
        const hadError = index % 3 !== 0
        const completed = !hadError || draw < 0.3 + 0.25 * s
        const escalated = !completed && draw > 0.85
        const layer = layerCycle[index % 4]!
        const diagnosesRight = draw < 0.5 + 0.2 * s
        summaries.push(
          makeSummary({
            strategy,
            scenario: options.scenario ?? 'suite',
            id: `T${String(index).padStart(3, '0')}`,
            index,
            batch: Math.floor(index / 6),
            ...(repeats > 1 ? { repeat } : {}),
            outcome: completed ? 'completed' : escalated ? 'escalated' : 'failed',
            reason: completed ? 'success' : escalated ? 'auth_denied' : 'retries_exhausted',
            toolCalls: 5 + (hadError ? 1 + (index % 3) + s : 0),
            errorEvents: hadError ? 1 + (index % 2) : 0,
            recoveredEvents: hadError && completed ? 1 : 0,
            recoveryMsTotal: hadError && completed ? 100 + 37 * (index % 5) + s : 0,
            unsafeAction: s === 0 && index % 11 === 5,
            consistent: completed || draw < 0.7,
            diagnoserCalls: s === 2 && hadError ? 1 : 0,
            memoryHits: s === 2 && hadError && index > 12 ? 1 : 0,
            diagnoses: hadError
              ? [
                  {
                    step: 2,
                    attempt: 0,
                    layer_true: layer,
                    action_true: actionFor[layer],
                    layer_pred: diagnosesRight ? layer : s === 0 ? 'unknown' : 'transient',
                    action_pred: diagnosesRight ? actionFor[layer] : 'retry',
                    source: s === 2 ? (index > 12 ? 'memory' : 'diagnoser') : 'rule',
                    event: 0,
                  },
                ]
              : [],
          }),
        )
      }
    }
  })
  return summaries
}
