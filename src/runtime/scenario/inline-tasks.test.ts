import { SourceMap } from 'node:module'
import { describe, expect, it } from 'vitest'
import { compileScenario } from '../../plugin/compile-scenario.ts'
import { parseScenarioSource } from './load-scenario.ts'

const file = 'scenarios/two-tasks.scenario.yaml'
const yaml = (...lines: string[]) => lines.join('\n') + '\n'

const twoTasks = yaml(
  'name: two-tasks',
  'expect: { B0: failed }',
  'tasks:',
  '  - id: first',
  '    world:',
  '      records: { REC1: { status: pending } }',
  '    workflow:',
  '      - tool: get_record',
  '        with: { record_id: REC1 }',
  '      - tool: update_record',
  '        with: { record_id: REC1, patch: { status: approved } }',
  '    faults:',
  '      - { step: 1, type: Conflict, mode: stateful_conflict }',
  '    success: { record: REC1, status: approved }',
  '  - id: second',
  '    workflow:',
  '      - tool: commit',
  '    expect: { B0: completed }',
)

/** The JSON the generated module hands to `openScenarioSuite` as its first argument. */
function embeddedModule(code: string): any {
  const call = code.slice(code.indexOf('openScenarioSuite(') + 'openScenarioSuite('.length)
  for (let end = call.lastIndexOf('}'); end > 0; end = call.lastIndexOf('}', end - 1)) {
    try {
      return JSON.parse(call.slice(0, end + 1))
    } catch {
      // Not the end of the object yet: a later argument or a brace inside it.
    }
  }
  throw new Error('no module JSON in the generated code')
}

const issuesOf = (source: string) => {
  const result = parseScenarioSource(source, file)
  if (result.ok) throw new Error('expected issues')
  return result.issues.map(({ code, path, line, message }) => ({ code, path, line, message }))
}

describe('tasks: a file of written-out tasks', () => {
  it('parses each task with its own world, workflow, faults and oracle', () => {
    const result = parseScenarioSource(twoTasks, file)
    if (!result.ok) throw new Error(JSON.stringify(result.issues))
    expect(result.scenario.tasks).toEqual([
      {
        id: 'first',
        world: { records: { REC1: { status: 'pending' } }, inventory: {} },
        workflow: [
          { tool: 'get_record', with: { record_id: 'REC1' } },
          { tool: 'update_record', with: { record_id: 'REC1', patch: { status: 'approved' } } },
        ],
        faults: [{ step: 1, type: 'Conflict', mode: 'stateful_conflict', prob: 1 }],
        success: { record: 'REC1', status: 'approved' },
      },
      { id: 'second', workflow: [{ tool: 'commit' }], faults: [], expect: { B0: 'completed' } },
    ])
  })

  it('compiles to one test per task, each mapped to its own entry, with the file expect as default', () => {
    const compiled = compileScenario({ source: twoTasks, absoluteFile: `/project/${file}`, file, suiteModule: 'awrr-suite' })
    const lines = compiled.code.split('\n')
    expect(lines.filter((text) => text.startsWith('suite.taskAt('))).toEqual(['suite.taskAt(0);', 'suite.taskAt(1);'])
    const module = embeddedModule(compiled.code)
    expect(module.tasks.map((task: any) => [task.id, task.index, task.expect, task.faults[0]?.id])).toEqual([
      ['first', 0, { B0: 'failed' }, 'F0'],
      ['second', 1, { B0: 'completed' }, undefined],
    ])
    // Each taskAt line maps to its task's entry (`id:` on YAML lines 4 and 15, column 5), which is
    // what `vitest run file.scenario.yaml:LINE` matches against.
    const map = new SourceMap(compiled.map as ConstructorParameters<typeof SourceMap>[0])
    const taskLines = lines.flatMap((text, index) => (text.startsWith('suite.taskAt(') ? [index] : []))
    expect(taskLines.map((index) => map.findEntry(index, 0))).toMatchObject([
      { originalLine: 3, originalColumn: 4 },
      { originalLine: 14, originalColumn: 4 },
    ])
  })

  it('rejects duplicate ids, steps out of a task, unknown tools and top-level task fields, with lines', () => {
    const source = yaml(
      'world: { inventory: { widget: 1 } }',
      'tasks:',
      '  - id: a',
      '    workflow: [{ tool: commit }]',
      '    faults: [{ step: 1, type: Timeout }]',
      '  - id: a',
      '    workflow: [{ tool: teleport }]',
    )
    expect(issuesOf(source)).toEqual([
      { code: 'custom', path: 'world', line: 1, message: 'world must be inside each task, not at the top level beside `tasks:` (got a mapping)' },
      { code: 'step_out_of_range', path: 'tasks.0.faults.0.step', line: 5, message: expect.stringContaining('tasks.0.faults.0.step must be a step index in [0, 0]') },
      { code: 'custom', path: 'tasks.1.id', line: 6, message: expect.stringContaining('tasks.1.id must be a task id not used by an earlier task (got a)') },
      { code: 'unknown_tool', path: 'tasks.1.workflow.0.tool', line: 7, message: expect.stringContaining('tasks.1.workflow.0.tool must be a built-in tool') },
    ])
  })

  it('needs exactly one body: tasks beside a workflow is an error', () => {
    const issues = issuesOf(yaml('workflow: [{ tool: commit }]', 'tasks:', '  - { id: a, workflow: [{ tool: commit }] }'))
    expect(issues).toMatchObject([{ code: 'custom', path: '', message: expect.stringContaining('exactly one of `workflow:`, `generate:`, `tasks:`') }])
  })
})
