import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, expectTypeOf, test } from 'vitest'
import { runTask } from '../executor/run-task.ts'
import type { TaskSummary } from '../executor/task-summary.ts'
import { parseScenarioSource } from '../scenario/load-scenario.ts'
import type { TaskSpec } from '../scenario/task-spec.ts'
import { diagnosisDriven } from '../strategies/diagnosis-driven.ts'
import type { Observation } from '../strategies/recovery-strategy.ts'
import { ensureToolServer } from '../interception/index.ts'
import { diagnosisResultSchema, type DiagnosisInput, type Diagnoser } from './diagnoser.ts'
import { heuristicDiagnoser } from './heuristic-diagnoser.ts'

const scenarioFile = fileURLToPath(new URL('../../../scenarios/conflict-labelled-transient.scenario.yaml', import.meta.url))

/** The scenario's single task, built as the plugin builds it; `label: false` drops the `layer:` override. */
function loadTask(label: boolean): TaskSpec {
  const parsed = parseScenarioSource(readFileSync(scenarioFile), 'scenarios/conflict-labelled-transient.scenario.yaml')
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
  const { scenario } = parsed
  return {
    id: 'main',
    index: 0,
    world: { records: scenario.world?.records ?? {}, inventory: scenario.world?.inventory ?? {} },
    workflow: scenario.workflow ?? [],
    faults: scenario.faults.map((fault, index) => {
      const { layer: _label, ...unlabelled } = fault
      return { ...(label ? fault : unlabelled), id: fault.id ?? `F${index}` }
    }),
    ...(scenario.success ? { success: scenario.success } : {}),
  }
}

/** Runs the task under B3 with a diagnoser that keeps every input it is handed. */
async function runObserved(task: TaskSpec): Promise<{ summary: TaskSummary; inputs: DiagnosisInput[] }> {
  const inputs: DiagnosisInput[] = []
  const inner = heuristicDiagnoser()
  const recording: Diagnoser = {
    name: 'recording',
    diagnose: (input) => {
      inputs.push(structuredClone(input))
      return inner.diagnose(input)
    },
  }
  ensureToolServer()
  const summary = await runTask({
    task,
    scenario: 'conflict-labelled-transient',
    file: 'scenarios/conflict-labelled-transient.scenario.yaml',
    seed: 42,
    batch: 0,
    strategy: diagnosisDriven({ diagnoser: recording }),
    trace: { emit: () => undefined },
    tracePath: '',
  })
  return { summary, inputs }
}

describe('what a diagnoser can see', () => {
  test('by the types: observables only, no fault id, type, layer or mode', () => {
    expectTypeOf<keyof DiagnosisInput>().toEqualTypeOf<'observation' | 'history' | 'attempt'>()
    expectTypeOf<keyof Observation>().toEqualTypeOf<
      | 'tool' | 'step' | 'stepName' | 'attempt' | 'result' | 'status' | 'headers' | 'body' | 'errorCode'
      | 'worldHash' | 'lastGoodWorldHash' | 'sideEffect' | 'at'
    >()
  })

  describe('a conflict whose fault is labelled `layer: transient`', () => {
    let labelled: Awaited<ReturnType<typeof runObserved>>
    let unlabelled: Awaited<ReturnType<typeof runObserved>>
    beforeAll(async () => {
      labelled = await runObserved(loadTask(true))
      unlabelled = await runObserved(loadTask(false))
    })

    test('is diagnosed from what was observed: cascade, roll back, and the task completes', () => {
      expect(labelled.summary.outcome).toBe('completed')
      expect(labelled.summary.diagnoses[0]).toMatchObject({ layer_true: 'transient', layer_pred: 'cascade', action_pred: 'rollback', source: 'diagnoser' })
    })

    test('the label changes the ground truth only, never a diagnosis', () => {
      expect(unlabelled.summary.diagnoses[0]?.layer_true).toBe('cascade')
      const predictions = (summary: TaskSummary) => summary.diagnoses.map(({ layer_pred, action_pred, source }) => ({ layer_pred, action_pred, source }))
      expect(predictions(labelled.summary)).toEqual(predictions(unlabelled.summary))
      expect(labelled.inputs).toEqual(unlabelled.inputs)
    })

    test('no diagnoser input carries the fault id, type, mode or label', () => {
      expect(labelled.inputs.length).toBeGreaterThan(0)
      const seen = JSON.stringify(labelled.inputs)
      for (const secret of ['approval-race', 'Conflict', 'stateful_conflict', 'transient', 'faultId', 'faultType']) {
        expect(seen).not.toContain(secret)
      }
    })
  })

  test('the result schema accepts a verdict and rejects what is not one', () => {
    const verdict = { layer: 'cascade', action: 'rollback', confidence: 0.85, rationale: '409', source: 'llm' }
    expect(diagnosisResultSchema.safeParse(verdict).success).toBe(true)
    expect(diagnosisResultSchema.safeParse({ ...verdict, confidence: 1.2 }).success).toBe(false)
    expect(diagnosisResultSchema.safeParse({ ...verdict, action: 'compensate' }).success).toBe(false)
    expect(diagnosisResultSchema.safeParse({ ...verdict, layer: 'unknown' }).success).toBe(false)
    expect(diagnosisResultSchema.safeParse({ ...verdict, faultId: 'F0' }).success).toBe(false)
  })
})
