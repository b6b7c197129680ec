import { describe, expect, it, test } from 'vitest'
import type { TaskWorld } from '../scenario/task-spec.ts'
import { appendAudit, cloneData, createWorld, restoreWorld, snapshotWorld, stableStringify, worldHash } from './world.ts'

const initial = (): TaskWorld => ({
  records: { REC1: { status: 'pending', value: 240, tags: ['a'] } },
  inventory: { widget: 12 },
})

describe('createWorld', () => {
  it('copies the initial world deeply: writes never leak back into the task spec', () => {
    const spec = initial()
    const world = createWorld(spec)
    world.records['REC1']!['status'] = 'approved'
    ;(world.records['REC1']!['tags'] as string[]).push('b')
    world.inventory['widget'] = 0
    expect(spec).toEqual(initial())
    expect(world).toMatchObject({ payments: [], messages: [], committed: [], audit_log: [], idempotency: {} })
  })
})

describe('appendAudit', () => {
  it('numbers entries from 0 without gaps', () => {
    const world = createWorld(initial())
    appendAudit(world, 'write', 'update_record', { record_id: 'REC1' })
    appendAudit(world, 'rollback', 'rollback')
    expect(world.audit_log).toEqual([
      { seq: 0, kind: 'write', tool: 'update_record', detail: { record_id: 'REC1' } },
      { seq: 1, kind: 'rollback', tool: 'rollback', detail: {} },
    ])
  })
})

describe('snapshotWorld / restoreWorld', () => {
  it('restores business state and the idempotency store, but keeps the audit log and sent messages', () => {
    const world = createWorld(initial())
    const snapshot = snapshotWorld(world)
    world.records['REC1']!['status'] = 'approved'
    world.inventory['widget'] = 3
    world.payments.push({ id: 'PAY-1', order_id: 'REC1', amount: 240, status: 'charged' })
    world.committed.push('REC1')
    world.idempotency['key'] = { status: 200, body: {} }
    world.messages.push({ to: 'REC1', body: 'hi', correction: false })
    appendAudit(world, 'write', 'update_record')
    restoreWorld(world, snapshot)
    expect(world.records).toEqual(initial().records)
    expect(world.inventory).toEqual({ widget: 12 })
    expect(world.payments).toEqual([])
    expect(world.committed).toEqual([])
    expect(world.idempotency).toEqual({})
    expect(world.messages).toHaveLength(1)
    expect(world.audit_log).toHaveLength(1)
  })

  it('a snapshot is not changed by later writes, and can be restored twice', () => {
    const world = createWorld(initial())
    const snapshot = snapshotWorld(world)
    restoreWorld(world, snapshot)
    world.records['REC1']!['status'] = 'approved'
    restoreWorld(world, snapshot)
    expect(world.records['REC1']!['status']).toBe('pending')
  })
})

describe('worldHash', () => {
  it('is an 8-digit hex string, stable for equal worlds whatever the key order', () => {
    const a = createWorld({ records: { A: { x: 1, y: 2 }, B: {} }, inventory: { p: 1, q: 2 } })
    const b = createWorld({ records: { B: {}, A: { y: 2, x: 1 } }, inventory: { q: 2, p: 1 } })
    expect(worldHash(a)).toMatch(/^[0-9a-f]{8}$/)
    expect(worldHash(a)).toBe(worldHash(b))
  })

  it('changes on every kind of business write', () => {
    const base = worldHash(createWorld(initial()))
    const writes: ((world: ReturnType<typeof createWorld>) => void)[] = [
      (world) => void (world.records['REC1']!['status'] = 'approved'),
      (world) => void (world.records['REC2'] = {}),
      (world) => void (world.inventory['widget'] = 11),
      (world) => void world.payments.push({ id: 'PAY-1', order_id: 'REC1', amount: 1, status: 'charged' }),
      (world) => void world.committed.push('REC1'),
    ]
    for (const write of writes) {
      const world = createWorld(initial())
      write(world)
      expect(worldHash(world), write.toString()).not.toBe(base)
    }
  })

  it('ignores the audit log and the idempotency store', () => {
    const world = createWorld(initial())
    const before = worldHash(world)
    appendAudit(world, 'audit', 'write_audit')
    world.idempotency['k'] = { status: 200, body: null }
    expect(worldHash(world)).toBe(before)
  })
})

describe('stableStringify', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(stableStringify({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}')
    expect(stableStringify([3, 1])).toBe('[3,1]')
    expect(stableStringify(undefined)).toBe('null')
  })
})

describe('cloneData', () => {
  test('copies plain data deeply: changing the copy leaves the original alone', () => {
    const original = { records: { REC1: { status: 'pending', tags: ['a', { deep: 1 }], note: null, paid: false } }, inventory: { widget: 3 } }
    const copy = cloneData(original)
    expect(copy).toEqual(original)
    ;(copy.records.REC1.tags[1] as { deep: number }).deep = 2
    copy.records.REC1.status = 'done'
    expect(original.records.REC1).toEqual({ status: 'pending', tags: ['a', { deep: 1 }], note: null, paid: false })
  })

  test('an own "__proto__" key stays a key and never becomes the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "id": "x"}') as Record<string, unknown>
    const copy = cloneData(parsed)
    expect(Object.getPrototypeOf(copy)).toBe(null)
    expect(Object.keys(copy)).toEqual(['__proto__', 'id'])
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined()
  })
})
