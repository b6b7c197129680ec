import { faultable } from 'awrr/tools'

/** The agent's two tools, in process; the scenarios' faults reach them by name. */
export const lookupOrder = faultable('lookup_order', async ({ order }: { order: string }) => ({ order, amount: 40, state: 'shipped' }))

export const issueRefund = faultable('issue_refund', async ({ order, amount }: { order: string; amount: number }) => ({ order, refunded: amount }), { sideEffect: true })
