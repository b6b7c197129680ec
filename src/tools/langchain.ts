import { faultable } from './faultable.ts'

/**
 * The part of a LangChain.js tool (`tool(fn, { name, schema })` from `@langchain/core/tools`, a
 * DynamicStructuredTool) that the adapter touches: its name and the function it calls with
 * `(input, runManager, config)`. Structural, so awrr depends on no version of LangChain.
 */
export interface LangChainToolShape {
  name: string
  func: (input: any, runManager?: any, config?: any) => any
}

/**
 * Applies the scenario's faults for the tool's own name to a LangChain.js tool, in place (its
 * class, schema and callbacks stay as they are), and returns it. A hang waits for the run's
 * `config.signal`; a thrown fault goes through LangChain's own error handling (ToolNode's
 * `handleToolErrors`, an agent's error middleware).
 */
export function faultableLangChainTool<T extends LangChainToolShape>(tool: T, options: { name?: string; sideEffect?: boolean } = {}): T {
  const func = tool.func
  if (typeof func !== 'function') throw new TypeError(`[awrr] faultableLangChainTool(tool): "${tool.name}" has no func to wrap (a DynamicTool or DynamicStructuredTool has one).`)
  const name = options.name ?? tool.name
  tool.func = faultable(name, func.bind(tool), {
    ...(options.sideEffect === undefined ? {} : { sideEffect: options.sideEffect }),
    signalOf: (_input: unknown, _runManager: unknown, config: { signal?: AbortSignal } | undefined) => config?.signal,
  })
  return tool
}
