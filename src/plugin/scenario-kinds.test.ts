import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { exactPatterns, findScenarioKinds, scenarioKindOf } from './scenario-kinds.ts'

describe('scenarioKindOf', () => {
  it('tells an agent input from a workflow, a suite or a task list by the top-level key', () => {
    expect(scenarioKindOf('name: a\ninput: { order: C3 }\n')).toBe('input')
    expect(scenarioKindOf('name: a\nworkflow:\n  - tool: get_record\n')).toBe('workflow')
    expect(scenarioKindOf('generate: { tasks: 3 }\n')).toBe('workflow')
    expect(scenarioKindOf('tasks: []\n')).toBe('workflow')
    // `input` inside a step is not the file's input.
    expect(scenarioKindOf('workflow:\n  - tool: x\n    with: { input: 1 }\n')).toBe('workflow')
  })

  it('leaves a file it cannot read as a mapping to every project, which report its error', () => {
    expect(scenarioKindOf('input: [unclosed\n')).toBe('unknown')
    expect(scenarioKindOf('- a list\n')).toBe('unknown')
  })
})

describe('findScenarioKinds', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'awrr-kinds-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(path.join(root, 'scenarios', 'agents [v2]'), { recursive: true })
  mkdirSync(path.join(root, 'node_modules', 'x', 'scenarios'), { recursive: true })
  writeFileSync(path.join(root, 'scenarios', 'checkout.scenario.yaml'), 'workflow:\n  - tool: get_record\n')
  writeFileSync(path.join(root, 'scenarios', 'agents [v2]', 'order.scenario.yaml'), 'input: {}\n')
  writeFileSync(path.join(root, 'scenarios', 'broken.scenario.yaml'), 'input: [\n')
  writeFileSync(path.join(root, 'node_modules', 'x', 'scenarios', 'dep.scenario.yaml'), 'input: {}\n')

  it('sorts the included files by kind, skipping excluded ones', () => {
    const kinds = findScenarioKinds(root, ['**/*.scenario.yaml'], undefined)
    expect(kinds).toEqual({ input: ['scenarios/agents [v2]/order.scenario.yaml'], workflow: ['scenarios/checkout.scenario.yaml'] })
    expect(findScenarioKinds(root, ['scenarios/**/*.scenario.yaml'], ['**/agents*/**']).input).toEqual([])
  })

  it('turns file names into patterns that match only those files', () => {
    expect(exactPatterns(['scenarios/agents [v2]/order.scenario.yaml'])).toEqual(['scenarios/agents \\[v2\\]/order.scenario.yaml'])
  })
})
