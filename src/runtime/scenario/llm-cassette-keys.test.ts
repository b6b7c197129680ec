import { describe, expect, test } from 'vitest'
import { parseScenarioSource } from './load-scenario.ts'

const file = 'scenarios/agent.scenario.yaml'
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`
const issuesOf = (source: string) => {
  const parsed = parseScenarioSource(source, file)
  return parsed.ok ? [] : parsed.issues.map((issue) => ({ path: issue.path, line: issue.line, column: issue.column, message: issue.message }))
}

describe('llm cassette keys', () => {
  test('a base URL from the environment, without a script: replayed from the cassette beside the scenario', () => {
    expect(issuesOf(yaml('input: { order: A1 }', 'llm:', '  base_url: ${env.LLM_URL}/v1'))).toEqual([])
    expect(issuesOf(yaml('input: { order: A1 }', 'llm:', '  base_url: https://api.openai.com/v1', '  cassette: shared/refund.cassette.json', '  record: true'))).toEqual([])
  })

  test('a script beside a cassette, recording from the virtual origin, and no script at the virtual origin are refused at their line', () => {
    expect(issuesOf(yaml('input: {}', 'llm:', '  script: [{ reply: hi }]', '  cassette: x.cassette.json'))).toEqual([
      expect.objectContaining({ path: 'llm.cassette', line: 4, column: 13, message: expect.stringContaining('either a `script:` or a cassette') }),
    ])
    expect(issuesOf(yaml('input: {}', 'llm:', '  record: true'))).toEqual([
      expect.objectContaining({ path: 'llm.record', line: 3, message: expect.stringContaining('a `base_url:` of the real endpoint') }),
    ])
    expect(issuesOf(yaml('input: {}', 'llm:', '  model: m'))).toEqual([expect.objectContaining({ path: 'llm', message: expect.stringContaining('a `script:` of turns') })])
    expect(issuesOf(yaml('input: {}', 'llm:', '  base_url: ${env.LLM_URL'))).toEqual([expect.objectContaining({ path: 'llm.base_url' })])
  })
})
