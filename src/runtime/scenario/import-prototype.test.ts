import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { importPrototypeTasks, type ImportNote } from './import-prototype.ts'
import { parseScenarioSource } from './load-scenario.ts'
import { writeScenarioYaml } from './write-scenario.ts'

/** One prototype task line, as `generate_tasks.py` writes it; tests override what they are about. */
function line(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    task_id: 'T001',
    initial_world_state: { records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } }, inventory: { widget: 9 }, audit_log: [] },
    steps: [
      { step_idx: 0, step_name: 'get_record', tool_name: 'get_record', params: { record_id: 'REC1' } },
      { step_idx: 1, step_name: 'process_payment', tool_name: 'process_payment', params: { order_id: 'REC1', amount: 240 } },
      { step_idx: 2, step_name: 'commit', tool_name: 'commit', params: {} },
    ],
    fault_injections: [{ step_idx: 1, fault_type: 'Conflict', prob: 0.45, fault_id: 'F1', scenario: 'cascade_conflict', mode: 'stateful_conflict' }],
    success_condition: { type: 'record_status', record_id: 'REC1', expected_status: 'approved' },
    ...overrides,
  })
}

const fault = (fields: Record<string, unknown>) => ({ step_idx: 1, fault_type: 'HTTP_500', prob: 1.0, fault_id: 'F1', scenario: 'x', mode: 'once', ...fields })
const notesOf = (text: string) => importPrototypeTasks(text).notes.map(({ line: at, path, severity, message }: ImportNote) => ({ at, path, severity, message }))

