import type { DiagnosisRecord, DiagnosisSource, RecoveryActionName, TaskSummary } from '../runtime/executor/task-summary.ts'
import { layers } from '../runtime/scenario/schema.ts'

/** Rows are the ground truth, columns the prediction; `counts[row][column]`. */
export interface ConfusionMatrix {
  rows: string[]
  columns: string[]
  counts: number[][]
}

/** RCA accuracy over one set of diagnosis records, with its confusion matrices. */
export interface RcaScore {
  /** Records about an injected fault (the others have no ground truth to be right about). */
  records: number
  layerCorrect: number
  actionCorrect: number
  layerAccuracy: number | null
  actionAccuracy: number | null
  layerMatrix: ConfusionMatrix
  actionMatrix: ConfusionMatrix
}

export interface StrategyRca {
  /** Distinct sources of the strategy's diagnoses, sorted. */
  sources: DiagnosisSource[]
  /**
   * Some decision came from a diagnoser, an LLM or the memory bank, not only from fixed rules:
   * the strategies whose RCA is worth a matrix in the terminal and the HTML report.
   */
  diagnosing: boolean
  /** Every error event. Its accuracies are the `rca_*_acc` metrics. */
  perEvent: RcaScore
  /** The first error of each task only. */
  firstError: RcaScore
}

export const layerRows: readonly string[] = [...layers]
export const layerColumns: readonly string[] = [...layers, 'unknown']
export const actionLabels: readonly RecoveryActionName[] = ['retry', 'rollback', 'compensate', 'escalate', 'fail']
const diagnosingSources: ReadonlySet<DiagnosisSource> = new Set(['diagnoser', 'llm', 'memory'])

function emptyMatrix(rows: readonly string[], columns: readonly string[]): ConfusionMatrix {
  return { rows: [...rows], columns: [...columns], counts: rows.map(() => columns.map(() => 0)) }
}

function increment(matrix: ConfusionMatrix, row: string, column: string): void {
  const r = matrix.rows.indexOf(row)
  const c = matrix.columns.indexOf(column)
  // A label from a newer runtime still counts towards accuracy; the matrix shows the known ones.
  if (r >= 0 && c >= 0) matrix.counts[r]![c]!++
}

function score(records: readonly DiagnosisRecord[]): RcaScore {
  const layerMatrix = emptyMatrix(layerRows, layerColumns)
  const actionMatrix = emptyMatrix(actionLabels, actionLabels)
  let count = 0
  let layerCorrect = 0
  let actionCorrect = 0
  for (const record of records) {
    if (record.layer_true === 'none') continue
    count++
    if (record.layer_pred === record.layer_true) layerCorrect++
    if (record.action_pred === record.action_true) actionCorrect++
    increment(layerMatrix, record.layer_true, record.layer_pred)
    increment(actionMatrix, record.action_true, record.action_pred)
  }
  return {
    records: count,
    layerCorrect,
    actionCorrect,
    layerAccuracy: count === 0 ? null : layerCorrect / count,
    actionAccuracy: count === 0 ? null : actionCorrect / count,
    layerMatrix,
    actionMatrix,
  }
}

/**
 * RCA of one strategy against the injected ground truth, per error event and per task (its first
 * error). `null` when no diagnosis was about an injected fault.
 */
export function computeRca(summaries: readonly TaskSummary[]): StrategyRca | null {
  const all: DiagnosisRecord[] = []
  const first: DiagnosisRecord[] = []
  const sources = new Set<DiagnosisSource>()
  for (const summary of summaries) {
    for (const record of summary.diagnoses) {
      all.push(record)
      sources.add(record.source)
      if (record.event === 0) first.push(record)
    }
  }
  const perEvent = score(all)
  if (perEvent.records === 0) return null
  const sorted = [...sources].sort()
  return {
    sources: sorted,
    diagnosing: sorted.some((source) => diagnosingSources.has(source)),
    perEvent,
    firstError: score(first),
  }
}
