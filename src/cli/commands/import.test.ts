import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { parseScenarioSource } from '../../runtime/scenario/load-scenario.ts'
import { hasControlCharacters } from '../../runtime/text/control-characters.ts'
import { main } from '../main.ts'

async function awrr(...args: string[]) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const code = await main(args, { stdout, stderr })
  return { code, stdout: out, stderr: err }
}

const task = (id: string, faultType: string) =>
  JSON.stringify({
    task_id: id,
    initial_world_state: { records: { REC1: { status: 'pending' } }, inventory: {}, audit_log: [] },
    steps: [{ step_idx: 0, step_name: 'commit', tool_name: 'commit', params: {} }],
    fault_injections: [{ step_idx: 0, fault_type: faultType, prob: 1.0, fault_id: 'F1', scenario: 'incident', mode: 'persistent' }],
    success_condition: { type: 'record_status', record_id: 'REC1', expected_status: 'pending' },
  })

function taskFile(...lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'awrr-import-')), 'My Tasks.jsonl')
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

describe('awrr import', () => {
  test('writes the tasks it could import and exits 1 when it skipped some', async () => {
    const file = taskFile(task('A', 'HTTP_500'), task('B', 'Meteor'), task('C', 'timeout'))
    const result = await awrr('import', file)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${file}:2: error: fault_injections[0].fault_type: unknown fault_type "Meteor"`)
    expect(result.stderr).toContain('[awrr] Imported 2 of 3 tasks from My Tasks.jsonl; 1 skipped.')
    const parsed = parseScenarioSource(result.stdout, 'x.scenario.yaml')
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
    expect(parsed.scenario.name).toBe('My-Tasks')
    expect(parsed.scenario.tasks?.map((entry) => [entry.id, entry.faults[0]?.type])).toEqual([
      ['A', 'HTTP_500'],
      ['C', 'Timeout'],
    ])
  })

  test('exits 1 with nothing on stdout when no line is usable, and 2 without a file', async () => {
    const result = await awrr('import', taskFile('not json'))
    expect(result).toMatchObject({ code: 1, stdout: '' })
    expect(result.stderr).toContain('No task of')
    expect((await awrr('import')).code).toBe(2)
    expect((await awrr('import', path.join(tmpdir(), 'does-not-exist.jsonl'))).stderr).toMatch(/^\[awrr\] Cannot read /)
  })

  test('warnings and errors show control characters from the task file as escapes', async () => {
    const hostile = JSON.parse(task('D', 'HTTP_500')) as Record<string, any>
    // A field name with a screen clear, a record id with a bidi override, an inventory item with an
    // OSC 8 link, a task id with a lone CR: each is quoted in a note.
    hostile['extra\u001b[2J'] = 1
    hostile.initial_world_state.records['R\u202eX'] = 'not a record'
    const file = taskFile(JSON.stringify(hostile), JSON.stringify({ ...JSON.parse(task('E\rF', 'HTTP_500')), task_id: 'E\rF\u009b' }), task('E\rF\u009b', 'HTTP_500'))
    const result = await awrr('import', file)
    expect(result.stderr).toContain('extra\\x1b[2J')
    expect(result.stderr).toContain('R\\u202eX')
    expect(result.stderr).toContain('E\\rF\\x9b')
    const lines = result.stderr.split('\n').filter((line) => line !== '')
    expect(lines.length).toBeGreaterThanOrEqual(3)
    expect(lines.filter((line) => hasControlCharacters(line))).toEqual([])
  })
})