describe('importPrototypeTasks', () => {
  it('maps a prototype task field by field', () => {
    const result = importPrototypeTasks(line())
    expect(result.notes).toEqual([])
    expect(result.tasks).toEqual([
      {
        id: 'T001',
        world: { records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } }, inventory: { widget: 9 } },
        workflow: [
          { tool: 'get_record', with: { record_id: 'REC1' } },
          { tool: 'process_payment', with: { order_id: 'REC1', amount: 240 } },
          { tool: 'commit' },
        ],
        faults: [{ id: 'F1', step: 1, type: 'Conflict', mode: 'stateful_conflict', prob: 0.45 }],
        success: { record: 'REC1', status: 'approved' },
      },
    ])
    expect(result.faultLabels).toEqual(new Map([['tasks.0.faults.0', 'prototype scenario: cascade_conflict']]))
  })

  it('reads fault types and modes case-insensitively, and says when it reads an alias', () => {
    const text = [
      line({ task_id: 'a', fault_injections: [fault({ fault_type: 'http_500', mode: 'Per_Attempt' })] }),
      line({ task_id: 'b', fault_injections: [fault({ fault_type: 'STATE-CORRUPTION', mode: 'PERSISTENT', layer_override: 'Semantic' })] }),
      line({ task_id: 'c', fault_injections: [fault({ fault_type: 'http_503' })] }),
    ].join('\n')
    const result = importPrototypeTasks(text)
    expect(result.tasks.map((task) => task.faults[0])).toEqual([
      { id: 'F1', step: 1, type: 'HTTP_500', mode: 'per_attempt', prob: 1 },
      { id: 'F1', step: 1, type: 'StateCorruption', mode: 'persistent', prob: 1, layer: 'semantic' },
      { id: 'F1', step: 1, type: 'Unavailable', mode: 'once', prob: 1 },
    ])
    expect(notesOf(text)).toEqual([
      { at: 3, path: 'fault_injections[0].fault_type', severity: 'warning', message: 'fault_type "http_503" is read as Unavailable' },
    ])
  })

  it('skips a task with an unknown fault type or mode and says which line and field', () => {
    const text = [line({ task_id: 'ok' }), line({ task_id: 'bad', fault_injections: [fault({ fault_type: 'Gremlins' })] }), line({ task_id: 'worse', fault_injections: [fault({ mode: 'sometimes' })] })].join('\n')
    const result = importPrototypeTasks(text)
    expect(result.tasks.map((task) => task.id)).toEqual(['ok'])
    expect(result.lines).toBe(3)
    expect(notesOf(text)).toMatchObject([
      { at: 2, path: 'fault_injections[0].fault_type', severity: 'error', message: expect.stringMatching(/^unknown fault_type "Gremlins"; known types: Timeout, HTTP_500, .*; the task is skipped$/) },
      { at: 3, path: 'fault_injections[0].mode', severity: 'error', message: expect.stringContaining('unknown mode "sometimes"') },
    ])
  })

  it('reports every field it does not carry over, with its line and path', () => {
    const text = [
      '',
      line({
        difficulty: 'hard',
        initial_world_state: { records: {}, inventory: {}, audit_log: [{ action: 'commit' }], fault_plan: {} },
        steps: [{ step_idx: 0, step_name: 'commit', tool_name: 'commit', params: {}, retries: 2 }],
        fault_injections: [{ step_idx: 0, fault_type: 'Timeout', fault_id: 'F9', mode: 'once', severity: 'high' }],
        success_condition: { type: 'record_status', record_id: 'REC1', expected_status: 'approved', note: 'x' },
      }),
    ].join('\n')
    expect(notesOf(text)).toEqual([
      { at: 2, path: 'difficulty', severity: 'warning', message: 'unknown field "difficulty" (value "hard") is not imported' },
      { at: 2, path: 'initial_world_state.fault_plan', severity: 'warning', message: 'unknown field "fault_plan" (value {}) is not imported' },
      {
        at: 2,
        path: 'initial_world_state.audit_log',
        severity: 'warning',
        message: '1 audit_log entries are not imported: an AWRR world starts with an empty audit log',
      },
      { at: 2, path: 'steps[0].retries', severity: 'warning', message: 'unknown field "retries" (value 2) is not imported' },
      { at: 2, path: 'fault_injections[0].severity', severity: 'warning', message: 'unknown field "severity" (value "high") is not imported' },
      {
        at: 2,
        path: 'fault_injections[0].prob',
        severity: 'warning',
        message: 'prob is missing; imported as 0, as the prototype reads it (the fault never fires unless forced)',
      },
      { at: 2, path: 'success_condition.note', severity: 'warning', message: 'unknown field "note" (value "x") is not imported' },
    ])
    expect(importPrototypeTasks(text).tasks[0]?.faults[0]?.prob).toBe(0)
  })

  it('rejects lines that cannot become a runnable task', () => {
    const cases: [string, string, string][] = [
      ['{"task_id": "T1", ', '', 'not valid JSON'],
      ['[1, 2]', '', 'expected a JSON object per line'],
      [line({ steps: [{ step_idx: 0, tool_name: 'teleport', params: {} }] }), 'steps[0].tool_name', 'unknown tool "teleport"'],
      [line({ steps: [{ step_idx: 0, tool_name: 'commit' }, { step_idx: 2, tool_name: 'commit' }] }), 'steps', 'step_idx values must be 0 to 1, each once (got 0, 2)'],
      [line({ fault_injections: [fault({ step_idx: 3 })] }), 'fault_injections[0].step_idx', 'step_idx must be a step of this task, 0 to 2 (got 3)'],
      [line({ fault_injections: [fault({ prob: 1.5 })] }), 'fault_injections[0].prob', 'prob must be a number in [0, 1] (got 1.5)'],
      [line({ success_condition: { type: 'all_steps_ok' } }), 'success_condition.type', 'success_condition type "all_steps_ok" is not supported'],
      [line({ initial_world_state: { inventory: { widget: -1 } } }), 'initial_world_state.inventory.widget', 'inventory widget must be an integer >= 0 (got -1)'],
    ]
    for (const [text, path, message] of cases) {
      const result = importPrototypeTasks(text)
      expect(result.tasks, text).toEqual([])
      expect(result.notes.at(-1), text).toMatchObject({ line: 1, path, severity: 'error', message: expect.stringContaining(message) })
    }
  })

  it('refuses a task id used twice, naming the first line', () => {
    const result = importPrototypeTasks([line(), line()].join('\n'))
    expect(result.tasks).toHaveLength(1)
    expect(result.notes).toEqual([{ line: 2, path: 'task_id', severity: 'error', message: 'task_id "T001" is already used on line 1; the task is skipped' }])
  })

  it("translates the prototype's policy_check context so the check can still refuse", () => {
    const steps = [{ step_idx: 0, step_name: 'policy_check', tool_name: 'policy_check', params: { action: 'approve', context: { required_inventory: { widget: 1 } } } }]
    const [task] = importPrototypeTasks(line({ steps, fault_injections: [] })).tasks
    expect(task?.workflow[0]?.with).toEqual({ action: 'approve', context: { required_inventory: { widget: 1 } }, required_inventory: { item_id: 'widget', qty: 1 } })
  })

  it('writes a scenario the loader accepts, with the scenario labels as comments', () => {
    const text = readFileSync(new URL('../../../fixtures/prototype-tasks/tasks.jsonl', import.meta.url), 'utf8')
    const result = importPrototypeTasks(text)
    expect(result.tasks).toHaveLength(6)
    const written = writeScenarioYaml({ name: 'imported', tasks: result.tasks }, { comments: result.faultLabels })
    expect(written.ok).toBe(true)
    expect(written.text).toContain('      # prototype scenario: eventual_consistency\n      - {id: F31, step: 0, type: NotFound, mode: once, prob: 1}')
    const parsed = parseScenarioSource(written.text, 'imported.scenario.yaml')
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
    expect(parsed.scenario.tasks?.map((task) => task.id)).toEqual(['T017', 'T004', 'T031', 'T009', 'T022', 'T040'])
    expect(parsed.scenario.tasks?.[5]?.faults[0]).toMatchObject({ type: 'AuthDenied', layer: 'persistent' })
  })
})
