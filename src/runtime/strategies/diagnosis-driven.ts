import type { DiagnosisInput, DiagnosisResult, Diagnoser } from '../diagnosis/diagnoser.ts'
import { heuristicDiagnoser } from '../diagnosis/heuristic-diagnoser.ts'
import type { Diagnosis, FailureContext, RecoveryDecision, RecoveryStrategy } from './recovery-strategy.ts'
import { classifyByRules, retryAfterMs } from './rule-table.ts'

export interface DiagnosisDrivenOptions {
  /** Who classifies failures. @default heuristicDiagnoser() */
  diagnoser?: Diagnoser
  /** Below this confidence the verdict is set aside for B2's rule. @default 0.7 */
  minConfidence?: number
  /** Retries plus rollbacks per step. @default 3 */
  maxRecoveries?: number
  /** Virtual time one diagnosis takes. @default 50 */
  diagnosisMs?: number
  /** B2's backoff: base, doubled per recovery, capped. Retry-After wins when longer. @default 100 */
  baseDelayMs?: number
  /** @default 400 */
  maxDelayMs?: number
  /** Project name. @default 'B3' */
  name?: string
}

export type ResolvedDiagnosisDrivenOptions = Required<DiagnosisDrivenOptions>

export const defaultDiagnosisDrivenOptions: ResolvedDiagnosisDrivenOptions = {
  diagnoser: heuristicDiagnoser(),
  minConfidence: 0.7,
  maxRecoveries: 3,
  diagnosisMs: 50,
  baseDelayMs: 100,
  maxDelayMs: 400,
  name: 'B3',
}

/** What a verdict (from a diagnoser, memory or the rules) turns into, before limits are applied. */
export interface Verdict {
  action: 'retry' | 'rollback' | 'escalate'
  reason: string
  diagnosis: Diagnosis
}

export function diagnosisInputOf(context: FailureContext): DiagnosisInput {
  return { observation: context.observation, history: context.history, attempt: context.observation.attempt }
}

export function ruleVerdict(context: FailureContext, why?: string): Verdict {
  const rule = classifyByRules(context.observation)
  return {
    action: rule.action,
    reason: rule.reason,
    diagnosis: { layer: rule.layer, source: 'rule', confidence: 1, rationale: why ?? `rule: ${rule.reason}` },
  }
}

function diagnosedVerdict(result: DiagnosisResult): Verdict {
  return {
    action: result.action,
    reason: `diagnosed_${result.layer}`,
    diagnosis: { layer: result.layer, source: result.source, confidence: result.confidence, rationale: result.rationale },
  }
}

/**
 * Turns a verdict into a decision the executor can carry out: at most `maxRecoveries` retries or
 * rollbacks per step, B2's backoff (or a longer Retry-After), `extraDelayMs` (time the decision
 * itself took) on top, and nothing the budget cannot pay for.
 */
export function applyLimits(
  verdict: Verdict,
  context: FailureContext,
  options: Pick<ResolvedDiagnosisDrivenOptions, 'maxRecoveries' | 'baseDelayMs' | 'maxDelayMs'>,
  extraDelayMs: number,
): RecoveryDecision {
  const { diagnosis } = verdict
  if (verdict.action === 'escalate') return { action: 'escalate', reason: verdict.reason, diagnosis }
  if (context.recoveriesOnStep >= options.maxRecoveries) return { action: 'escalate', reason: 'retries_exhausted', diagnosis }
  const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** context.recoveriesOnStep)
  const delayMs = Math.max(backoff, retryAfterMs(context.observation) ?? 0) + extraDelayMs
  // A rollback is a call of its own before the retry.
  const callsNeeded = verdict.action === 'rollback' ? 2 : 1
  if (delayMs > context.budget.virtualMsLeft || callsNeeded > context.budget.toolCallsLeft) {
    return { action: 'escalate', reason: 'budget', diagnosis }
  }
  return { action: verdict.action, delayMs, diagnosis }
}

/**
 * B3: a diagnoser classifies each failure from what the client observed; a confident verdict
 * (>= 0.7) is acted on, a hesitant one is set aside for B2's rule. Diagnosis is not free: each
 * one is a diagnoser call and 50 virtual ms.
 */
export function diagnosisDriven(options: DiagnosisDrivenOptions = {}): RecoveryStrategy {
  const resolved: ResolvedDiagnosisDrivenOptions = { ...defaultDiagnosisDrivenOptions, ...options }
  const consult = createConsultation(resolved)
  return {
    name: resolved.name,
    async decide(context) {
      const consulted = await consult(context)
      return { ...applyLimits(consulted.verdict, context, resolved, consulted.costMs), diagnoserCalls: consulted.calls }
    },
  }
}

export interface Consultation {
  verdict: Verdict
  /** Diagnoser calls made (0 or 1). */
  calls: number
  /** Virtual ms the consultation took. */
  costMs: number
}

/**
 * Asks the diagnoser when it is worth asking, and falls back to B2's rule when it is not, when
 * the answer is hesitant, or when the diagnoser fails. Shared by B3 and B4.
 */
export function createConsultation(
  options: Pick<ResolvedDiagnosisDrivenOptions, 'diagnoser' | 'minConfidence' | 'maxRecoveries' | 'diagnosisMs'>,
): (context: FailureContext) => Promise<Consultation> {
  return async (context) => {
    // Out of recoveries the step escalates whatever the diagnosis says: do not pay for one.
    if (context.recoveriesOnStep >= options.maxRecoveries) {
      return { verdict: ruleVerdict(context, 'recoveries exhausted: not diagnosed'), calls: 0, costMs: 0 }
    }
    if (context.budget.virtualMsLeft < options.diagnosisMs) {
      return { verdict: ruleVerdict(context, 'no time left for a diagnosis'), calls: 0, costMs: 0 }
    }
    let result: DiagnosisResult
    try {
      result = await options.diagnoser.diagnose(diagnosisInputOf(context))
    } catch (error) {
      context.record('diagnoser:error', { diagnoser: options.diagnoser.name, message: error instanceof Error ? error.message : String(error) })
      return { verdict: ruleVerdict(context, 'the diagnoser failed'), calls: 1, costMs: options.diagnosisMs }
    }
    if (result.confidence < options.minConfidence) {
      const why = `diagnosis ${result.layer}/${result.action} at ${result.confidence} is below ${options.minConfidence}: rule`
      return { verdict: ruleVerdict(context, why), calls: 1, costMs: options.diagnosisMs }
    }
    return { verdict: diagnosedVerdict(result), calls: 1, costMs: options.diagnosisMs }
  }
}
