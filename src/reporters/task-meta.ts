// Loads vitest's declarations so the augmentation below has a module to merge into.
import type {} from 'vitest'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'

/*
 * The one seam between the test workers and the reporters: the executor's summary travels in
 * `task.meta.awrr` as plain JSON, and survives `--shard ... --reporter=blob` + `--merge-reports`.
 * `TaskMeta` is declared in `@vitest/runner` and re-exported by `vitest`; augmenting it through
 * `vitest` reaches the original declaration, so users need no direct dependency on the runner.
 */
declare module 'vitest' {
  interface TaskMeta {
    awrr?: TaskSummary
  }
}
