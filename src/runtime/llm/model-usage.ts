import type { LlmPrice } from '../scenario/schema.ts'

/** Tokens as a provider would count them, estimated: one token per four characters, at least one. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4))
}

/** Per task: model calls, and the tokens of every answer whose `usage` reached the client, per model. */
export interface ModelUsage {
  calls: number
  promptTokens: number
  completionTokens: number
  byModel: Record<string, { calls: number; promptTokens: number; completionTokens: number }>
}

export function emptyUsage(): ModelUsage {
  return { calls: 0, promptTokens: 0, completionTokens: 0, byModel: Object.create(null) as ModelUsage['byModel'] }
}

export function addUsage(usage: ModelUsage, model: string, promptTokens: number, completionTokens: number, countsCall: boolean): void {
  const entry = (usage.byModel[model] ??= { calls: 0, promptTokens: 0, completionTokens: 0 })
  if (countsCall) {
    usage.calls++
    entry.calls++
  }
  usage.promptTokens += promptTokens
  usage.completionTokens += completionTokens
  entry.promptTokens += promptTokens
  entry.completionTokens += completionTokens
}

/**
 * Cost in US dollars from a price table per model, per million tokens. `null` when a model that
 * used tokens has no price: a partial sum would read as the whole cost.
 */
export function costOf(usage: ModelUsage, prices: Readonly<Record<string, LlmPrice>> | undefined): number | null {
  if (!prices) return null
  let total = 0
  for (const [model, entry] of Object.entries(usage.byModel).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (entry.promptTokens === 0 && entry.completionTokens === 0) continue
    const price = Object.hasOwn(prices, model) ? prices[model] : undefined
    if (!price) return null
    total += (entry.promptTokens * price.input + entry.completionTokens * price.output) / 1_000_000
  }
  return total
}
