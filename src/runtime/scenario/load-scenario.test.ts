import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { parseScenarioSource, type ParseScenarioOptions } from './load-scenario.ts'
import type { ScenarioIssue } from './scenario-error.ts'

const file = 'scenarios/checkout.scenario.yaml'

/** One argument per line, so a test reads its line numbers off the source. */
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`

function issuesOf(source: string | Uint8Array, options?: ParseScenarioOptions): ScenarioIssue[] {
  const result = parseScenarioSource(source, file, options)
  if (result.ok) throw new Error('expected the scenario to be rejected')
  return result.issues
}

function onlyIssue(source: string | Uint8Array, options?: ParseScenarioOptions): ScenarioIssue {
  const issues = issuesOf(source, options)
  expect(issues).toHaveLength(1)
  return issues[0]!
}

const checkout = yaml(
  '# yaml-language-server: $schema=../schema/scenario.schema.json',
  'description: Payment meets a conflict that clears once the world is rolled back.',
  'tags: [ecommerce, saga]',
  'seed: 42',
  'world:',
  '  records:',
  '    REC1: { status: pending, value: 240, payment_status: unpaid }',
  '  inventory: { widget: 12 }',
  'workflow:',
  '  - tool: get_record',
  '    with: { record_id: REC1 }',
  '  - tool: lock_inventory',
  '    with: { item_id: widget, qty: 2 }',
  '  - tool: process_payment',
  '    with: { order_id: REC1, amount: 240 }',
  '  - tool: commit',
  'faults:',
  '  - step: 2',
  '    type: Conflict',
  '    mode: stateful_conflict',
  '    prob: 1.0',
  'success: { record: REC1, status: approved }',
  'expect:',
  '  B0: failed',
  '  B2: completed',
)

describe('parseScenarioSource: valid files', () => {
  test('returns the scenario with defaults applied', () => {
    const result = parseScenarioSource(checkout, file)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.scenario).toEqual({
      name: 'checkout',
      description: 'Payment meets a conflict that clears once the world is rolled back.',
      tags: ['ecommerce', 'saga'],
      seed: 42,
      world: { records: { REC1: { status: 'pending', value: 240, payment_status: 'unpaid' } }, inventory: { widget: 12 } },
      workflow: [
        { tool: 'get_record', with: { record_id: 'REC1' } },
        { tool: 'lock_inventory', with: { item_id: 'widget', qty: 2 } },
        { tool: 'process_payment', with: { order_id: 'REC1', amount: 240 } },
        { tool: 'commit' },
      ],
      faults: [{ step: 2, type: 'Conflict', mode: 'stateful_conflict', prob: 1 }],
      success: { record: 'REC1', status: 'approved' },
      expect: { B0: 'failed', B2: 'completed' },
    })
  })

  test('keeps a name written in the file and fills fault defaults', () => {
    const result = parseScenarioSource(yaml('name: own-name', 'workflow:', '  - tool: commit', 'faults:', '  - { tool: commit, type: HTTP_500 }'), file)
    expect(result.ok && result.scenario.name).toBe('own-name')
    expect(result.ok && result.scenario.faults).toEqual([{ tool: 'commit', type: 'HTTP_500', mode: 'once', prob: 1 }])
  })

  test('accepts a suite, as bytes', () => {
    const source = new TextEncoder().encode(yaml('name: ws-bench', 'generate:', '  tasks: 100', '  seed: 42', '  profile: balanced'))
    const result = parseScenarioSource(source, file)
    expect(result.ok && result.scenario.generate).toEqual({
      tasks: 100,
      seed: 42,
      profile: 'balanced',
      workflows: ['saga_payment', 'double_write', 'refund_flow'],
    })
  })

  test('lineOf points at keys, and at the closest written parent of a missing path', () => {
    const result = parseScenarioSource(checkout, file)
    if (!result.ok) throw new Error('expected a valid scenario')
    expect(result.lineOf(['workflow'])).toEqual({ line: 9, column: 1 })
    expect(result.lineOf(['workflow', 2])).toEqual({ line: 14, column: 5 })
    expect(result.lineOf(['faults', 0, 'mode'])).toEqual({ line: 20, column: 5 })
    expect(result.lineOf(['faults', 0, 'times'])).toEqual({ line: 18, column: 5 })
    expect(result.lineOf([])).toEqual({ line: 2, column: 1 })
  })
})

describe('parseScenarioSource: bad input', () => {
  test('a probability outside [0, 1]', () => {
    const source = checkout.replace('prob: 1.0', 'prob: 1.5').replace('  - step: 2\n', '  - step: 2\n    id: F-conflict\n')
    expect(onlyIssue(source)).toEqual({
      code: 'out_of_range',
      path: 'faults.0.prob',
      expected: 'a number in [0, 1]',
      received: '1.5',
      message: 'faults.0.prob must be a number in [0, 1] (got 1.5)',
      line: 22,
      column: 11,
    })
  })

  test('YAML syntax errors', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', '    with: a: b'))).toMatchObject({
      code: 'yaml_syntax',
      path: 'workflow.0.with.a',
      expected: 'valid YAML',
      received: 'with: a: b',
      line: 3,
      column: 11,
    })
  })

  test('tabs as indentation', () => {
    expect(onlyIssue(yaml('workflow:', '\t- tool: commit'))).toMatchObject({ code: 'yaml_syntax', line: 2, column: 1 })
  })

  test('duplicate keys', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', '    tool: get_record'))).toMatchObject({
      code: 'duplicate_key',
      path: 'workflow.0.tool',
      line: 3,
      column: 5,
    })
  })

  test('unknown keys, at the key itself', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', 'faults:', '  - tool: commit', '    type: Timeout', '    prb: 0.5'))).toMatchObject({
      code: 'unknown_key',
      path: 'faults.0.prb',
      expected: expect.stringContaining('one of id, step, tool, target, type, mode, prob'),
      received: 'prb',
      line: 6,
      column: 5,
    })
  })

  test('wrong types, with the value as written', () => {
    expect(onlyIssue(yaml('seed: "42"', 'workflow:', '  - tool: commit'))).toMatchObject({
      code: 'invalid_type',
      path: 'seed',
      expected: 'an integer',
      received: '"42"',
      line: 1,
      column: 7,
    })
    expect(onlyIssue(yaml('workflow:', '  tool: commit'))).toMatchObject({
      code: 'invalid_type',
      path: 'workflow',
      expected: 'a list of 1 to 1000 items',
      received: 'a mapping',
      line: 2,
      column: 3,
    })
    expect(onlyIssue(yaml('- tool: commit'))).toMatchObject({ code: 'invalid_type', path: '', expected: 'a mapping', line: 1, column: 1 })
  })

  test('an empty value, at its key', () => {
    expect(onlyIssue(yaml('world:', 'workflow:', '  - tool: commit'))).toMatchObject({
      code: 'invalid_type',
      path: 'world',
      received: 'nothing',
      line: 1,
      column: 1,
    })
  })

  test('values outside an enum', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', 'faults:', '  - { step: 0, type: Timeout, mode: twice }'))).toMatchObject({
      code: 'invalid_value',
      path: 'faults.0.mode',
      expected: 'one of once, per_attempt, persistent, stateful_conflict, first_n',
      received: 'twice',
      line: 4,
      column: 37,
    })
  })

  test('keys that break the key pattern', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', 'expect:', '  "B 2": failed'))).toMatchObject({
      code: 'invalid_value',
      path: 'expect.B 2',
      received: 'B 2',
      line: 4,
      column: 3,
    })
  })

  test('missing keys, at the mapping that lacks them', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', 'faults:', '  - step: 0', '    mode: once'))).toMatchObject({
      code: 'missing_key',
      path: 'faults.0.type',
      expected: expect.stringMatching(/^one of Timeout, /),
      received: 'nothing',
      line: 4,
      column: 5,
    })
  })

  test('unknown tools', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: get_record', '  - tool: procss_payment'))).toMatchObject({
      code: 'unknown_tool',
      path: 'workflow.1.tool',
      expected: expect.stringContaining('process_payment'),
      received: 'procss_payment',
      line: 3,
      column: 11,
    })
  })

  test('steps out of range', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', 'faults:', '  - step: 3', '    type: Timeout'))).toMatchObject({
      code: 'step_out_of_range',
      path: 'faults.0.step',
      expected: 'a step index in [0, 0]',
      received: '3',
      line: 4,
      column: 11,
    })
  })

  test('first_n without times', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: commit', 'faults:', '  - step: 0', '    type: Timeout', '    mode: first_n'))).toMatchObject({
      code: 'missing_times',
      path: 'faults.0.times',
      received: 'nothing',
      line: 4,
      column: 5,
    })
  })

  test('a generated suite past the task limit names the limit and why', () => {
    const suite = (tasks: number) => yaml('name: ws-bench-huge', 'generate:', `  tasks: ${tasks}`, '  profile: balanced')
    // 1,000,000, the old maximum, ran the worker out of memory.
    const found = onlyIssue(suite(1_000_000))
    expect(found).toMatchObject({ code: 'out_of_range', path: 'generate.tasks', expected: 'an integer in [1, 50000]', received: '1000000', line: 3, column: 10 })
    expect(found.message).toMatch(/^generate\.tasks must be an integer in \[1, 50000\] \(got 1000000\): a suite's tasks are all tests of one file, which its worker and the Vitest main process keep in memory/)
    expect(found.message).toContain('50,000-task suite peaked at 1.5 GB in its worker')
    expect(onlyIssue(suite(50_001)).path).toBe('generate.tasks')
    expect(parseScenarioSource(suite(50_000), file).ok).toBe(true)
  })

  test('repeats count against the same limit: every trial is a test', () => {
    const suite = (tasks: number, repeats: number) => yaml('name: ws-bench-huge', `repeats: ${repeats}`, 'generate:', `  tasks: ${tasks}`, '  profile: balanced')
    const found = onlyIssue(suite(10_000, 6))
    expect(found).toMatchObject({ code: 'out_of_range', path: 'repeats', received: '6', line: 2, column: 10 })
    expect(found.message).toMatch(/^repeats must be at most 5 for 10000 tasks \(a file runs tasks x repeats tests, at most 50,000: a suite's tasks/)
    expect(parseScenarioSource(suite(10_000, 5), file).ok).toBe(true)
  })

  test('neither workflow nor generate', () => {
    expect(onlyIssue(yaml('', 'name: nothing-to-run'))).toMatchObject({ code: 'custom', path: '', received: 'none', line: 2, column: 1 })
  })

  test('alias bombs', () => {
    const bomb = yaml(
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'workflow: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    )
    expect(onlyIssue(bomb)).toMatchObject({ code: 'alias_limit', path: 'b.0', expected: 'at most 50 alias expansions', line: 2, column: 8 })
  })

  test('maxAliasCount bounds ordinary aliases too', () => {
    const source = yaml('workflow:', '  - &step { tool: commit }', '  - *step', '  - *step')
    expect(parseScenarioSource(source, file).ok).toBe(true)
    expect(onlyIssue(source, { maxAliasCount: 1 })).toMatchObject({ code: 'alias_limit', line: 3, column: 5 })
  })

  test('aliases without an anchor', () => {
    expect(onlyIssue(yaml('workflow:', '  - tool: *commit'))).toMatchObject({
      code: 'yaml_syntax',
      path: 'workflow.0.tool',
      received: '*commit',
      line: 2,
      column: 11,
    })
  })

  test('oversized files, before parsing them', () => {
    const broken = `workflow: [${'x'.repeat(100)}`
    expect(onlyIssue(broken, { maxBytes: 64 })).toMatchObject({
      code: 'file_too_large',
      expected: 'at most 64 bytes',
      received: '111 bytes',
      line: 1,
      column: 1,
    })
    // Bytes, not characters: "é" is two.
    expect(onlyIssue(`name: ${'é'.repeat(30)}`, { maxBytes: 64 })).toMatchObject({ code: 'file_too_large', received: '66 bytes' })
    expect(onlyIssue(new Uint8Array(65), { maxBytes: 64 })).toMatchObject({ code: 'file_too_large', received: '65 bytes' })
  })

  test.each([
    ['an empty file', ''],
    ['blank lines', '  \n\n\t\n'],
    ['only comments', '# yaml-language-server: $schema=../schema/scenario.schema.json\n# to do\n'],
  ])('empty files: %s', (_, source) => {
    expect(onlyIssue(source)).toMatchObject({ code: 'empty_file', path: '', line: 1, column: 1 })
  })

  test('bytes that are not UTF-8, at the first bad sequence', () => {
    const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0))
    expect(onlyIssue(latin1('name: x\ndescription: caf\u00e9\nworkflow: []\n'))).toMatchObject({
      code: 'invalid_utf8',
      expected: 'UTF-8 text',
      received: 'bytes 0xe9 0x0a',
      line: 2,
      column: 17,
    })
    const cutOff = new Uint8Array([...new TextEncoder().encode('\uFEFFname: \u20ac'), 0xe2, 0x82])
    expect(onlyIssue(cutOff)).toMatchObject({ code: 'invalid_utf8', received: 'bytes 0xe2 0x82', line: 1, column: 8 })
  })

  test('every issue of a file at once, sorted by line', () => {
    const source = yaml(
      'workflow:',
      '  - tool: get_record',
      '  - tool: procss_payment',
      'faults:',
      '  - step: 0',
      '    type: Bogus',
      '    prob: 2',
      '  - tool: commit',
      '    type: Timeout',
      '    mode: first_n',
      'seed: "1"',
      'surprise: true',
    )
    expect(issuesOf(source).map(({ code, path, line, column }) => `${line}:${column} ${code} ${path}`)).toEqual([
      '3:11 unknown_tool workflow.1.tool',
      '6:11 invalid_value faults.0.type',
      '7:11 out_of_range faults.0.prob',
      '8:5 missing_times faults.1.times',
      '11:7 invalid_type seed',
      '12:1 unknown_key surprise',
    ])
  })

  test('never throws, and every issue points inside the file', () => {
    const fragments = fc.constantFrom(
      'workflow:',
      '  - tool: commit',
      '  - &a { tool: get_record }',
      '  - *a',
      'faults:',
      '  - step: 0',
      '    prob: 1.5',
      '    type: Timeout',
      'name: [',
      '\t- x',
      'key: key: key',
      '# comment',
      '',
    )
    fc.assert(
      fc.property(fc.array(fc.oneof(fragments, fc.string()), { maxLength: 12 }), (lines) => {
        const source = lines.join('\n')
        const result = parseScenarioSource(source, file)
        if (result.ok) return
        const lineCount = source.split('\n').length
        for (const issue of result.issues) {
          expect(issue.line).toBeGreaterThanOrEqual(1)
          expect(issue.line).toBeLessThanOrEqual(lineCount)
          expect(issue.column).toBeGreaterThanOrEqual(1)
        }
      }),
      { numRuns: 300 },
    )
  })
})
