import type { TaskWorld } from '../scenario/task-spec.ts'
import type { WorldState } from '../tools/world.ts'

export interface ConsistencyVerdict {
  consistent: boolean
  /** One line per broken rule, e.g. `inventory widget is 9, was 12`. */
  problems: string[]
}

/**
 * The rollback-safety oracle: does the final world look as if an unfinished task had never started,
 * and is it free of money errors whatever happened? Rules:
 * - inventory is back to its initial level, unless the task completed;
 * - no record paid but not approved (money taken for nothing), unless the task completed;
 * - no record that this task approved while it is not paid, unless the task completed;
 * - no order charged twice, and no record left corrupted by a half-done write;
 * - every refund matches a charge (refunds are marked on charged payments, so an orphan cannot occur
 *   in the built-in service; the rule guards other tool services).
 */
export function checkConsistency(initial: TaskWorld, world: WorldState, completed: boolean): ConsistencyVerdict {
  const problems: string[] = []
  if (!completed) {
    const items = new Set([...Object.keys(initial.inventory), ...Object.keys(world.inventory)])
    for (const item of [...items].sort()) {
      const before = (Object.hasOwn(initial.inventory, item) ? initial.inventory[item] : undefined) ?? 0
      const after = world.inventory[item] ?? 0
      if (before !== after) problems.push(`inventory ${item} is ${after}, was ${before}`)
    }
  }
  for (const [id, record] of Object.entries(world.records).sort(([a], [b]) => a.localeCompare(b))) {
    const approved = record['status'] === 'approved'
    const paid = record['payment_status'] === 'paid'
    const wasApproved = Object.hasOwn(initial.records, id) && initial.records[id]?.['status'] === 'approved'
    if (!completed && paid && !approved) problems.push(`record ${id} is paid but not approved`)
    if (!completed && approved && !wasApproved && !paid) problems.push(`record ${id} is approved but not paid`)
    if (record['integrity'] === 'corrupted') problems.push(`record ${id} was left half-written`)
  }
  const charged = new Map<string, number>()
  for (const payment of world.payments) {
    if (payment.status === 'charged') charged.set(payment.order_id, (charged.get(payment.order_id) ?? 0) + 1)
  }
  for (const [order, count] of [...charged].sort(([a], [b]) => a.localeCompare(b))) {
    if (count > 1) problems.push(`order ${order} is charged ${count} times`)
  }
  for (const entry of world.audit_log) {
    if (entry.tool !== 'refund_payment' || entry.kind !== 'write') continue
    const paymentId = entry.detail['payment_id']
    if (!world.payments.some((payment) => payment.id === paymentId)) problems.push(`refund ${String(paymentId)} matches no charge`)
  }
  return { consistent: problems.length === 0, problems }
}
