import type { TaskWorld } from '../scenario/task-spec.ts'

export interface Payment {
  id: string
  order_id: string
  amount: number
  status: 'charged' | 'refunded'
}

export interface AuditEntry {
  seq: number
  kind: string
  tool: string
  detail: Record<string, unknown>
}

export interface StoredAnswer {
  status: number
  body: unknown
}

/**
 * The built-in tool service's state for one task. Everything a rollback restores lives here,
 * including the idempotency store: a restored world must forget the writes it no longer holds.
 */
export interface WorldState {
  records: Record<string, Record<string, unknown>>
  inventory: Record<string, number>
  payments: Payment[]
  messages: { to: string; body: string; correction: boolean }[]
  committed: string[]
  audit_log: AuditEntry[]
  idempotency: Record<string, StoredAnswer>
}

/**
 * A deep copy of plain data, with null-prototype objects (what YAML and JSON give: objects, arrays, strings, numbers, booleans,
 * null). The world is only ever such data, and this is some ten times faster than `structuredClone`
 * on the small objects it is made of, which mattered: the world is copied after every write.
 */
export function cloneData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(cloneData) as T
  // Null-prototype: a lookup by any id ("constructor", "__lookupGetter__") sees own keys only, and an
  // own "__proto__" key (JSON.parse makes them) stays a key instead of becoming the prototype.
  const copy: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(value)) copy[key] = cloneData((value as Record<string, unknown>)[key])
  return copy as T
}

export function createWorld(initial: TaskWorld): WorldState {
  return {
    records: cloneData(initial.records),
    inventory: cloneData(initial.inventory),
    payments: [],
    messages: [],
    committed: [],
    audit_log: [],
    idempotency: Object.create(null) as Record<string, StoredAnswer>,
  }
}

/** What a rollback restores. The audit log and sent messages are append-only facts and stay. */
export type WorldSnapshot = Pick<WorldState, 'records' | 'inventory' | 'payments' | 'committed' | 'idempotency'>

export function snapshotWorld(world: WorldState): WorldSnapshot {
  return cloneData({
    records: world.records,
    inventory: world.inventory,
    payments: world.payments,
    committed: world.committed,
    idempotency: world.idempotency,
  })
}

export function restoreWorld(world: WorldState, snapshot: WorldSnapshot): void {
  Object.assign(world, cloneData(snapshot))
}

export function appendAudit(world: WorldState, kind: string, tool: string, detail: Record<string, unknown> = {}): void {
  const seq = world.audit_log.length === 0 ? 0 : world.audit_log[world.audit_log.length - 1]!.seq + 1
  world.audit_log.push({ seq, kind, tool, detail })
}

/**
 * A short, stable fingerprint of what the business state is (records, inventory, payments, commits).
 * Clients see it in the `X-World-Hash` header; the audit log and idempotency store are left out so
 * that a read does not change the hash.
 */
export function worldHash(world: WorldState): string {
  const text = stableStringify([world.records, world.inventory, world.payments, world.committed])
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`).join(',')}}`
}
