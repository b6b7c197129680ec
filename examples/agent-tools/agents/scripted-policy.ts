/**
 * What the test models answer, turn by turn, from the tool results they were shown: look the
 * order up, refund it, say so. A failed tool call is retried (at most twice in a row); a refusal
 * (401, 403, policy) is handed to a human. This is how a careful model reads tool errors, written
 * down, so the framework's own handling of failing tools is what the run measures.
 */
export interface ToolTurn {
  tool: string
  ok: boolean
  output: string
}

export type Move = { kind: 'call'; tool: 'get_order' | 'refund_order'; args: { order: string } } | { kind: 'answer'; text: string }

const maxRetries = 2

export function nextMove(order: string, turns: readonly ToolTurn[]): Move {
  const last = turns.at(-1)
  if (last && !last.ok) {
    if (/\b(401|403)\b|policy|unauthori[sz]ed|forbidden/i.test(last.output)) return { kind: 'answer', text: `ESCALATE: ${last.tool} was refused` }
    let failures = 0
    for (let index = turns.length - 1; index >= 0 && !turns[index]!.ok && turns[index]!.tool === last.tool; index--) failures++
    if (failures > maxRetries) return { kind: 'answer', text: `ESCALATE: ${last.tool} kept failing` }
    return { kind: 'call', tool: last.tool as 'get_order' | 'refund_order', args: { order } }
  }
  if (!turns.some((turn) => turn.tool === 'get_order' && turn.ok)) return { kind: 'call', tool: 'get_order', args: { order } }
  if (!turns.some((turn) => turn.tool === 'refund_order' && turn.ok)) return { kind: 'call', tool: 'refund_order', args: { order } }
  return { kind: 'answer', text: `Refunded order ${order}.` }
}

/** What an agent returns to AWRR: a hand-over is `escalated`; a claim of success is checked. */
export function outcomeOf(answer: string, refunded: boolean): { escalated: true; reason: string } | { refunded: true } {
  if (answer.startsWith('ESCALATE')) return { escalated: true, reason: answer }
  if (!refunded) throw new Error(`the model said "${answer}" but nothing was refunded`)
  return { refunded: true }
}
