import { randomUUID } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Outcome } from '../runtime/scenario/schema.ts'
import type { DiagnosisRecord, TaskSummary } from '../runtime/executor/task-summary.ts'
import { computeStrategyMetrics, groupByStrategy, isSrrEligible, type StrategyMetrics } from './metrics.ts'

/** One checked threshold, as the gates report it (DESIGN.md, "Reports and gates"). */
export interface JsonGateResult {
  strategy: string
  metric: string
  /** Comparison, e.g. `>=`. */
  op: string
  value: number
  /** `null` when the metric had no denominator. */
  actual: number | null
  pass: boolean
}

export interface JsonTaskEntry {
  id: string
  scenario: string
  outcome: Outcome
  reason: string
  /** Same as `tool_calls`; kept under the prototype's name. */
  attempts: number
  tool_calls: number
  steps_reached: number
  consistent: boolean
  /** Started side effects and did not complete: counts for SRR. */
  srr_eligible: boolean
  compensations: { tool: string; step: number; ok: boolean }[]
  diagnoses: DiagnosisRecord[]
  batch: number
}

export interface JsonStrategyReport {
  metrics: StrategyMetrics
  tasks: JsonTaskEntry[]
}

/**
 * The machine-readable truth of a run. No timestamps, durations or absolute paths: two runs with
 * the same seed give byte-identical files, whatever the worker count or shard split.
 */
export interface JsonReport {
  version: 1
  seed: number
  strategies: Record<string, JsonStrategyReport>
  gates: JsonGateResult[]
}

export interface BuildJsonReportInput {
  seed: number
  /** Configured strategy order; strategies not listed follow, sorted by name. */
  strategies: readonly string[]
  summaries: readonly TaskSummary[]
  /** @default [] */
  gates?: readonly JsonGateResult[]
}

// Objects are rebuilt key by key so that the key order in the file does not depend on how the
// worker happened to build them.
function taskEntry(summary: TaskSummary): JsonTaskEntry {
  return {
    id: summary.id,
    scenario: summary.scenario,
    outcome: summary.outcome,
    reason: summary.reason,
    attempts: summary.toolCalls,
    tool_calls: summary.toolCalls,
    steps_reached: summary.stepsReached,
    consistent: summary.consistent,
    srr_eligible: isSrrEligible(summary),
    compensations: summary.compensations.map((c) => ({ tool: c.tool, step: c.step, ok: c.ok })),
    diagnoses: summary.diagnoses.map((d) => ({
      step: d.step,
      attempt: d.attempt,
      layer_true: d.layer_true,
      action_true: d.action_true,
      layer_pred: d.layer_pred,
      action_pred: d.action_pred,
      source: d.source,
      event: d.event,
    })),
    batch: summary.batch,
  }
}

export function buildJsonReport(input: BuildJsonReportInput): JsonReport {
  const strategies: Record<string, JsonStrategyReport> = {}
  for (const [name, summaries] of groupByStrategy(input.summaries, input.strategies)) {
    strategies[name] = { metrics: computeStrategyMetrics(summaries), tasks: summaries.map(taskEntry) }
  }
  return {
    version: 1,
    seed: input.seed,
    strategies,
    gates: (input.gates ?? []).map((g) => ({
      strategy: g.strategy,
      metric: g.metric,
      op: g.op,
      value: g.value,
      actual: g.actual,
      pass: g.pass,
    })),
  }
}

export function serializeJsonReport(report: JsonReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

/**
 * Writes `report.json` under `dir` (created if missing) through a temporary file and a rename, so
 * a reader never sees half a report and a killed run leaves the previous one intact.
 * @returns the path written.
 */
export async function writeJsonReport(dir: string, report: JsonReport): Promise<string> {
  await mkdir(dir, { recursive: true })
  const target = join(dir, 'report.json')
  const temporary = join(dir, `.report.json.${process.pid}.${randomUUID()}.tmp`)
  try {
    await writeFile(temporary, serializeJsonReport(report), 'utf8')
    await rename(temporary, target)
  } catch (error: unknown) {
    await rm(temporary, { force: true })
    throw error
  }
  return target
}
