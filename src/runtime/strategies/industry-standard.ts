import {
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  EventEmitter,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  type Event,
  type FailureReason,
  type GeneratorFn,
  type IBackoff,
  type IBackoffFactory,
  type IBreaker,
  type IRetryBackoffContext,
  type Policy,
} from 'cockatiel'
import type { FailureContext, Observation, RecoveryDecision, RecoveryStrategy } from './recovery-strategy.ts'
import { retryAfterMs } from './rule-table.ts'

/**
 * STD: what a team gets from a resilience library and a careful afternoon. Built from cockatiel 3's
 * own pieces: the retry filter is a cockatiel `Policy` (`handleWhen`), the delays come from
 * `ExponentialBackoff` inside a `DelegateBackoff` that honours Retry-After, and each tool has a
 * cockatiel `ConsecutiveBreaker`. Retry and breaker events are cockatiel `EventEmitter`s, bridged
 * into the trace with `context.record`.
 *
 * How this maps to cockatiel's composition: the executor calls `decide` once per failed attempt,
 * so the executor's step loop is the retry loop, and `decide` plays, for that one attempt, what
 * `wrap(retry, circuitBreaker, timeout)` does around each call (outermost first; the STYLE line
 * `wrap(timeout(...), circuitBreaker(...), retry(...))` names the same three from the call
 * outwards). The per-attempt timeout is the executor's deadline on the virtual clock
 * (`attemptTimeoutMs`, cockatiel's `TimeoutStrategy.Aggressive`: the fetch is aborted); its
 * `timeout` result is what cockatiel's `TaskCancelledError` would be: retryable, and counted by the
 * breaker. The breaker sits between, counting attempts; while it is open, attempts are rejected
 * without a call (cockatiel's `BrokenCircuitError`, which a `handleAll` retry also retries), until
 * `halfOpenAfterMs` has passed and one attempt goes through as the half-open probe.
 *
 * cockatiel's `RetryPolicy`, `CircuitBreakerPolicy` and `TimeoutPolicy` themselves are not used:
 * each waits with `setTimeout` or compares against `Date.now()`, with no way to hand them a clock,
 * so they would sleep on the wall clock and make results depend on machine speed. Their
 * clock-free parts (filters, backoffs, breakers, events) are used as they are. See
 * docs/decisions/002-std-on-cockatiel.md.
 */

export interface IndustryStandardOptions {
  /** Retries after the first attempt (cockatiel's `maxAttempts`). @default 3 */
  maxRetries?: number
  /** First backoff delay, virtual ms (cockatiel's `initialDelay`). @default 100 */
  initialDelayMs?: number
  /** Cap on the exponential backoff (cockatiel's `maxDelay`). @default 2000 */
  maxDelayMs?: number
  /** Longest Retry-After to wait for; a longer one gives up at once. @default 30000 */
  maxRetryAfterMs?: number
  /** Consecutive failures of one tool that open its circuit (`ConsecutiveBreaker`). @default 3 */
  breakerThreshold?: number
  /** How long an open circuit rejects attempts before one probe goes through. @default 1000 */
  halfOpenAfterMs?: number
  /**
   * Which failures are retried and counted by the breaker.
   * @default handleWhen(isRetryableFailure): network, timeout, 408, 425, 429 and 5xx; never 400,
   * 401, 403, 404, 409, `policy_rejected` or a broken response contract.
   */
  retryOn?: Policy
}

export type ResolvedIndustryStandardOptions = Required<IndustryStandardOptions>

/** A failed attempt as an `Error`, the shape cockatiel's filters and backoff contexts expect. */
export class ObservedFailure extends Error {
  override readonly name = 'ObservedFailure'
  constructor(readonly observation: Observation) {
    super(`${observation.tool} failed: ${observation.status ?? observation.result}`)
  }
}

/** Backoff contexts want a signal; nothing here is ever cancelled. */
const neverAborted = new AbortController().signal

const retryableStatuses = new Set([408, 425, 429])

/** The industry's usual retry set. Conflicts are not in it: a plain retry does not clear them. */
export function isRetryableFailure(error: Error): boolean {
  if (!(error instanceof ObservedFailure)) return false
  const { result, status, errorCode } = error.observation
  if (errorCode === 'policy_rejected' || result === 'contract') return false
  if (result === 'timeout' || result === 'network') return true
  return status !== null && (retryableStatuses.has(status) || status >= 500)
}

