import { describe, expect, it } from 'vitest'
import { createRandom } from '../random.ts'
import { applyLyingFault, isIdentityKey, isLyingFault, lyingFaultTypes } from './lying-faults.ts'

const draws = (seed: number) => {
  const random = createRandom(seed)
  return () => random.next()
}

const order = { record_id: 'REC1', record: { status: 'approved', value: 240, payment_status: 'paid' } }

describe('applyLyingFault', () => {
  it('knows the five lying types and nothing else', () => {
    expect([...lyingFaultTypes].sort()).toEqual(['PlausibleWrong', 'SchemaDrift', 'SilentNoOp', 'StaleData', 'WrongEntity'])
    expect(isLyingFault('WrongData')).toBe(false)
    expect(isLyingFault('StaleData')).toBe(true)
  })

  it('StaleData answers the earlier state, and cannot lie without one', () => {
    const earlier = { record_id: 'REC1', record: { status: 'pending', value: 240, payment_status: 'unpaid' } }
    expect(applyLyingFault('StaleData', order, { random: draws(1), earlier })).toEqual({ lied: true, value: earlier, change: 'answered an earlier state', skipWrite: false })
    expect(applyLyingFault('StaleData', order, { random: draws(1) })).toMatchObject({ lied: false, value: order })
    expect(applyLyingFault('StaleData', order, { random: draws(1), earlier: order })).toMatchObject({ lied: false })
  })

  it("WrongEntity answers another entity's data under the requested ids", () => {
    const other = { record_id: 'REC9', record: { status: 'pending', value: 77, payment_status: 'unpaid' } }
    const outcome = applyLyingFault('WrongEntity', order, { random: draws(1), other })
    expect(outcome).toMatchObject({ lied: true, value: { record_id: 'REC1', record: other.record } })
    expect(applyLyingFault('WrongEntity', order, { random: draws(1) })).toMatchObject({ lied: false })
  })

  it('SilentNoOp acknowledges unchanged and tells the caller not to write', () => {
    expect(applyLyingFault('SilentNoOp', { ok: 1 }, { random: draws(1) })).toEqual({ lied: true, value: { ok: 1 }, change: 'write acknowledged, not applied', skipWrite: true })
  })

  it('PlausibleWrong shifts every numeric field by 5-25%, seeded, and leaves ids alone', () => {
    const result = { payment_id: 7, amount: 240, fee: 2.5, nested: { qty: 1 }, status: 'charged' }
    const first = applyLyingFault('PlausibleWrong', result, { random: draws(42) })
    expect(first).toEqual(applyLyingFault('PlausibleWrong', result, { random: draws(42) }))
    if (!first.lied) throw new Error('expected a lie')
    const lie = first.value as typeof result
    expect(lie.payment_id).toBe(7)
    expect(lie.status).toBe('charged')
    expect(lie.amount).not.toBe(240)
    expect(Math.abs(lie.amount - 240) / 240).toBeGreaterThanOrEqual(0.04)
    expect(Math.abs(lie.amount - 240) / 240).toBeLessThanOrEqual(0.26)
    expect(Number.isInteger(lie.amount)).toBe(true)
    expect(lie.nested.qty).not.toBe(1) // a small integer still moves
    expect(lie.fee).not.toBe(2.5)
    expect(result.amount).toBe(240) // the input is not modified
    expect(applyLyingFault('PlausibleWrong', { status: 'x' }, { random: draws(1) })).toMatchObject({ lied: false })
  })

  it('SchemaDrift renames or retypes exactly one field, seeded', () => {
    const kinds = new Set<string>()
    for (let seed = 0; seed < 40; seed++) {
      const outcome = applyLyingFault('SchemaDrift', order, { random: draws(seed) })
      if (!outcome.lied) throw new Error('expected a lie')
      const record = (outcome.value as typeof order).record as Record<string, unknown>
      const renamed = Object.keys(record).length === 3 && !Object.keys(record).every((key) => key in order.record)
      const retyped = Object.keys(order.record).some((key) => key in record && typeof record[key] !== typeof (order.record as Record<string, unknown>)[key])
      expect(renamed !== retyped, outcome.change).toBe(true)
      expect((outcome.value as typeof order).record_id).toBe('REC1')
      kinds.add(outcome.change.split(' ')[0]!)
    }
    expect([...kinds].sort()).toEqual(['renamed', 'retyped'])
  })

  it('treats id, *_id and *Id as identity keys', () => {
    expect(['id', 'record_id', 'orderId'].every(isIdentityKey)).toBe(true)
    expect(isIdentityKey('value')).toBe(false)
  })
})
