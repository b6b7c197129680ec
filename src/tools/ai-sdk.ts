import { faultable } from './faultable.ts'

/**
 * The part of a Vercel AI SDK tool (`tool({ description, inputSchema, execute })` from `ai`) that
 * the adapter touches. Structural, so awrr depends on no version of `ai`.
 */
export interface AiSdkToolShape {
  execute?: (input: any, options: any) => unknown
}

/**
 * The AI SDK tool with the scenario's faults for tool `name` applied to its `execute`. A hang waits
 * for the `abortSignal` the SDK hands `execute`; a thrown fault becomes the SDK's own `tool-error`.
 */
export function faultableAiTool<T extends AiSdkToolShape>(name: string, tool: T, options: { sideEffect?: boolean } = {}): T {
  const execute = tool.execute
  if (typeof execute !== 'function') throw new TypeError(`[awrr] faultableAiTool("${name}", tool): the tool has no execute function to wrap.`)
  const wrapped = faultable(name, execute, { ...options, signalOf: (_input: unknown, callOptions: { abortSignal?: AbortSignal } | undefined) => callOptions?.abortSignal })
  return { ...tool, execute: wrapped }
}

/** Every tool of an AI SDK `tools` record, each faultable under its key. */
export function faultableAiTools<T extends Record<string, AiSdkToolShape>>(tools: T): T {
  return Object.fromEntries(Object.entries(tools).map(([name, tool]) => [name, faultableAiTool(name, tool)])) as T
}