export const defaultIndustryStandardOptions: ResolvedIndustryStandardOptions = {
  maxRetries: 3,
  initialDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 30_000,
  breakerThreshold: 3,
  halfOpenAfterMs: 1_000,
  retryOn: handleWhen(isRetryableFailure),
}

/**
 * cockatiel's half-jitter generator with the strategy's seeded randomness in place of
 * `Math.random`: a delay in [d/2, d) for the exponential step d, the same on every run.
 */
export function seededHalfJitter(random: () => number): GeneratorFn<number> {
  return (attempts, options) => {
    const [delay, next] = noJitterGenerator(attempts, options)
    return [Math.floor((delay + random() * delay) / 2), next]
  }
}

const retryAfterOf = (reason: FailureReason<unknown>): number | undefined =>
  'error' in reason && reason.error instanceof ObservedFailure ? retryAfterMs(reason.error.observation) : undefined

/**
 * Exponential backoff with seeded jitter and a cap, never shorter than the server's Retry-After:
 * a cockatiel `DelegateBackoff` over an `ExponentialBackoff`.
 */
export function retryAfterAwareBackoff(
  options: Pick<ResolvedIndustryStandardOptions, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const exponential = new ExponentialBackoff({
    generator: seededHalfJitter(random),
    initialDelay: options.initialDelayMs,
    maxDelay: options.maxDelayMs,
  })
  return new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, previous) => {
    const step = previous ? previous.next(undefined) : exponential.next()
    return { delay: Math.max(step.duration, retryAfterOf(context.result) ?? 0), state: step }
  })
}

interface StepRetryState {
  backoff: IBackoff<IRetryBackoffContext<unknown>> | undefined
  /** Retries spent, including attempts the open circuit rejected without a call. */
  retries: number
}

interface ToolCircuit {
  breaker: IBreaker
  state: CircuitState
  /** Virtual ms when the circuit opened. */
  openedAt: number
  /** The workflow step that last failed on this tool. */
  lastStep: number
}

/** Events, as cockatiel's policies expose them (`onRetry`, `onGiveUp`, `onBreak`, ...). */
export interface IndustryStandardEvents {
  readonly onRetry: Event<{ tool: string; step: number; attempt: number; delay: number }>
  readonly onGiveUp: Event<{ tool: string; step: number; reason: string }>
  readonly onBreak: Event<{ tool: string; failures: number }>
  readonly onHalfOpen: Event<{ tool: string }>
  readonly onReset: Event<{ tool: string }>
  readonly onReject: Event<{ tool: string; step: number; attempt: number }>
}

export type IndustryStandardStrategy = RecoveryStrategy & IndustryStandardEvents

