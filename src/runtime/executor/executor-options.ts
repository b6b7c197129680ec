/** The executor's limits. Dependency-free, so the plugin can read the defaults in Vitest's main process. */
export interface ExecutorOptions {
  /** Per-attempt deadline on the virtual clock. @default 5000 */
  attemptTimeoutMs?: number
  /** Tool calls per task. @default 200 */
  maxToolCalls?: number
  /** Virtual time per task. @default 600000 */
  maxVirtualMs?: number
  /** Estimated tokens (payload characters / 4) per task. @default 1000000 */
  maxTokens?: number
  /** Failures in a row of one step with an unchanged world hash before the loop guard escalates. @default 10 */
  loopGuard?: number
  /** Run the saga stack when a task gives up (B0 never does). @default true */
  saga?: boolean
  /** Tries per compensation call before it counts as failed. @default 4 */
  compensationAttempts?: number
  /**
   * Real milliseconds a strategy's `decide()` may take (an LLM diagnosis takes seconds); past it the
   * task ends `failed` with `strategy_timeout`. @default 20000
   */
  decisionTimeoutMs?: number
}

export type ResolvedExecutorOptions = Required<ExecutorOptions>

export const defaultExecutorOptions: ResolvedExecutorOptions = {
  attemptTimeoutMs: 5_000,
  maxToolCalls: 200,
  maxVirtualMs: 600_000,
  maxTokens: 1_000_000,
  loopGuard: 10,
  saga: true,
  compensationAttempts: 4,
  decisionTimeoutMs: 20_000,
}
