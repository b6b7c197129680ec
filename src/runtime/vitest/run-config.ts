import type { ExecutorOptions } from '../executor/run-task.ts'

/** A strategy loaded from the user's own module, which must export `default` or `strategy`. */
export interface StrategyModuleRef {
  name: string
  /** Absolute path, resolved by the plugin from the project root. */
  module: string
}

/** What the plugin provides to every worker (`inject('awrr:config')`). Plain JSON. */
export interface RunConfig {
  root: string
  /** Output directory relative to the root, forward slashes. */
  outputDirRelative: string
  seed: number
  batchSize: number
  executor: ExecutorOptions
  strategyModules: StrategyModuleRef[]
}
