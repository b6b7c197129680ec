import { isMcpFaultType, isModelOnlyFaultType, type FaultType, type McpFaultType, type modelOnlyFaultTypes } from '../scenario/taxonomy.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { isLyingFault, type LyingFaultType } from './lying-faults.ts'

/**
 * What the caller sees of a fault, as data. The tool server turns it into an MSW response; keeping
 * it as data makes every wire form testable without a server.
 */
export type FaultWire =
  | { kind: 'http'; status: number; headers: Record<string, string>; body: unknown; latencyMs: number; write: 'none' | 'partial' }
  | { kind: 'network'; latencyMs: number }
  /** No answer: the call hangs for `latencyMs`, past any sane deadline. `applied`: the write happened. */
  | { kind: 'timeout'; latencyMs: number; applied: boolean }
  /** A 200 with the tool's own answer made false (see `applyLyingFault`); the tool runs unless SilentNoOp. */
  | { kind: 'lie'; type: LyingFaultType; latencyMs: number }

const errorBody = (code: string, message: string) => ({ ok: false, error: { code, message } })

const defaults: Readonly<Record<Exclude<FaultType, 'Timeout' | 'NetworkError' | McpFaultType | LyingFaultType | (typeof modelOnlyFaultTypes)[number]>, { status: number; headers?: Record<string, string>; body: unknown }>> = {
  HTTP_500: { status: 500, body: errorBody('internal_error', 'internal server error') },
  Unavailable: { status: 503, headers: { 'Retry-After': '1' }, body: errorBody('unavailable', 'service unavailable') },
  RateLimited: { status: 429, headers: { 'Retry-After': '2' }, body: errorBody('rate_limited', 'too many requests') },
  AuthDenied: { status: 401, body: errorBody('unauthorized', 'credentials rejected') },
  NotFound: { status: 404, body: errorBody('not_found', 'resource not found') },
  BadRequest: { status: 400, body: errorBody('bad_request', 'request failed validation') },
  PolicyRejected: { status: 403, body: errorBody('policy_rejected', 'action rejected by policy') },
  // A 200 whose body breaks the response contract: `result` must be an object.
  WrongData: { status: 200, body: { ok: true, result: 'ERR#0x00 payload truncated' } },
  Conflict: { status: 409, body: errorBody('conflict', 'the resource was modified concurrently') },
  StateCorruption: { status: 500, body: errorBody('internal_error', 'write failed midway') },
}

/** Latency of a hung call when the scenario does not set one: far beyond any per-attempt deadline. */
export const hangLatencyMs = 30_000

export function faultWire(fault: ResolvedFault, jitter: number): FaultWire {
  const extra = (fault.jitter_ms ?? 0) * jitter
  if (fault.type === 'Timeout') {
    return { kind: 'timeout', latencyMs: (fault.latency_ms ?? hangLatencyMs) + extra, applied: fault.applied === true }
  }
  const latencyMs = (fault.latency_ms ?? 0) + extra
  if (fault.type === 'NetworkError') return { kind: 'network', latencyMs }
  if (isLyingFault(fault.type)) return { kind: 'lie', type: fault.type, latencyMs }
  // The scenario schema lets MCP faults hit only tools of an MCP server, whose wire is src/runtime/mcp/.
  if (isMcpFaultType(fault.type)) return { kind: 'http', status: 502, headers: {}, body: errorBody('bad_gateway', `${fault.type} applies to MCP servers only`), latencyMs, write: 'none' }
  // The schema keeps model-only types off tools; a hand-built plan that does not still gets a 500.
  const base = isModelOnlyFaultType(fault.type) ? defaults.HTTP_500 : defaults[fault.type as keyof typeof defaults]
  return {
    kind: 'http',
    status: fault.status ?? base.status,
    headers: { ...base.headers, ...fault.headers },
    body: fault.body ?? base.body,
    latencyMs,
    write: fault.type === 'StateCorruption' ? 'partial' : 'none',
  }
}
