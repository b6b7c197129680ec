import type { ToolAnswer } from '../builtin-tools.ts'
import type { WorldState } from '../world.ts'

/**
 * Answer builders and argument readers for the domain tools. They mirror the private helpers of
 * `builtin-tools.ts` so every tool speaks the same `{ ok, result | error }` envelope; they live here
 * (not imported from there) because `builtin-tools.ts` imports the domains, and a cycle would leave
 * its helpers uninitialised while a domain module loads.
 */

export const ok = (result: Record<string, unknown>): ToolAnswer => ({ status: 200, body: { ok: true, result } })

export const fail = (status: number, code: string, message: string): ToolAnswer => ({
  status,
  body: { ok: false, error: { code, message } },
})

export const missing = (key: string): ToolAnswer => fail(400, 'bad_request', `missing or invalid argument "${key}"`)

export function text(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key]
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

export function positiveAmount(args: Record<string, unknown>, key: string): number | undefined {
  const value = args[key]
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}

export type Found = { id: string; record: Record<string, unknown> } | { answer: ToolAnswer }

/** The record named by `args[key]`, or the 400/404 answer that says why there is none. */
export function findRecord(world: WorldState, args: Record<string, unknown>, key: string, what: string): Found {
  const id = text(args, key)
  if (id === undefined) return { answer: missing(key) }
  const record = world.records[id]
  if (!record) return { answer: fail(404, 'not_found', `${what} ${id} does not exist`) }
  return { id, record }
}
