import { describe, expect, test } from 'vitest'
import type { DiagnosisInput, DiagnosisResult, Diagnoser } from '../diagnosis/diagnoser.ts'
import { diagnosisDriven } from './diagnosis-driven.ts'
import type { FailureContext, RecoveryDecision } from './recovery-strategy.ts'
import { failureContext } from './test-fixtures.ts'

const read404 = { tool: 'get_record', stepName: 'get_record', step: 0, sideEffect: false, status: 404, errorCode: 'not_found' }

/** A diagnoser that answers `answer` and remembers what it was asked. */
function scripted(answer: Partial<DiagnosisResult> | Error) {
  const inputs: DiagnosisInput[] = []
  const diagnoser: Diagnoser = {
    name: 'scripted',
    diagnose(input) {
      inputs.push(input)
      if (answer instanceof Error) return Promise.reject(answer)
      return Promise.resolve({ layer: 'transient', action: 'retry', confidence: 0.9, rationale: 'scripted', source: 'llm', ...answer })
    },
  }
  return { diagnoser, inputs }
}

const decide = (context: FailureContext, diagnoser?: Diagnoser) =>
  diagnosisDriven(diagnoser ? { diagnoser } : {}).decide(context) as Promise<RecoveryDecision>

describe('diagnosisDriven (B3)', () => {
  test('retries the first 404 on a read, where the rule table escalates, and pays for the diagnosis', async () => {
    const decision = await decide(failureContext(read404))
    expect(decision).toMatchObject({ action: 'retry', delayMs: 100 + 50, diagnoserCalls: 1 })
    expect(decision.diagnosis).toMatchObject({ layer: 'transient', source: 'diagnoser' })
  })

  test('rolls back a conflict and escalates an auth failure', async () => {
    await expect(decide(failureContext({ status: 409, errorCode: 'conflict' }))).resolves.toMatchObject({ action: 'rollback' })
    await expect(decide(failureContext({ status: 401 }))).resolves.toMatchObject({ action: 'escalate', diagnoserCalls: 1 })
  })

  test('a hesitant diagnosis (< 0.7) is set aside for B2 rule, and still counts as a call', async () => {
    const { diagnoser } = scripted({ action: 'retry', confidence: 0.69 })
    const decision = await decide(failureContext(read404), diagnoser)
    expect(decision).toMatchObject({ action: 'escalate', reason: 'not_found', diagnoserCalls: 1 })
    expect(decision.diagnosis?.source).toBe('rule')
    const confident = await decide(failureContext(read404), scripted({ action: 'retry', confidence: 0.7 }).diagnoser)
    expect(confident).toMatchObject({ action: 'retry' })
    expect(confident.diagnosis?.source).toBe('llm')
  })

  test('a failing diagnoser falls back to the rule and says so in the trace', async () => {
    const recorded: string[] = []
    const context = { ...failureContext({ status: 503 }), record: (name: string) => void recorded.push(name) }
    const decision = await decide(context, scripted(new Error('model down')).diagnoser)
    expect(decision).toMatchObject({ action: 'retry', diagnoserCalls: 1 })
    expect(decision.diagnosis?.source).toBe('rule')
    expect(recorded).toEqual(['diagnoser:error'])
  })

  test('at most 3 recoveries per step, without paying for a diagnosis after that', async () => {
    const { diagnoser, inputs } = scripted({ action: 'retry' })
    expect(await decide(failureContext({ status: 503 }, 2), diagnoser)).toMatchObject({ action: 'retry', delayMs: 400 + 50 })
    expect(await decide(failureContext({ status: 503 }, 3), diagnoser)).toMatchObject({ action: 'escalate', reason: 'retries_exhausted', diagnoserCalls: 0 })
    expect(inputs).toHaveLength(1)
  })

  test('honours Retry-After when it is longer than the backoff', async () => {
    const decision = await decide(failureContext({ status: 429, headers: { 'retry-after': '2' } }))
    expect(decision).toMatchObject({ action: 'retry', delayMs: 2000 + 50 })
  })

  test('respects the budget: time for the wait, calls for a rollback and its retry', async () => {
    const slow = { ...failureContext({ status: 429, headers: { 'retry-after': '2' } }), budget: { toolCallsLeft: 10, virtualMsLeft: 1000 } }
    await expect(decide(slow)).resolves.toMatchObject({ action: 'escalate', reason: 'budget' })
    const short = { ...failureContext({ status: 409 }), budget: { toolCallsLeft: 1, virtualMsLeft: 60_000 } }
    await expect(decide(short)).resolves.toMatchObject({ action: 'escalate', reason: 'budget' })
    const noTime = { ...failureContext({ status: 503 }), budget: { toolCallsLeft: 10, virtualMsLeft: 10 } }
    await expect(decide(noTime)).resolves.toMatchObject({ action: 'escalate', diagnoserCalls: 0 })
  })

  test('the diagnoser is handed the observation, the history and the attempt, nothing else', async () => {
    const { diagnoser, inputs } = scripted({})
    const context = failureContext({ status: 500, attempt: 1 }, 1)
    await decide(context, diagnoser)
    expect(Object.keys(inputs[0]!).sort()).toEqual(['attempt', 'history', 'observation'])
    expect(inputs[0]).toMatchObject({ attempt: 1, observation: context.observation })
  })
})
