import type { TestModule } from 'vitest/node'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import type {} from './task-meta.ts'

/**
 * Reads the executor's summaries from `task.meta.awrr`, in module and test order. Tests without
 * one (ordinary unit tests, tests skipped by a filter) are ignored. Works the same on a live run
 * and on `--merge-reports`, where the meta comes back from the blobs.
 */
export function collectTaskSummaries(testModules: ReadonlyArray<TestModule>): TaskSummary[] {
  const summaries: TaskSummary[] = []
  for (const testModule of testModules) {
    for (const testCase of testModule.children.allTests()) {
      const summary = testCase.meta().awrr
      if (summary !== undefined) summaries.push(summary)
    }
  }
  return summaries
}
