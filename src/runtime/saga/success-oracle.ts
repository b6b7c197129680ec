import timers from 'node:timers'
import { interpolateEnv } from '../http/env-interpolation.ts'
import type { TraceSink } from '../executor/trace-events.ts'
import type { SuccessSpec } from '../scenario/schema.ts'
import type { WorldState } from '../tools/world.ts'

const realTimers = { setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout }

/**
 * The origin the success check calls, which its task must be allowed to reach. An unset variable
 * or a bad URL opens nothing: the check itself then fails, inside the task, with the reason.
 */
export function successCheckOrigins(success: SuccessSpec | undefined): string[] {
  const url = success?.http?.url
  if (!url) return []
  try {
    return [new URL(interpolateEnv(url)).origin]
  } catch {
    return []
  }
}

export type SuccessVerdict = { ok: true } | { ok: false; why: string }

/** How a task that reached the end of its work ends, by the success oracle's word. */
export type JudgedEnding =
  | { outcome: 'completed'; reason: 'success' }
  | { outcome: 'failed'; reason: 'success_oracle_rejected' | 'success_oracle_error' }

/**
 * Asks the success oracle and writes what it said to the trace: its verdict, or, when the check
 * cannot be made at all, the error. An oracle that cannot judge has not said the task succeeded.
 */
export async function judgeTask(success: SuccessSpec | undefined, world: WorldState, trace: TraceSink, now: () => number): Promise<JudgedEnding> {
  let verdict: SuccessVerdict
  try {
    verdict = await judgeSuccess(success, world)
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    trace.emit({ type: 'task:error', where: 'success_oracle', message, at: now() })
    return { outcome: 'failed', reason: 'success_oracle_error' }
  }
  trace.emit({ type: 'oracle:verdict', ok: verdict.ok, why: verdict.ok ? null : verdict.why, at: now() })
  return verdict.ok ? { outcome: 'completed', reason: 'success' } : { outcome: 'failed', reason: 'success_oracle_rejected' }
}

/** True when `actual` contains everything in `expected` (objects by key, arrays element-wise). */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return Object.is(actual, expected)
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && expected.length <= actual.length && expected.every((item, index) => containsSubset(actual[index], item))
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
  return Object.entries(expected).every(([key, value]) => containsSubset((actual as Record<string, unknown>)[key], value))
}

/**
 * The success oracle: the record has the required status in the built-in world, or a real
 * service answers the check request with the required status and a body containing `json`.
 * Without a spec, reaching the end of the workflow is success.
 */
export async function judgeSuccess(success: SuccessSpec | undefined, world: WorldState): Promise<SuccessVerdict> {
  if (!success) return { ok: true }
  if (success.http) {
    const check = success.http
    // An unset variable throws here, outside the try: a check that cannot be made is an error of
    // the oracle, not a service that said no.
    const url = interpolateEnv(check.url)
    const headers = Object.fromEntries(Object.entries(check.headers ?? {}).map(([key, value]) => [key, interpolateEnv(value)]))
    // A real timer held by this frame (not AbortSignal.timeout, which a collection can take away
    // while the request waits), cleared once the body is read.
    const controller = new AbortController()
    const timeoutMs = check.timeout_ms ?? 10_000
    const deadline = realTimers.setTimeout(
      () => controller.abort(new DOMException(`no answer within timeout_ms (${timeoutMs} ms)`, 'TimeoutError')),
      timeoutMs,
    )
    try {
      let response: Response
      try {
        response = await fetch(url, { method: check.method, headers, signal: controller.signal })
      } catch (error) {
        return { ok: false, why: `success check request failed: ${error instanceof Error ? error.message : String(error)}` }
      }
      const expectedStatus = check.status ?? 200
      if (response.status !== expectedStatus) return { ok: false, why: `success check answered ${response.status}, expected ${expectedStatus}` }
      if (check.json === undefined) return { ok: true }
      const body: unknown = await response.json().catch(() => undefined)
      return containsSubset(body, check.json) ? { ok: true } : { ok: false, why: 'success check body does not contain the expected JSON' }
    } finally {
      realTimers.clearTimeout(deadline)
    }
  }
  const record = success.record === undefined ? undefined : world.records[success.record]
  if (record?.['status'] === success.status && success.charged !== undefined) {
    const charged = world.payments.filter((payment) => payment.order_id === success.record && payment.status === 'charged').reduce((sum, payment) => sum + payment.amount, 0)
    if (charged !== success.charged) return { ok: false, why: `record ${success.record} was charged ${charged}, expected ${success.charged}` }
  }
  if (record?.['status'] === success.status) return { ok: true }
  return { ok: false, why: `record ${success.record} has status ${String(record?.['status'])}, expected ${success.status}` }
}
