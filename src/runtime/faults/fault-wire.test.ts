import { describe, expect, it } from 'vitest'
import { faultTypes, mcpFaultTypes, modelOnlyFaultTypes, type FaultType } from '../scenario/schema.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { faultWire, hangLatencyMs } from './fault-wire.ts'
import { lyingFaultTypes } from './lying-faults.ts'

const fault = (type: FaultType, fields: Partial<ResolvedFault> = {}): ResolvedFault => ({
  id: 'F0',
  type,
  mode: 'once',
  prob: 1,
  step: 0,
  ...fields,
})

/** The DESIGN.md table: type -> status and error code the caller sees. */
const httpForms: [FaultType, number, string | null][] = [
  ['HTTP_500', 500, 'internal_error'],
  ['Unavailable', 503, 'unavailable'],
  ['RateLimited', 429, 'rate_limited'],
  ['AuthDenied', 401, 'unauthorized'],
  ['NotFound', 404, 'not_found'],
  ['BadRequest', 400, 'bad_request'],
  ['PolicyRejected', 403, 'policy_rejected'],
  ['WrongData', 200, null],
  ['Conflict', 409, 'conflict'],
  ['StateCorruption', 500, 'internal_error'],
]

describe('faultWire', () => {
  it('covers every fault type of the schema', () => {
    // MCP faults have their own wire: src/runtime/mcp/mcp-fault-wire.test.ts covers them.
    const covered = new Set<FaultType>([...httpForms.map(([type]) => type), 'Timeout', 'NetworkError', ...mcpFaultTypes, ...lyingFaultTypes, ...modelOnlyFaultTypes])
    expect([...covered].sort()).toEqual([...faultTypes].sort())
  })

  it.each(httpForms)('%s answers %i with its error code and no latency of its own', (type, status, code) => {
    const wire = faultWire(fault(type), 0.5)
    expect(wire).toMatchObject({ kind: 'http', status, latencyMs: 0 })
    if (wire.kind !== 'http') return
    if (code === null) return
    expect(wire.body).toEqual({ ok: false, error: { code, message: expect.any(String) } })
  })

  it('puts Retry-After on 429 and 503 only', () => {
    for (const [type] of httpForms) {
      const wire = faultWire(fault(type), 0)
      if (wire.kind !== 'http') throw new Error(`${type} is not an http fault`)
      const expected = type === 'RateLimited' || type === 'Unavailable'
      expect('Retry-After' in wire.headers, type).toBe(expected)
      if (expected) expect(Number(wire.headers['Retry-After']), type).toBeGreaterThan(0)
    }
  })

  it('WrongData is a 200 whose body breaks the contract (result is not an object)', () => {
    const wire = faultWire(fault('WrongData'), 0)
    if (wire.kind !== 'http') throw new Error('WrongData is not an http fault')
    const body = wire.body as { ok?: unknown; result?: unknown }
    expect(body.ok).toBe(true)
    expect(typeof body.result === 'object' && body.result !== null).toBe(false)
  })

  it('StateCorruption writes partially; no other http fault writes', () => {
    for (const [type] of httpForms) {
      const wire = faultWire(fault(type), 0)
      expect(wire.kind === 'http' && wire.write, type).toBe(type === 'StateCorruption' ? 'partial' : 'none')
    }
  })

  it.each(lyingFaultTypes)('%s is a lie: the tool answers, then its answer is rewritten', (type) => {
    expect(faultWire(fault(type, { latency_ms: 20 }), 0)).toEqual({ kind: 'lie', type, latencyMs: 20 })
  })

  it('NetworkError is a connection reset, optionally after a latency', () => {
    expect(faultWire(fault('NetworkError'), 0.3)).toEqual({ kind: 'network', latencyMs: 0 })
    expect(faultWire(fault('NetworkError', { latency_ms: 250 }), 0)).toEqual({ kind: 'network', latencyMs: 250 })
  })

  it('Timeout hangs far past any deadline by default, and is not applied unless told', () => {
    expect(faultWire(fault('Timeout'), 0)).toEqual({ kind: 'timeout', latencyMs: hangLatencyMs, applied: false })
    expect(hangLatencyMs).toBeGreaterThan(5_000)
    expect(faultWire(fault('Timeout', { applied: true }), 0)).toMatchObject({ kind: 'timeout', applied: true })
    expect(faultWire(fault('Timeout', { latency_ms: 1_200 }), 0)).toMatchObject({ latencyMs: 1_200 })
  })

  it('adds jitter_ms scaled by the jitter draw', () => {
    expect(faultWire(fault('HTTP_500', { latency_ms: 100, jitter_ms: 40 }), 0.25)).toMatchObject({ latencyMs: 110 })
    expect(faultWire(fault('Timeout', { latency_ms: 100, jitter_ms: 40 }), 0.5)).toMatchObject({ latencyMs: 120 })
    expect(faultWire(fault('NetworkError', { jitter_ms: 40 }), 1)).toMatchObject({ latencyMs: 40 })
  })

  it('lets a scenario override status, headers (merged over the defaults), body and latency', () => {
    const wire = faultWire(
      fault('RateLimited', { status: 418, headers: { 'Retry-After': '9', 'x-quota': '0' }, body: { custom: true }, latency_ms: 75 }),
      0,
    )
    expect(wire).toEqual({
      kind: 'http',
      status: 418,
      headers: { 'Retry-After': '9', 'x-quota': '0' },
      body: { custom: true },
      latencyMs: 75,
      write: 'none',
    })
    const extraHeader = faultWire(fault('Unavailable', { headers: { 'x-trace': 'abc' } }), 0)
    expect(extraHeader.kind === 'http' && extraHeader.headers).toEqual({ 'Retry-After': '1', 'x-trace': 'abc' })
  })

  it('does not share header objects between calls', () => {
    const first = faultWire(fault('RateLimited'), 0)
    if (first.kind !== 'http') throw new Error('RateLimited is not an http fault')
    first.headers['Retry-After'] = 'mutated'
    const second = faultWire(fault('RateLimited'), 0)
    expect(second.kind === 'http' && second.headers['Retry-After']).toBe('2')
  })
})
