import { describe, expect, it } from 'vitest'
import { writeScenarioYaml } from './write-scenario.ts'

describe('writeScenarioYaml', () => {
  it('writes plain collections on one line and the rest in blocks, header and comments first', () => {
    const written = writeScenarioYaml(
      {
        name: 'written',
        tasks: [{ id: 'a', workflow: [{ tool: 'commit' }, { tool: 'get_record', with: { record_id: 'R1' } }], faults: [{ id: 'F0', step: 0, type: 'Timeout' }] }],
      },
      { schemaPath: '../schema/scenario.schema.json', header: ['Written by a test.'], comments: new Map([['tasks.0.faults.0', 'why this fault']]) },
    )
    expect(written).toEqual({
      ok: true,
      text: [
        '# yaml-language-server: $schema=../schema/scenario.schema.json',
        '# Written by a test.',
        '',
        'name: written',
        'tasks:',
        '  - id: a',
        '    workflow:',
        '      - tool: commit',
        '      - tool: get_record',
        '        with: {record_id: R1}',
        '    faults:',
        '      # why this fault',
        '      - {id: F0, step: 0, type: Timeout}',
        '',
      ].join('\n'),
    })
  })

  it('returns the loader issues instead of a file that would not load', () => {
    const tooLarge = writeScenarioYaml({ name: 'big', description: 'x'.repeat(1_100_000), workflow: [{ tool: 'commit' }] })
    expect(tooLarge.ok).toBe(false)
    expect(!tooLarge.ok && tooLarge.issues[0]?.code).toBe('file_too_large')
    const unknownTool = writeScenarioYaml({ name: 'bad', workflow: [{ tool: 'teleport' }] })
    expect(!unknownTool.ok && unknownTool.issues.map((issue) => issue.path)).toEqual(['workflow.0.tool'])
  })
})
