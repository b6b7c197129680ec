import { AsyncLocalStorage } from 'node:async_hooks'
import type { TaskEnvironment } from './task-environment.ts'

const storeKey = Symbol.for('awrr.currentTask')

/**
 * The task whose code is running: every request made inside `runInTask`, and every in-process tool
 * call (`faultable`), is routed to it. Kept on `globalThis` under a registered symbol, so that a
 * second copy of this module (awrr/tools loaded through another path than awrr/runtime, a source
 * checkout beside the built package) still finds the same tasks. No msw here: awrr/tools needs it
 * without the interception layer.
 */
export const currentTask: AsyncLocalStorage<TaskEnvironment> = ((globalThis as Record<symbol, unknown>)[storeKey] ??=
  new AsyncLocalStorage<TaskEnvironment>()) as AsyncLocalStorage<TaskEnvironment>

/** The environment of the task whose code is running, if any. */
export function currentTaskEnvironment(): TaskEnvironment | undefined {
  return currentTask.getStore()
}
