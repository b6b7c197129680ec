import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { parseScenarioSource } from '../../runtime/scenario/load-scenario.ts'
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
})
