import { describe, expect, it } from 'vitest'
import type { TaskWorld } from '../scenario/task-spec.ts'
import { appendAudit, createWorld, type Payment, type WorldState } from '../tools/world.ts'
import { checkConsistency } from './consistency-oracle.ts'

const initial: TaskWorld = {
  records: {
    REC1: { status: 'pending', payment_status: 'unpaid' },
    REC2: { status: 'approved', payment_status: 'unpaid' },
  },
  inventory: { widget: 12, gadget: 3 },
}

/** A world built by hand: the initial one with `change` applied. */
function worldWith(change: (world: WorldState) => void): WorldState {
  const world = createWorld(initial)
  change(world)
  return world
}

const charge = (id: string, order: string, status: Payment['status'] = 'charged'): Payment => ({ id, order_id: order, amount: 240, status })

describe('checkConsistency', () => {
  it('accepts the untouched world, finished or not', () => {
    expect(checkConsistency(initial, createWorld(initial), false)).toEqual({ consistent: true, problems: [] })
    expect(checkConsistency(initial, createWorld(initial), true)).toEqual({ consistent: true, problems: [] })
  })

  it('accepts a completed checkout: stock taken, paid and approved', () => {
    const world = worldWith((w) => {
      w.inventory['widget'] = 10
      w.payments.push(charge('PAY-1', 'REC1'))
      Object.assign(w.records['REC1']!, { status: 'approved', payment_status: 'paid' })
    })
    expect(checkConsistency(initial, world, true)).toEqual({ consistent: true, problems: [] })
  })

  it('accepts a fully compensated world: stock back, payment refunded, record pending', () => {
    const world = worldWith((w) => {
      w.payments.push(charge('PAY-1', 'REC1', 'refunded'))
      w.records['REC1']!['payment_status'] = 'refunded'
      appendAudit(w, 'write', 'process_payment', { payment_id: 'PAY-1' })
      appendAudit(w, 'write', 'refund_payment', { payment_id: 'PAY-1' })
    })
    expect(checkConsistency(initial, world, false)).toEqual({ consistent: true, problems: [] })
  })

  it('reports inventory not restored, for items taken and items added', () => {
    const world = worldWith((w) => {
      w.inventory['widget'] = 10
      w.inventory['bolt'] = 4
    })
    expect(checkConsistency(initial, world, false)).toEqual({
      consistent: false,
      problems: ['inventory bolt is 4, was 0', 'inventory widget is 10, was 12'],
    })
  })

  it('exempts completed tasks from the inventory rule', () => {
    const world = worldWith((w) => void (w.inventory['widget'] = 10))
    expect(checkConsistency(initial, world, true).consistent).toBe(true)
  })

  it('reports a record paid but not approved (unless the task completed)', () => {
    const world = worldWith((w) => void (w.records['REC1']!['payment_status'] = 'paid'))
    expect(checkConsistency(initial, world, false)).toEqual({ consistent: false, problems: ['record REC1 is paid but not approved'] })
    expect(checkConsistency(initial, world, true).consistent).toBe(true)
  })

  it('reports a record the task approved without payment, but not one that was approved before', () => {
    const world = worldWith((w) => void (w.records['REC1']!['status'] = 'approved'))
    expect(checkConsistency(initial, world, false)).toEqual({ consistent: false, problems: ['record REC1 is approved but not paid'] })
    expect(checkConsistency(initial, world, true).consistent).toBe(true)
    // REC2 started approved and unpaid: the task did not cause that.
    expect(checkConsistency(initial, createWorld(initial), false).problems).not.toContain('record REC2 is approved but not paid')
  })

  it('reports a double charge, even when the task completed', () => {
    const world = worldWith((w) => {
      w.payments.push(charge('PAY-1', 'REC1'), charge('PAY-2', 'REC1'), charge('PAY-3', 'REC2', 'refunded'), charge('PAY-4', 'REC2'))
      Object.assign(w.records['REC1']!, { status: 'approved', payment_status: 'paid' })
      w.records['REC2']!['payment_status'] = 'paid'
    })
    expect(checkConsistency(initial, world, true)).toEqual({ consistent: false, problems: ['order REC1 is charged 2 times'] })
  })

  it('reports a half-written record, even when the task completed', () => {
    const world = worldWith((w) => void (w.records['REC1']!['integrity'] = 'corrupted'))
    expect(checkConsistency(initial, world, true)).toEqual({ consistent: false, problems: ['record REC1 was left half-written'] })
  })

  it('reports a refund that matches no charge', () => {
    const world = worldWith((w) => appendAudit(w, 'write', 'refund_payment', { order_id: 'REC1', payment_id: 'PAY-9' }))
    expect(checkConsistency(initial, world, true)).toEqual({ consistent: false, problems: ['refund PAY-9 matches no charge'] })
  })

  it('lists every broken rule at once, in a stable order', () => {
    const world = worldWith((w) => {
      w.inventory['widget'] = 0
      w.records['REC1']!['payment_status'] = 'paid'
      w.records['REC1']!['integrity'] = 'corrupted'
      w.payments.push(charge('PAY-1', 'REC1'), charge('PAY-2', 'REC1'))
    })
    expect(checkConsistency(initial, world, false).problems).toEqual([
      'inventory widget is 0, was 12',
      'record REC1 is paid but not approved',
      'record REC1 was left half-written',
      'order REC1 is charged 2 times',
    ])
  })
})