/** STD: the industry-standard baseline. Its state lives for one task: see `decide`. */
export function industryStandard(options: IndustryStandardOptions = {}): IndustryStandardStrategy {
  const resolved: ResolvedIndustryStandardOptions = { ...defaultIndustryStandardOptions, ...options }
  const emitters = {
    retry: new EventEmitter<{ tool: string; step: number; attempt: number; delay: number }>(),
    giveUp: new EventEmitter<{ tool: string; step: number; reason: string }>(),
    break: new EventEmitter<{ tool: string; failures: number }>(),
    halfOpen: new EventEmitter<{ tool: string }>(),
    reset: new EventEmitter<{ tool: string }>(),
    reject: new EventEmitter<{ tool: string; step: number; attempt: number }>(),
  }
  let steps = new Map<number, StepRetryState>()
  let circuits = new Map<string, ToolCircuit>()

  /** Feeds the breaker what the executor's progress implies, then this failure. */
  const recordFailure = (observation: Observation, counted: boolean): ToolCircuit => {
    let circuit = circuits.get(observation.tool)
    if (!circuit) {
      circuit = { breaker: new ConsecutiveBreaker(resolved.breakerThreshold), state: CircuitState.Closed, openedAt: 0, lastStep: observation.step }
      circuits.set(observation.tool, circuit)
    }
    // The task moved on past the step that last failed on this tool, so that step's last call
    // succeeded: the success the breaker would have seen.
    if (circuit.lastStep !== observation.step) {
      circuit.breaker.success(circuit.state)
      if (circuit.state === CircuitState.HalfOpen) {
        circuit.state = CircuitState.Closed
        emitters.reset.emit({ tool: observation.tool })
      }
    }
    circuit.lastStep = observation.step
    if (!counted) return circuit
    const wasHalfOpen = circuit.state === CircuitState.HalfOpen
    if (circuit.breaker.failure(circuit.state) || wasHalfOpen) {
      circuit.state = CircuitState.Open
      circuit.openedAt = observation.at
      emitters.break.emit({ tool: observation.tool, failures: Number(circuit.breaker.state) })
    }
    return circuit
  }

  const giveUp = (observation: Observation, reason: string, retryable: boolean): RecoveryDecision => {
    emitters.giveUp.emit({ tool: observation.tool, step: observation.step, reason })
    return { action: 'escalate', reason, diagnosis: { layer: retryable ? 'transient' : 'unknown', source: 'rule', confidence: 1 } }
  }

  const decideNow = (context: FailureContext): RecoveryDecision => {
    const { observation } = context
    // Breakers and backoffs are per task: a task's outcome never depends on the tasks before it,
    // so `-t T017` replays it exactly. The first failure of a task has an empty history.
    if (context.history.length === 0) {
      steps = new Map()
      circuits = new Map()
    }
    const failure = new ObservedFailure(observation)
    const retryable = resolved.retryOn.options.errorFilter(failure)
    const circuit = recordFailure(observation, retryable)
    if (!retryable) return giveUp(observation, observation.status === null ? `non_retryable_${observation.result}` : `non_retryable_${observation.status}`, false)

    const wait = retryAfterMs(observation)
    if (wait !== undefined && wait > resolved.maxRetryAfterMs) return giveUp(observation, 'retry_after_too_long', true)

    let step = steps.get(observation.step)
    if (!step) {
      step = { backoff: undefined, retries: 0 }
      steps.set(observation.step, step)
    }
    const factory = retryAfterAwareBackoff(resolved, context.random)
    // Walk the retry loop forward: while the circuit is open, an attempt is rejected without a
    // call and costs a retry, exactly as a `handleAll` retry around an open breaker would.
    let delay = 0
    for (;;) {
      if (step.retries >= resolved.maxRetries) {
        return giveUp(observation, circuit.state === CircuitState.Open ? 'circuit_open' : 'retries_exhausted', true)
      }
      const backoffContext: IRetryBackoffContext<unknown> = {
        attempt: step.retries + 1,
        signal: neverAborted,
        result: { error: failure },
      }
      step.backoff = step.backoff ? step.backoff.next(backoffContext) : factory.next(backoffContext)
      delay += step.backoff.duration
      step.retries++
      const attemptAt = observation.at + delay
      if (circuit.state !== CircuitState.Open) break
      if (attemptAt >= circuit.openedAt + resolved.halfOpenAfterMs) {
        circuit.state = CircuitState.HalfOpen
        emitters.halfOpen.emit({ tool: observation.tool })
        break
      }
      emitters.reject.emit({ tool: observation.tool, step: observation.step, attempt: observation.attempt + step.retries })
    }
    if (delay > context.budget.virtualMsLeft || context.budget.toolCallsLeft < 1) return giveUp(observation, 'budget', true)
    emitters.retry.emit({ tool: observation.tool, step: observation.step, attempt: step.retries, delay })
    return { action: 'retry', delayMs: delay, diagnosis: { layer: 'transient', source: 'rule', confidence: 1 } }
  }

  return {
    name: 'STD',
    onRetry: emitters.retry.addListener,
    onGiveUp: emitters.giveUp.addListener,
    onBreak: emitters.break.addListener,
    onHalfOpen: emitters.halfOpen.addListener,
    onReset: emitters.reset.addListener,
    onReject: emitters.reject.addListener,
    decide(context) {
      // Bridge the events of this decision into the trace, as `strategy:event` facts.
      const bridges = [
        emitters.retry.addListener((event) => context.record('retry', event)),
        emitters.giveUp.addListener((event) => context.record('give-up', event)),
        emitters.break.addListener((event) => context.record('circuit:break', event)),
        emitters.halfOpen.addListener((event) => context.record('circuit:half-open', event)),
        emitters.reset.addListener((event) => context.record('circuit:reset', event)),
        emitters.reject.addListener((event) => context.record('circuit:reject', event)),
      ]
      try {
        return decideNow(context)
      } finally {
        for (const bridge of bridges) bridge.dispose()
      }
    },
  }
}
