import type { ExecutorOptions } from '../executor/run-task.ts'

/** A strategy loaded from the user's own module, which must export `default` or `strategy`. */
export type StrategyModuleRef = {
  name: string
  /** Overrides whether the saga stack runs when a task gives up. */
  saga?: boolean
  /** Overrides whether answers are checked by a read-after-write before they are accepted. */
  verify?: boolean
} & (
  | {
      /** Absolute path, resolved by the plugin from the project root. */
      module: string
    }
  | {
      /** A built-in strategy this one is a variant of. */
      base: string
    }
)

/** The user's agent module; the project of the same name runs it. */
export interface AgentModuleRef {
  name: string
  module: string
  timeoutMs?: number
}

/**
 * Scope of a learning strategy's memory bank. `fresh`: empty for each scenario file. `persist`:
 * every worker starts from `<outputDir>/memory/<strategy>.json` as the previous run left it, and
 * merges its updates into it; `run` tells this run's updates apart (the same in every worker).
 */
export type MemoryRunConfig = { mode: 'fresh' } | { mode: 'persist'; run: string }

/** What the plugin provides to every worker (`inject('awrr:config')`). Plain JSON. */
export interface RunConfig {
  root: string
  /** Output directory relative to the root, forward slashes. */
  outputDirRelative: string
  seed: number
  batchSize: number
  executor: ExecutorOptions
  strategyModules: StrategyModuleRef[]
  /** Absent: `{ mode: 'fresh' }`. */
  memory?: MemoryRunConfig
  agentModules: AgentModuleRef[]
  /** Trials of every task, for pass^k; a scenario's own `repeats:` wins. */
  repeats?: number
  /** Model prices per million tokens, for `cost_usd`; absent: no cost is computed. */
  prices?: Record<string, { input: number; output: number }>
  /** When a task is also run with its faults off (the clean run). Absent: `suites`. */
  cleanRun?: 'suites' | 'always' | 'never'
  /** This run's id (the same in every worker): real services get per-run Idempotency-Keys. */
  runId?: string
  /** The `env` allow list: the values of these variables are scrubbed from recorded cassettes. */
  env?: string[]
}
