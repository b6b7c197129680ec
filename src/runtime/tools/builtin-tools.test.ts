import { describe, expect, it } from 'vitest'
import { builtinTools } from './builtin-tools.ts'
import { builtinToolNames } from './tool-specs.ts'
import { createWorld, type WorldState } from './world.ts'

const freshWorld = (): WorldState =>
  createWorld({
    records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } },
    inventory: { widget: 12 },
  })

const errorCode = (answer: { body: unknown }) => (answer.body as { error?: { code?: string } }).error?.code
const result = (answer: { body: unknown }) => (answer.body as { result: Record<string, unknown> }).result

describe('builtinTools', () => {
  it('implements every built-in tool except rollback, which the tool service owns', () => {
    expect(Object.keys(builtinTools).sort()).toEqual(builtinToolNames.filter((name) => name !== 'rollback').sort())
  })

  describe('get_record', () => {
    it('returns a copy of the record', () => {
      const world = freshWorld()
      const answer = builtinTools.get_record(world, { record_id: 'REC1' })
      expect(answer.status).toBe(200)
      expect(result(answer)).toEqual({ record_id: 'REC1', record: { status: 'pending', value: 240, payment_status: 'unpaid' } })
      ;(result(answer)['record'] as Record<string, unknown>)['status'] = 'mutated'
      expect(world.records['REC1']!['status']).toBe('pending')
    })

    it('answers 404 for an unknown record and 400 without an id', () => {
      expect(builtinTools.get_record(freshWorld(), { record_id: 'NOPE' })).toMatchObject({ status: 404 })
      expect(errorCode(builtinTools.get_record(freshWorld(), {}))).toBe('bad_request')
    })
  })

  it('auth_check allows, names its subject and writes nothing', () => {
    const world = freshWorld()
    expect(result(builtinTools.auth_check(world, { user: 'ada' }))).toEqual({ allowed: true, subject: 'ada' })
    expect(world.audit_log).toEqual([])
  })

  describe('policy_check', () => {
    it('allows by default', () => {
      expect(result(builtinTools.policy_check(freshWorld(), { action: 'refund' }))).toEqual({ decision: 'allow', action: 'refund' })
    })

    it('rejects with 403 policy_rejected when the required stock is missing, allows when it is there', () => {
      const rejected = builtinTools.policy_check(freshWorld(), { required_inventory: { item_id: 'widget', qty: 13 } })
      expect(rejected.status).toBe(403)
      expect(errorCode(rejected)).toBe('policy_rejected')
      expect(builtinTools.policy_check(freshWorld(), { required_inventory: { item_id: 'widget', qty: 12 } }).status).toBe(200)
    })
  })

  describe('update_record', () => {
    it('applies the patch, returns the previous values (null where absent) and audits the write', () => {
      const world = freshWorld()
      const answer = builtinTools.update_record(world, { record_id: 'REC1', patch: { status: 'approved', note: 'x' } })
      expect(answer.status).toBe(200)
      expect(result(answer)['previous']).toEqual({ status: 'pending', note: null })
      expect(world.records['REC1']).toMatchObject({ status: 'approved', note: 'x', value: 240 })
      expect(world.audit_log).toMatchObject([{ kind: 'write', tool: 'update_record', detail: { record_id: 'REC1' } }])
    })

    it('rejects a missing or non-object patch without writing', () => {
      const world = freshWorld()
      expect(builtinTools.update_record(world, { record_id: 'REC1' }).status).toBe(400)
      expect(builtinTools.update_record(world, { record_id: 'REC1', patch: ['status'] }).status).toBe(400)
      expect(builtinTools.update_record(world, { record_id: 'NOPE', patch: {} }).status).toBe(404)
      expect(world.audit_log).toEqual([])
    })
  })

  it('write_audit appends an audit entry and nothing else', () => {
    const world = freshWorld()
    expect(builtinTools.write_audit(world, { record_id: 'REC1', entry: 'checked' }).status).toBe(200)
    expect(world.audit_log).toMatchObject([{ kind: 'audit', tool: 'write_audit', detail: { record_id: 'REC1', entry: 'checked' } }])
  })

  it('notify_user sends a message to the record owner', () => {
    const world = freshWorld()
    expect(result(builtinTools.notify_user(world, { record_id: 'REC1', message: 'approved' }))).toEqual({ delivered: true, to: 'REC1' })
    expect(world.messages).toEqual([{ to: 'REC1', body: 'approved', correction: false }])
    expect(world.audit_log).toMatchObject([{ kind: 'message', tool: 'notify_user' }])
  })

  it('send_message records corrections as such', () => {
    const world = freshWorld()
    builtinTools.send_message(world, { to: 'ada', body: 'hello' })
    builtinTools.send_message(world, { to: 'ada', body: 'disregard', correction: true })
    expect(world.messages).toEqual([
      { to: 'ada', body: 'hello', correction: false },
      { to: 'ada', body: 'disregard', correction: true },
    ])
    expect(world.audit_log.map((entry) => entry.kind)).toEqual(['message', 'correction'])
  })

  it('create_ticket numbers tickets', () => {
    const world = freshWorld()
    expect(result(builtinTools.create_ticket(world, { reason: 'auth_denied' }))).toEqual({ ticket: 'TCK-1' })
    expect(result(builtinTools.create_ticket(world, {}))).toEqual({ ticket: 'TCK-2' })
    expect(world.audit_log[1]).toMatchObject({ kind: 'ticket', detail: { ticket: 'TCK-2', reason: 'unspecified', severity: 'normal' } })
  })

  it('commit records the commit', () => {
    const world = freshWorld()
    builtinTools.commit(world, { record_id: 'REC1' })
    builtinTools.commit(world, {})
    expect(world.committed).toEqual(['REC1', 'transaction'])
  })

  describe('lock_inventory / unlock_inventory', () => {
    it('takes stock and gives it back', () => {
      const world = freshWorld()
      expect(result(builtinTools.lock_inventory(world, { item_id: 'widget', qty: 5 }))).toEqual({ item_id: 'widget', locked: 5, remaining: 7 })
      expect(result(builtinTools.unlock_inventory(world, { item_id: 'widget', qty: 5 }))).toMatchObject({ remaining: 12 })
      expect(world.inventory['widget']).toBe(12)
    })

    it('refuses more than the stock (409), an unknown item (404) and a bad quantity (400), without writing', () => {
      const world = freshWorld()
      const tooMany = builtinTools.lock_inventory(world, { item_id: 'widget', qty: 13 })
      expect(tooMany.status).toBe(409)
      expect(errorCode(tooMany)).toBe('insufficient_stock')
      expect(builtinTools.lock_inventory(world, { item_id: 'gadget', qty: 1 }).status).toBe(404)
      expect(builtinTools.lock_inventory(world, { item_id: 'widget', qty: 0 }).status).toBe(400)
      expect(builtinTools.lock_inventory(world, { item_id: 'widget', qty: '2' }).status).toBe(400)
      expect(builtinTools.unlock_inventory(world, { item_id: 'widget', qty: -1 }).status).toBe(400)
      expect(world.inventory['widget']).toBe(12)
      expect(world.audit_log).toEqual([])
    })
  })

  describe('process_payment / refund_payment', () => {
    it('charges, marks the record paid, and numbers payments', () => {
      const world = freshWorld()
      expect(result(builtinTools.process_payment(world, { order_id: 'REC1', amount: 240 }))).toEqual({
        payment_id: 'PAY-1',
        order_id: 'REC1',
        amount: 240,
        status: 'charged',
      })
      expect(world.records['REC1']!['payment_status']).toBe('paid')
      builtinTools.process_payment(world, { order_id: 'REC1', amount: 240 })
      expect(world.payments.map((payment) => payment.id)).toEqual(['PAY-1', 'PAY-2'])
    })

    it('rejects a payment without an order or a positive amount', () => {
      const world = freshWorld()
      expect(builtinTools.process_payment(world, { amount: 1 }).status).toBe(400)
      expect(builtinTools.process_payment(world, { order_id: 'REC1', amount: 0 }).status).toBe(400)
      expect(world.payments).toEqual([])
    })

    it('refunds one charge at a time; the record is refunded once no charge is left', () => {
      const world = freshWorld()
      builtinTools.process_payment(world, { order_id: 'REC1', amount: 240 })
      builtinTools.process_payment(world, { order_id: 'REC1', amount: 240 })
      expect(result(builtinTools.refund_payment(world, { order_id: 'REC1' }))).toEqual({ payment_id: 'PAY-1', order_id: 'REC1', refunded: 240 })
      expect(world.records['REC1']!['payment_status']).toBe('paid')
      builtinTools.refund_payment(world, { order_id: 'REC1' })
      expect(world.records['REC1']!['payment_status']).toBe('refunded')
      expect(world.payments.map((payment) => payment.status)).toEqual(['refunded', 'refunded'])
    })

    it('answers 404 when there is nothing to refund', () => {
      expect(builtinTools.refund_payment(freshWorld(), { order_id: 'REC1' }).status).toBe(404)
      expect(builtinTools.refund_payment(freshWorld(), {}).status).toBe(400)
    })
  })
})

