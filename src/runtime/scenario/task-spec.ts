import type { BudgetSpec, DeclaredToolSpec, FaultSpec, LlmSpec, McpServerSpec, Outcome, StepSpec, SuccessSpec } from './schema.ts'

/** A fault with its identifier resolved (`F0`, `F1`, ... unless the file names it). */
export type ResolvedFault = FaultSpec & { id: string }

/** The initial world of one task: what the built-in tool service starts from. */
export interface TaskWorld {
  records: Record<string, Record<string, unknown>>
  inventory: Record<string, number>
}

/**
 * One runnable task: a single-scenario file yields one (`id: 'main'`), a `generate:` suite yields
 * many (`T000`, `T001`, ...). Plain JSON, so it can be embedded in a generated test module.
 */
export interface TaskSpec {
  id: string
  /** Position in its scenario; the learning curve and memory bank follow this order. */
  index: number
  world: TaskWorld
  workflow: StepSpec[]
  faults: ResolvedFault[]
  /** Success oracle; when absent, reaching the end of the workflow is success. */
  success?: SuccessSpec
  expect?: Record<string, Outcome>
  budget?: BudgetSpec
  /** Declared tools by name (HTTP ones with `request:`); URLs and headers still hold their `${env.NAME}` references. */
  tools?: Record<string, DeclaredToolSpec>
  /** MCP servers by name: simulated ones (`tools:`) and real ones (`url:`). */
  mcp?: Record<string, McpServerSpec>
  /** Input handed to an agent; a task with an input runs in agent projects only. */
  input?: unknown
  /** The scenario's model endpoint (`llm:`), for agent tasks. */
  llm?: LlmSpec
}

/** Where a scenario's tasks come from: everything a worker needs to run them. */
export interface CompiledScenario {
  /** Scenario name (test-suite name). */
  name: string
  /** File path relative to the project root, forward slashes. */
  file: string
  /** Seed of the scenario: the file's `seed`, else the suite's `generate.seed`, else the run's seed. */
  seed: number | undefined
  tasks: TaskSpec[]
}
