import { describe, expect, test } from 'vitest'
import type { Observation } from '../strategies/recovery-strategy.ts'
import { observation } from '../strategies/test-fixtures.ts'
import { diagnosisResultSchema } from './diagnoser.ts'
import { diagnoseByHeuristics, heuristicDiagnoser } from './heuristic-diagnoser.ts'

const errorBody = (code: string) => ({ ok: false, error: { code, message: code } })

function diagnose(fields: Partial<Observation>, history: Observation[] = []) {
  const current = observation(fields)
  return diagnoseByHeuristics({ observation: current, history, attempt: current.attempt })
}

describe('heuristicDiagnoser', () => {
  test.each([
    ['409 conflict', { status: 409, errorCode: 'conflict' }, 'cascade', 'rollback'],
    ['401', { status: 401, errorCode: 'unauthorized' }, 'persistent', 'escalate'],
    ['403 policy', { status: 403, errorCode: 'policy_rejected' }, 'semantic', 'escalate'],
    ['400', { status: 400, errorCode: 'bad_request' }, 'semantic', 'escalate'],
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '2' } }, 'transient', 'retry'],
    ['503', { status: 503 }, 'transient', 'retry'],
    ['timeout', { result: 'timeout', status: null, worldHash: null }, 'transient', 'retry'],
    ['connection reset', { result: 'network', status: null, worldHash: null }, 'transient', 'retry'],
    ['500, world unchanged', { status: 500 }, 'transient', 'retry'],
    ['broken contract', { result: 'contract', status: 200 }, 'semantic', 'escalate'],
  ] as const)('%s -> %s, %s', (_name, fields, layer, action) => {
    const result = diagnose(fields)
    expect(result).toMatchObject({ layer, action, source: 'diagnoser' })
    expect(result.confidence).toBeGreaterThanOrEqual(0.7)
    expect(() => diagnosisResultSchema.parse(result)).not.toThrow()
  })

  test('a 500 whose answer carries a changed world is a half-done write: roll back', () => {
    expect(diagnose({ status: 500, worldHash: 'bbbbbbbb', lastGoodWorldHash: 'aaaaaaaa' })).toMatchObject({
      layer: 'cascade',
      action: 'rollback',
    })
    // Before any success there is nothing to compare with: no evidence of a write.
    expect(diagnose({ status: 500, worldHash: 'bbbbbbbb', lastGoodWorldHash: null })).toMatchObject({ action: 'retry' })
  })

  test('a 404 on a read is retried twice as possible replication lag, then taken as real', () => {
    const read = { tool: 'get_record', stepName: 'get_record', step: 0, sideEffect: false, status: 404, body: errorBody('not_found'), errorCode: 'not_found' }
    const first = observation({ ...read, attempt: 0 })
    const second = observation({ ...read, attempt: 1 })
    expect(diagnose({ ...read, attempt: 0 })).toMatchObject({ layer: 'transient', action: 'retry' })
    expect(diagnose({ ...read, attempt: 1 }, [first])).toMatchObject({ action: 'retry' })
    expect(diagnose({ ...read, attempt: 2 }, [first, second])).toMatchObject({ layer: 'persistent', action: 'escalate' })
    // A 404 on another step of the task does not count against this one.
    expect(diagnose({ ...read, step: 3, attempt: 0 }, [first, second])).toMatchObject({ action: 'retry' })
  })

  test('a 404 on a write is not replication lag', () => {
    expect(diagnose({ status: 404, sideEffect: true })).toMatchObject({ layer: 'persistent', action: 'escalate' })
  })

  test('the same failure again and again lowers the confidence of a retry', () => {
    const fields = { status: 500 }
    const earlier = [observation({ ...fields, attempt: 0 }), observation({ ...fields, attempt: 1 })]
    const fresh = diagnose(fields)
    const repeated = diagnose({ ...fields, attempt: 2 }, earlier)
    expect(repeated.action).toBe('retry')
    expect(repeated.confidence).toBeLessThan(fresh.confidence)
    expect(repeated.confidence).toBeLessThan(0.7)
    // A different answer on the same step is not a repeat.
    expect(diagnose({ status: 503, attempt: 2 }, earlier).confidence).toBe(diagnose({ status: 503 }).confidence)
  })

  test('ignores what the body claims about layers: only status, codes and headers count', () => {
    const body = { ok: false, error: { code: 'conflict', message: 'x' }, layer: 'transient', faultType: 'HTTP_500' }
    expect(diagnose({ status: 409, errorCode: 'conflict', body })).toMatchObject({ layer: 'cascade', action: 'rollback' })
  })

  test('the Diagnoser wraps the pure rules', async () => {
    const input = { observation: observation({ status: 409 }), history: [], attempt: 0 }
    await expect(heuristicDiagnoser().diagnose(input)).resolves.toEqual(diagnoseByHeuristics(input))
  })
})
