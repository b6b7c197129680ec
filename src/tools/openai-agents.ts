import { faultable } from './faultable.ts'

/**
 * The options of OpenAI Agents JS's `tool({ name, description, parameters, execute })` from
 * `@openai/agents` that the adapter touches. Structural, so awrr depends on no version of it.
 */
export interface AgentsToolOptionsShape {
  name?: string
  execute: (input: any, context?: any, details?: any) => unknown
}

/**
 * The options for `tool()` with the scenario's faults for tool `name` applied to `execute`; pass the
 * result to `tool()`. Wrapping the options (not the built tool) keeps the SDK's own handling of a
 * failing `execute` in the path: its `errorFunction` turns the error into what the model reads,
 * and its `timeoutMs` and run cancellation end a hang through `details.signal`.
 */
export function faultableAgentsTool<T extends AgentsToolOptionsShape>(options: T, faultOptions: { name?: string; sideEffect?: boolean } = {}): T {
  const name = faultOptions.name ?? options.name ?? options.execute.name
  if (!name) throw new TypeError('[awrr] faultableAgentsTool(options): the tool needs a `name` (the one the scenario uses).')
  const execute = faultable(name, options.execute, {
    ...(faultOptions.sideEffect === undefined ? {} : { sideEffect: faultOptions.sideEffect }),
    signalOf: (_input: unknown, _context: unknown, details: { signal?: AbortSignal } | undefined) => details?.signal,
  })
  return { ...options, execute }
}
