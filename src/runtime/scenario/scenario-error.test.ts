import { describe, expect, test } from 'vitest'
import { AwrrScenarioError, type ScenarioIssue } from './scenario-error.ts'

const issue = (line: number, message: string): ScenarioIssue => ({
  code: 'out_of_range',
  path: 'faults.0.prob',
  expected: 'a number in [0, 1]',
  received: '1.5',
  message,
  line,
  column: 11,
})

describe('AwrrScenarioError', () => {
  test('has one line per issue with file, line and column', () => {
    const error = new AwrrScenarioError('scenarios/x.scenario.yaml', [
      issue(14, 'faults.0.prob must be a number in [0, 1] (got 1.5)'),
      issue(20, 'seed must be an integer (got "x")'),
    ])
    expect(error.message).toBe(
      '[awrr] Failed to load scenario "scenarios/x.scenario.yaml:14:11": faults.0.prob must be a number in [0, 1] (got 1.5).\n' +
        '[awrr] Failed to load scenario "scenarios/x.scenario.yaml:20:11": seed must be an integer (got "x").',
    )
    expect(error).toMatchObject({ name: 'AwrrScenarioError', code: 'AWRR_INVALID_SCENARIO', file: 'scenarios/x.scenario.yaml' })
    expect(error.issues).toHaveLength(2)
  })

  test('is() recognises the error, also after it crossed a worker boundary as a plain object', () => {
    const error = new AwrrScenarioError('x.scenario.yaml', [issue(1, 'm')])
    expect(AwrrScenarioError.is(error)).toBe(true)
    expect(AwrrScenarioError.is(structuredClone({ ...error, message: error.message }))).toBe(true)
    expect(AwrrScenarioError.is(new Error('no'))).toBe(false)
    expect(AwrrScenarioError.is(null)).toBe(false)
  })
})