describe('ids that name Object.prototype keys', () => {
  const inherited = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__lookupGetter__', '__defineSetter__', 'valueOf']

  it.each(inherited)('an undeclared record or item %s is not found, and no built-in is touched', (id) => {
    const world = createWorld({ records: { REC1: { status: 'pending' } }, inventory: { widget: 3 } })
    const builtIns = Object.prototype as unknown as Record<string, unknown>
    const getter = builtIns['__lookupGetter__']
    expect(builtinTools.get_record(world, { record_id: id }).status).toBe(404)
    expect(builtinTools.update_record(world, { record_id: id, patch: { polluted: 'yes' } }).status).toBe(404)
    expect(builtinTools.lock_inventory(world, { item_id: id, qty: 1 }).status).toBe(404)
    expect(builtIns['__lookupGetter__']).toBe(getter)
    expect((getter as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it.each(inherited)('a declared record and item named %s work like any other', (id) => {
    const world = createWorld({ records: { [id]: { status: 'pending' } }, inventory: { [id]: 3 } })
    expect(result(builtinTools.get_record(world, { record_id: id }))).toEqual({ record_id: id, record: { status: 'pending' } })
    const updated = builtinTools.update_record(world, { record_id: id, patch: { status: 'approved' } })
    expect(updated.status).toBe(200)
    expect(world.records[id]!['status']).toBe('approved')
    expect(builtinTools.lock_inventory(world, { item_id: id, qty: 2 })).toMatchObject({ status: 200 })
    expect(world.inventory[id]).toBe(1)
    expect(builtinTools.process_payment(world, { order_id: id, amount: 5 }).status).toBe(200)
    expect(world.records[id]!['payment_status']).toBe('paid')
    expect(Object.prototype).not.toHaveProperty('status')
  })

  it('a patch with an own "__proto__" key writes a field, never a prototype', () => {
    const world = createWorld({ records: { REC1: { status: 'pending' } }, inventory: {} })
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    expect(builtinTools.update_record(world, { record_id: 'REC1', patch }).status).toBe(200)
    expect(Object.keys(world.records['REC1']!)).toEqual(['status', '__proto__'])
    expect((world.records['REC1'] as { polluted?: boolean }).polluted).toBeUndefined()
  })
})
