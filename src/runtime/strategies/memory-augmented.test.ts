import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Diagnoser } from '../diagnosis/diagnoser.ts'
import { heuristicDiagnoser } from '../diagnosis/heuristic-diagnoser.ts'
import { persistentMemory } from '../memory/memory-file.ts'
import { memoryAugmented, memoryUpdateOf } from './memory-augmented.ts'
import type { FailureContext, Observation, RecoveryDecision } from './recovery-strategy.ts'
import { failureContext } from './test-fixtures.ts'

/** A 409 on the approval step of task `task`: ids and world hashes differ from task to task. */
const conflictOf = (task: number): Partial<Observation> => ({
  tool: 'update_record',
  stepName: 'update_record',
  step: 4,
  status: 409,
  errorCode: 'conflict',
  body: { ok: false, error: { code: 'conflict', message: `record REC${task} was modified concurrently` } },
  worldHash: `${task.toString(16).padStart(4, '0')}beef`,
  lastGoodWorldHash: `${task.toString(16).padStart(4, '0')}beef`,
})

function countingDiagnoser(): Diagnoser & { calls: number } {
  const inner = heuristicDiagnoser()
  const counter = {
    name: 'counting',
    calls: 0,
    diagnose: (input: Parameters<Diagnoser['diagnose']>[0]) => {
      counter.calls++
      return inner.diagnose(input)
    },
  }
  return counter
}

/** One task: its first failure decided, then the task ends with `outcome`. */
async function runTask(strategy: ReturnType<typeof memoryAugmented>, fields: Partial<Observation>, outcome: 'completed' | 'escalated') {
  const context: FailureContext = failureContext(fields)
  const decision = (await strategy.decide(context)) as RecoveryDecision
  await strategy.onTaskEnd?.({ task: 'T', outcome, firstFailure: { observation: context.observation, decision } })
  return decision
}

describe('memoryAugmented (B4)', () => {
  test('the second alike failure is recalled from memory instead of diagnosed', async () => {
    const diagnoser = countingDiagnoser()
    const strategy = memoryAugmented({ diagnoser })
    const first = await runTask(strategy, conflictOf(1), 'completed')
    expect(first).toMatchObject({ action: 'rollback', diagnoserCalls: 1, delayMs: 150 })
    const second = await runTask(strategy, conflictOf(2), 'completed')
    expect(second).toMatchObject({ action: 'rollback', memoryHit: true, diagnoserCalls: 0, delayMs: 100 })
    expect(second.diagnosis).toMatchObject({ source: 'memory', layer: 'cascade' })
    expect(second.diagnosis!.confidence).toBeCloseTo(0.7 * 0.9 + 0.3 * 1, 9)
    expect(diagnoser.calls).toBe(1)
  })

  test('an action that did not work is not recalled with confidence: the diagnoser is asked again', async () => {
    const diagnoser = countingDiagnoser()
    const strategy = memoryAugmented({ diagnoser })
    await runTask(strategy, conflictOf(1), 'escalated')
    const again = await runTask(strategy, conflictOf(2), 'completed')
    expect(again.memoryHit).toBeUndefined()
    expect(again.diagnoserCalls).toBe(1)
    expect(diagnoser.calls).toBe(2)
  })

  test('a failure of another kind misses the memory', async () => {
    const strategy = memoryAugmented()
    await runTask(strategy, conflictOf(1), 'completed')
    const other = await runTask(strategy, { ...conflictOf(2), status: 500, errorCode: 'internal_error' }, 'completed')
    expect(other.memoryHit).toBeUndefined()
    expect(other.diagnosis?.source).toBe('diagnoser')
  })

  test('memory still obeys the per-step limit', async () => {
    const strategy = memoryAugmented()
    await runTask(strategy, conflictOf(1), 'completed')
    const exhausted = (await strategy.decide(failureContext(conflictOf(2), 3))) as RecoveryDecision
    expect(exhausted).toMatchObject({ action: 'escalate', reason: 'retries_exhausted' })
  })

  test('writes back only what it can repeat: no failure, or a layer it never predicted, teaches nothing', () => {
    expect(memoryUpdateOf({ task: 'T', outcome: 'completed', firstFailure: undefined })).toBeUndefined()
    const observation = failureContext(conflictOf(1)).observation
    const unknownLayer = { action: 'retry' as const, delayMs: 0, diagnosis: { layer: 'unknown' as const, source: 'rule' as const, confidence: 0 } }
    expect(memoryUpdateOf({ task: 'T', outcome: 'completed', firstFailure: { observation, decision: unknownLayer } })).toBeUndefined()
    const failed = { action: 'fail' as const, reason: 'x', diagnosis: { layer: 'cascade' as const, source: 'rule' as const, confidence: 1 } }
    expect(memoryUpdateOf({ task: 'T', outcome: 'failed', firstFailure: { observation, decision: failed } })).toBeUndefined()
  })

  test('persisted: a later run starts from what this run learnt; this run does not see its own writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'awrr-b4-'))
    try {
      const file = path.join(dir, 'B4.json')
      const workerA = memoryAugmented({ memory: persistentMemory({ file, run: 'run-1' }) })
      await runTask(workerA, conflictOf(1), 'completed')
      const workerB = memoryAugmented({ memory: persistentMemory({ file, run: 'run-1' }) })
      expect(workerB.bank.size).toBe(0)
      const nextRun = memoryAugmented({ memory: persistentMemory({ file, run: 'run-2' }), diagnoser: countingDiagnoser() })
      expect(nextRun.bank.size).toBe(1)
      expect(await runTask(nextRun, conflictOf(9), 'completed')).toMatchObject({ memoryHit: true })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
