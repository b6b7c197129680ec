/**
 * Verdicts on how a client behaved under faults, from the calls it made and what each one got: did
 * it wait as long as Retry-After asked, repeat a write after an ambiguous failure without its
 * Idempotency-Key, apply a write twice, retry without backing off, or leave a call open past the
 * attempt limit. Pure, over the call records every task keeps (the executor's and an agent's
 * alike), so every strategy and agent is judged by the same rules.
 */

/** What a verdict needs of one call (a subset of the task environment's call record). */
export interface JudgedCall {
  call: number
  /** Where the call went: a retry repeats the previous call's target, step and purpose. */
  target: string
  step: number | undefined
  purpose: string
  /** Virtual ms since the task began, when the call was made, and how long it took. */
  at: number
  latencyMs?: number | undefined
  status: number | null
  result: 'ok' | 'http_error' | 'timeout' | 'network' | 'pending'
  sideEffect: boolean
  idempotencyKey?: string | undefined
  retryAfterMs?: number | undefined
  /** The write was applied a second time (seen by the tool service). */
  duplicate?: boolean | undefined
  /** The client itself gave up on the call (its own deadline or signal). */
  clientAborted?: boolean | undefined
}

/** One verdict: how many calls offended, and the first of them (call indices, bounded). */
export interface VerdictCount {
  count: number
  calls: number[]
}

export interface ClientVerdicts {
  /** Retries after a 429 or 503 that carried Retry-After: how many, and how many waited long enough. */
  retryAfter: { eligible: number; honoured: number; calls: number[] }
  unsafeRetries: VerdictCount
  duplicateSideEffects: VerdictCount
  hotLoops: VerdictCount
  ignoredDeadlines: VerdictCount
}

export interface VerdictOptions {
  /** The per-attempt limit a call must not run past. */
  attemptTimeoutMs: number
  /** A retry that waited less than this after the previous answer did not back off. @default 1 */
  hotLoopGapMs?: number
  /** Offending call indices kept per verdict (task summaries stay small). @default 10 */
  maxListed?: number
}

const isAmbiguous = (call: JudgedCall): boolean =>
  call.result === 'timeout' || call.result === 'network' || (call.status !== null && call.status >= 500)

/** Calls of one task, in call order, judged. */
export function judgeClient(calls: readonly JudgedCall[], options: VerdictOptions): ClientVerdicts {
  const gap = options.hotLoopGapMs ?? 1
  const max = options.maxListed ?? 10
  const verdicts: ClientVerdicts = {
    retryAfter: { eligible: 0, honoured: 0, calls: [] },
    unsafeRetries: { count: 0, calls: [] },
    duplicateSideEffects: { count: 0, calls: [] },
    hotLoops: { count: 0, calls: [] },
    ignoredDeadlines: { count: 0, calls: [] },
  }
  const offend = (verdict: { count?: number; calls: number[] }, call: number) => {
    if (verdict.count !== undefined) verdict.count++
    if (verdict.calls.length < max) verdict.calls.push(call)
  }
  const last = new Map<string, JudgedCall>()
  for (const call of [...calls].sort((a, b) => a.call - b.call)) {
    const key = `${call.purpose}\u0000${call.step ?? ''}\u0000${call.target}`
    const previous = last.get(key)
    last.set(key, call)
    if (call.duplicate) offend(verdicts.duplicateSideEffects, call.call)
    if (call.latencyMs !== undefined && call.latencyMs >= options.attemptTimeoutMs && !call.clientAborted) offend(verdicts.ignoredDeadlines, call.call)
    if (!previous || previous.result === 'ok' || previous.result === 'pending') continue
    // A retry: the same call again after it failed.
    const waited = call.at - (previous.at + (previous.latencyMs ?? 0))
    if (waited < gap) offend(verdicts.hotLoops, call.call)
    if ((previous.status === 429 || previous.status === 503) && previous.retryAfterMs !== undefined) {
      verdicts.retryAfter.eligible++
      if (waited >= previous.retryAfterMs) verdicts.retryAfter.honoured++
      else if (verdicts.retryAfter.calls.length < max) verdicts.retryAfter.calls.push(call.call)
    }
    if (call.sideEffect && isAmbiguous(previous) && (call.idempotencyKey === undefined || call.idempotencyKey !== previous.idempotencyKey)) {
      offend(verdicts.unsafeRetries, call.call)
    }
  }
  return verdicts
}

/** A lying answer the task accepted, followed by a side-effecting step: the task acted on bad data. */
export function actedOnBadData(
  calls: readonly { call: number; purpose: string; sideEffect: boolean; result: string; lie?: string | undefined }[],
  detected: ReadonlySet<number>,
): { received: number; detected: number; acted: boolean } {
  const lies = calls.filter((call) => call.lie !== undefined)
  const accepted = lies.filter((call) => call.result === 'ok' && !detected.has(call.call))
  const firstAccepted = Math.min(...accepted.map((call) => call.call))
  return {
    received: lies.length,
    detected: lies.length - accepted.length,
    acted: calls.some((call) => call.call > firstAccepted && call.purpose === 'step' && call.sideEffect),
  }
}
