/**
 * Tools that lie: a 200 whose JSON is wrong in a way no status code or contract check shows. One
 * pure function turns a true tool result into the lie, so the built-in tool service, in-process
 * tools (`awrr/tools`) and MCP tools lie the same way, from the same seeded draws.
 */

export const lyingFaultTypes = ['StaleData', 'WrongEntity', 'SilentNoOp', 'PlausibleWrong', 'SchemaDrift'] as const
export type LyingFaultType = (typeof lyingFaultTypes)[number]

export function isLyingFault(type: string): type is LyingFaultType {
  return (lyingFaultTypes as readonly string[]).includes(type)
}

export interface LieContext {
  /** The fault's own seeded draws, in [0, 1). */
  random: () => number
  /** StaleData: the result as it was before the task's last write (the earlier state). */
  earlier?: unknown
  /** WrongEntity: another entity's result, whose data is answered under the requested ids. */
  other?: unknown
}

/**
 * What became of the result. `lied: false` when the lie had nothing to work on (no earlier state,
 * no other entity, no numeric field): the caller then answers the truth, and the ground truth says
 * the fault was injected but did not change the answer. `skipWrite`: SilentNoOp, the caller must
 * not apply the write and answer `value` as the acknowledgement.
 */
export type LieOutcome =
  | { lied: true; value: unknown; change: string; skipWrite: boolean }
  | { lied: false; value: unknown; why: string; skipWrite: boolean }

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Keys that say which entity a result is about: they stay as asked for. */
export function isIdentityKey(key: string): boolean {
  return key === 'id' || key.endsWith('_id') || key.endsWith('Id')
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T)
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Paths to every leaf under `value`, in key order, skipping identity keys. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leafPaths(item, [...prefix, String(index)]))
  if (!isObject(value)) return prefix.length === 0 ? [] : [prefix]
  return Object.keys(value)
    .sort()
    .filter((key) => !isIdentityKey(key))
    .flatMap((key) => leafPaths(value[key], [...prefix, key]))
}

function getAt(value: unknown, path: readonly string[]): unknown {
  let current = value
  for (const key of path) current = isObject(current) || Array.isArray(current) ? (current as Record<string, unknown>)[key] : undefined
  return current
}

function parentOf(value: unknown, path: readonly string[]): Record<string, unknown> | unknown[] {
  return getAt(value, path.slice(0, -1)) as Record<string, unknown> | unknown[]
}

/** A factor in [0.75, 0.95] or [1.05, 1.25]: off by enough to matter, close enough to pass. */
function plausibleShift(number: number, draw: number): number {
  const magnitude = 0.05 + 0.2 * ((draw * 2) % 1)
  const shifted = number * (draw < 0.5 ? 1 - magnitude : 1 + magnitude)
  if (!Number.isInteger(number)) return Math.round(shifted * 100) / 100
  const rounded = Math.round(shifted)
  // A small integer rounds back to itself: move it by one, away from zero where it can go.
  if (rounded !== number) return rounded
  return draw < 0.5 && number > 0 ? number - 1 : number + 1
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase())
}

function retyped(value: unknown): unknown {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'string') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : { value }
  return JSON.stringify(value)
}

/** Other's data under value's identity keys, recursively: "another record under the requested id". */
function underIdentity(value: unknown, other: unknown): unknown {
  if (!isObject(value) || !isObject(other)) return clone(other)
  const result: Record<string, unknown> = {}
  for (const key of Object.keys(other)) result[key] = isIdentityKey(key) && key in value ? clone(value[key]) : underIdentity(value[key], other[key])
  for (const key of Object.keys(value)) if (isIdentityKey(key) && !(key in result)) result[key] = clone(value[key])
  return result
}

/**
 * Applies a lying fault to a tool's JSON result (the `result` of the built-in envelope, or what an
 * in-process or MCP tool returned). Pure: the same type, value, draws and context give the same
 * lie. `value` is never modified.
 *
 * - StaleData: `context.earlier` (the result as of before the task's last write).
 * - WrongEntity: `context.other`'s data, with `value`'s identity keys (`id`, `*_id`, `*Id`).
 * - SilentNoOp: `value` unchanged, `skipWrite: true` (the caller acknowledges and does not write).
 * - PlausibleWrong: every numeric leaf outside identity keys shifted by 5-25%, seeded.
 * - SchemaDrift: one leaf (seeded) renamed (`snake_case` -> `camelCase`, else `<key>_v2`) or retyped.
 */
export function applyLyingFault(type: LyingFaultType, value: unknown, context: LieContext): LieOutcome {
  switch (type) {
    case 'SilentNoOp':
      return { lied: true, value: clone(value), change: 'write acknowledged, not applied', skipWrite: true }
    case 'StaleData':
      if (context.earlier === undefined) return { lied: false, value: clone(value), why: 'no earlier state to answer with', skipWrite: false }
      if (sameJson(context.earlier, value)) return { lied: false, value: clone(value), why: 'the earlier state equals the current one', skipWrite: false }
      return { lied: true, value: clone(context.earlier), change: 'answered an earlier state', skipWrite: false }
    case 'WrongEntity': {
      if (context.other === undefined) return { lied: false, value: clone(value), why: 'no other entity to answer with', skipWrite: false }
      const wrong = underIdentity(value, context.other)
      if (sameJson(wrong, value)) return { lied: false, value: clone(value), why: 'the other entity has the same data', skipWrite: false }
      return { lied: true, value: wrong, change: "answered another entity's data", skipWrite: false }
    }
    case 'PlausibleWrong': {
      const lie = clone(value)
      const numeric = leafPaths(lie).filter((path) => typeof getAt(lie, path) === 'number' && Number.isFinite(getAt(lie, path)))
      if (numeric.length === 0) return { lied: false, value: lie, why: 'no numeric field to shift', skipWrite: false }
      for (const path of numeric) {
        const parent = parentOf(lie, path) as Record<string, unknown>
        const key = path[path.length - 1]!
        parent[key] = plausibleShift(parent[key] as number, context.random())
      }
      return { lied: true, value: lie, change: `shifted ${numeric.map((path) => path.join('.')).join(', ')}`, skipWrite: false }
    }
    case 'SchemaDrift': {
      const lie = clone(value)
      const leaves = leafPaths(lie).filter((path) => !Array.isArray(parentOf(lie, path)))
      if (leaves.length === 0) return { lied: false, value: lie, why: 'no field to drift', skipWrite: false }
      const path = leaves[Math.min(leaves.length - 1, Math.floor(context.random() * leaves.length))]!
      const parent = parentOf(lie, path) as Record<string, unknown>
      const key = path[path.length - 1]!
      if (context.random() < 0.5) {
        const renamed = camelCase(key) !== key ? camelCase(key) : `${key}_v2`
        const entries = Object.entries(parent).map(([name, item]): [string, unknown] => [name === key ? renamed : name, item])
        for (const name of Object.keys(parent)) delete parent[name]
        Object.assign(parent, Object.fromEntries(entries))
        return { lied: true, value: lie, change: `renamed ${path.join('.')} to ${renamed}`, skipWrite: false }
      }
      parent[key] = retyped(parent[key])
      return { lied: true, value: lie, change: `retyped ${path.join('.')} (${typeof getAt(value, path)} -> ${Array.isArray(parent[key]) ? 'array' : typeof parent[key]})`, skipWrite: false }
    }
  }
}
