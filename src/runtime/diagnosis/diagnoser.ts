import { z } from 'zod'
import { layers, type Layer } from '../scenario/taxonomy.ts'
import type { Observation } from '../strategies/recovery-strategy.ts'

/**
 * What a diagnoser is given: only what a real client observed. `Observation` carries no fault id,
 * type, layer or mode, and nothing else here does either, so a diagnoser cannot read the injected
 * ground truth even by accident (`diagnoser.test.ts` checks this, by the types and at run time).
 */
export interface DiagnosisInput {
  /** The failed call being diagnosed. */
  observation: Observation
  /** Earlier failures of this task, oldest first (the current one excluded). */
  history: readonly Observation[]
  /** 0-based attempt of the failing step (the same as `observation.attempt`). */
  attempt: number
}

/** What a diagnoser may recommend. Compensation and plain failure are the executor's business. */
export const diagnosisActions = ['retry', 'rollback', 'escalate'] as const
export type DiagnosisAction = (typeof diagnosisActions)[number]

/** `diagnoser`: the heuristic rules; `llm`: a language model. */
export const diagnoserSources = ['diagnoser', 'llm'] as const
export type DiagnoserSource = (typeof diagnoserSources)[number]

/**
 * The strict JSON a model must answer with. `confidence` is how sure the diagnoser is that
 * `action` is the best thing to do now, in [0, 1]; strategies act on it only from 0.7 up.
 */
export const diagnosisAnswerSchema = z.strictObject({
  layer: z.enum(layers),
  action: z.enum(diagnosisActions),
  confidence: z.number().min(0).max(1),
  rationale: z.string().max(2_000),
})

/** A verdict on one failure: the answer plus who gave it. */
export const diagnosisResultSchema = diagnosisAnswerSchema.extend({ source: z.enum(diagnoserSources) })

export type DiagnosisAnswer = z.infer<typeof diagnosisAnswerSchema>

export interface DiagnosisResult {
  layer: Layer
  action: DiagnosisAction
  confidence: number
  rationale: string
  source: DiagnoserSource
}

/**
 * Classifies a failure from what a client can observe. Implementations: `heuristicDiagnoser()`
 * (rules, no I/O) and the LLM client (`llm-diagnoser.ts`), which falls back to the rules whenever
 * the model cannot give a valid answer in time.
 */
export interface Diagnoser {
  readonly name: string
  diagnose(input: DiagnosisInput): Promise<DiagnosisResult>
}
