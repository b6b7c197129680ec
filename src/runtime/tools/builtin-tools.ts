import { contentTools } from './domains/content.ts'
import { healthcareTools } from './domains/healthcare.ts'
import type { BuiltinToolName } from './tool-specs.ts'
import { appendAudit, cloneData, type WorldState } from './world.ts'

export interface ToolAnswer {
  status: number
  body: ToolBody
}

export type ToolBody =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: { code: string; message: string } }

export type ToolImplementation = (world: WorldState, args: Record<string, unknown>) => ToolAnswer

const ok = (result: Record<string, unknown>): ToolAnswer => ({ status: 200, body: { ok: true, result } })
const error = (status: number, code: string, message: string): ToolAnswer => ({
  status,
  body: { ok: false, error: { code, message } },
})

const text = (args: Record<string, unknown>, key: string): string | undefined => {
  const value = Object.hasOwn(args, key) ? args[key] : undefined
  const found = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
  return found
}
const amountOf = (args: Record<string, unknown>, key: string): number | undefined => {
  const value = Object.hasOwn(args, key) ? args[key] : undefined
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function missing(key: string): ToolAnswer {
  return error(400, 'bad_request', `missing or invalid argument "${key}"`)
}

function recordOf(world: WorldState, args: Record<string, unknown>, key = 'record_id') {
  const id = text(args, key)
  if (id === undefined) return { answer: missing(key) } as const
  // The world's maps have no prototype (cloneData), so any id, "constructor" too, is an own key or absent.
  const record = Object.hasOwn(world.records, id) ? world.records[id] : undefined
  if (!record) return { answer: error(404, 'not_found', `record ${id} does not exist`) } as const
  return { id, record } as const
}

/**
 * The prototype's tools, as plain functions over the world. Business errors here are real ones
 * (a missing record, not enough stock); injected faults are added in front of them by the router.
 */
export const builtinTools: Readonly<Record<Exclude<BuiltinToolName, 'rollback'>, ToolImplementation>> = {
  get_record(world, args) {
    const found = recordOf(world, args)
    return 'answer' in found ? found.answer : ok({ record_id: found.id, record: cloneData(found.record) })
  },
  auth_check(_world, args) {
    return ok({ allowed: true, subject: text(args, 'record_id') ?? text(args, 'user') ?? 'workflow' })
  },
  policy_check(world, args) {
    const required = args['required_inventory']
    if (required && typeof required === 'object') {
      const { item_id: item, qty } = required as Record<string, unknown>
      if (typeof item === 'string' && typeof qty === 'number' && (world.inventory[item] ?? 0) < qty) {
        return error(403, 'policy_rejected', `policy requires ${qty} of ${item} in stock`)
      }
    }
    return ok({ decision: 'allow', action: text(args, 'action') ?? 'approve' })
  },
  update_record(world, args) {
    const found = recordOf(world, args)
    if ('answer' in found) return found.answer
    const patch = args['patch']
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return missing('patch')
    const previous: Record<string, unknown> = Object.create(null)
    for (const key of Object.keys(patch)) previous[key] = found.record[key] ?? null
    Object.assign(found.record, cloneData(patch))
    appendAudit(world, 'write', 'update_record', { record_id: found.id, patch })
    return ok({ record_id: found.id, record: cloneData(found.record), previous })
  },
  write_audit(world, args) {
    appendAudit(world, 'audit', 'write_audit', { record_id: text(args, 'record_id') ?? null, entry: args['entry'] ?? null })
    return ok({ written: true })
  },
  notify_user(world, args) {
    const to = text(args, 'record_id') ?? text(args, 'user') ?? 'user'
    world.messages.push({ to, body: text(args, 'message') ?? 'notification', correction: false })
    appendAudit(world, 'message', 'notify_user', { to })
    return ok({ delivered: true, to })
  },
  send_message(world, args) {
    const to = text(args, 'to') ?? text(args, 'record_id') ?? 'user'
    const correction = args['correction'] === true
    world.messages.push({ to, body: text(args, 'body') ?? text(args, 'message') ?? '', correction })
    appendAudit(world, correction ? 'correction' : 'message', 'send_message', { to })
    return ok({ delivered: true, to })
  },
  create_ticket(world, args) {
    const ticket = `TCK-${world.audit_log.filter((entry) => entry.kind === 'ticket').length + 1}`
    appendAudit(world, 'ticket', 'create_ticket', {
      ticket,
      reason: text(args, 'reason') ?? 'unspecified',
      severity: text(args, 'severity') ?? 'normal',
    })
    return ok({ ticket })
  },
  commit(world, args) {
    const id = text(args, 'record_id') ?? 'transaction'
    world.committed.push(id)
    appendAudit(world, 'commit', 'commit', { id })
    return ok({ committed: id })
  },
  lock_inventory(world, args) {
    const item = text(args, 'item_id')
    const qty = amountOf(args, 'qty')
    if (item === undefined) return missing('item_id')
    if (qty === undefined || qty <= 0) return missing('qty')
    const stock = world.inventory[item]
    if (stock === undefined) return error(404, 'not_found', `item ${item} does not exist`)
    if (stock < qty) return error(409, 'insufficient_stock', `only ${stock} of ${item} left`)
    world.inventory[item] = stock - qty
    appendAudit(world, 'write', 'lock_inventory', { item_id: item, qty })
    return ok({ item_id: item, locked: qty, remaining: stock - qty })
  },
  unlock_inventory(world, args) {
    const item = text(args, 'item_id')
    const qty = amountOf(args, 'qty')
    if (item === undefined) return missing('item_id')
    if (qty === undefined || qty <= 0) return missing('qty')
    world.inventory[item] = (world.inventory[item] ?? 0) + qty
    appendAudit(world, 'write', 'unlock_inventory', { item_id: item, qty })
    return ok({ item_id: item, unlocked: qty, remaining: world.inventory[item] })
  },
  process_payment(world, args) {
    const order = text(args, 'order_id')
    const amount = amountOf(args, 'amount')
    if (order === undefined) return missing('order_id')
    if (amount === undefined || amount <= 0) return missing('amount')
    const payment = { id: `PAY-${world.payments.length + 1}`, order_id: order, amount, status: 'charged' as const }
    world.payments.push(payment)
    const record = world.records[order]
    if (record) record['payment_status'] = 'paid'
    appendAudit(world, 'write', 'process_payment', { order_id: order, amount, payment_id: payment.id })
    return ok({ payment_id: payment.id, order_id: order, amount, status: 'charged' })
  },
  refund_payment(world, args) {
    const order = text(args, 'order_id')
    if (order === undefined) return missing('order_id')
    const payment = world.payments.find((candidate) => candidate.order_id === order && candidate.status === 'charged')
    if (!payment) return error(404, 'not_found', `no charged payment for order ${order}`)
    payment.status = 'refunded'
    const record = world.records[order]
    if (record && !world.payments.some((other) => other.order_id === order && other.status === 'charged')) {
      record['payment_status'] = 'refunded'
    }
    appendAudit(world, 'write', 'refund_payment', { order_id: order, amount: payment.amount, payment_id: payment.id })
    return ok({ payment_id: payment.id, order_id: order, refunded: payment.amount })
  },
  ...healthcareTools,
  ...contentTools,
}
