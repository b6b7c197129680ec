import type { LlmTurnSpec } from '../scenario/schema.ts'
import type { ModelRequest } from './model-wire.ts'

/**
 * The scripted model: turns answer in order, each once unless it repeats. A turn with `when:`
 * answers only a request that matches it, so a script can branch on what the agent did: the first
 * turn, in order, that is unused and matches is the one that answers.
 */
export interface ScriptEngine {
  /** The turn that answers this request, or undefined when the script has none left for it. */
  next(request: ModelRequest): { turn: LlmTurnSpec; index: number } | undefined
  /** Gives a turn back: a faulted answer was not the model's answer, so a retry gets the turn again. */
  release(index: number): void
}

export function matchesTurn(turn: LlmTurnSpec, request: ModelRequest): boolean {
  const when = turn.when
  if (!when) return true
  if (when.tool_result_contains !== undefined) {
    const last = request.messages.findLast((message) => message.role === 'tool')
    if (!last?.text.includes(when.tool_result_contains)) return false
  }
  if (when.tool_called !== undefined && !request.messages.some((message) => message.role === 'assistant' && message.toolCalls.includes(when.tool_called!))) {
    return false
  }
  if (when.user_contains !== undefined) {
    const last = request.messages.findLast((message) => message.role === 'user')
    if (!last?.text.includes(when.user_contains)) return false
  }
  return true
}

export function createScriptEngine(turns: readonly LlmTurnSpec[]): ScriptEngine {
  const used = new Set<number>()
  return {
    next(request) {
      const index = turns.findIndex((turn, position) => (turn.repeat === true || !used.has(position)) && matchesTurn(turn, request))
      if (index < 0) return undefined
      used.add(index)
      return { turn: turns[index]!, index }
    },
    release(index) {
      used.delete(index)
    },
  }
}
