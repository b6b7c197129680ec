import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
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
    expect(kinds).toEqual({ input: ['scenarios/agents [v2]/order.scenario.yaml'], workflow: ['scenarios/checkout.scenario.yaml'], unprintable: [] })
    expect(findScenarioKinds(root, ['scenarios/**/*.scenario.yaml'], ['**/agents*/**']).input).toEqual([])
  })

  it('sets aside, unread, a file whose path holds a control character: Vitest would print it raw', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'awrr-kinds-unprintable-'))
    try {
      mkdirSync(path.join(project, 'clear\u001b[2J'))
      writeFileSync(path.join(project, 'clear\u001b[2J', 'a.scenario.yaml'), 'workflow:\n  - tool: commit\n')
      writeFileSync(path.join(project, 'bidi\u202eX.scenario.yaml'), 'input: {}\n')
      writeFileSync(path.join(project, 'fine <b>|=1.scenario.yaml'), 'workflow:\n  - tool: commit\n')
      expect(findScenarioKinds(project, ['**/*.scenario.yaml'], undefined)).toEqual({
        input: [],
        workflow: ['fine <b>|=1.scenario.yaml'],
        unprintable: ['bidi\u202eX.scenario.yaml', 'clear\u001b[2J/a.scenario.yaml'],
      })
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('never reads a file whose real path leaves the root (a link to a file outside the project)', () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'awrr-kinds-outside-'))
    const project = mkdtempSync(path.join(tmpdir(), 'awrr-kinds-linked-'))
    try {
      writeFileSync(path.join(outside, 'credentials'), 'input: { secret: 1 }\n')
      symlinkSync(path.join(outside, 'credentials'), path.join(project, 'leak.scenario.yaml'))
      writeFileSync(path.join(project, 'inside.scenario.yaml'), 'input: {}\n')
      expect(findScenarioKinds(project, ['*.scenario.yaml'], undefined)).toEqual({ input: ['inside.scenario.yaml'], workflow: [], unprintable: [] })
    } finally {
      rmSync(outside, { recursive: true, force: true })
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('turns file names into patterns that match only those files', () => {
    expect(exactPatterns(['scenarios/agents [v2]/order.scenario.yaml'])).toEqual(['scenarios/agents \\[v2\\]/order.scenario.yaml'])
  })
})
