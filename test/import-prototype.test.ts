import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { cleanOutput, fixturePath, readReport, repoRoot, runVitest, type VitestRun } from './run-vitest.ts'

const fixture = 'prototype-tasks'
const scenarioFile = 'scenarios/prototype-tasks.scenario.yaml'

/** `awrr import` as a user runs it, from the repository's sources. */
function awrr(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe("awrr import: the Python prototype's tasks.jsonl, run under B0, B1 and B2 (fixtures/prototype-tasks)", () => {
  let imported: ReturnType<typeof awrr>
  let run: VitestRun
  let report: any

  beforeAll(async () => {
    cleanOutput(fixture)
    rmSync(fixturePath(fixture, 'scenarios'), { recursive: true, force: true })
    imported = awrr(['import', fixturePath(fixture, 'tasks.jsonl'), '--name', 'prototype-tasks'])
    mkdirSync(fixturePath(fixture, 'scenarios'), { recursive: true })
    writeFileSync(fixturePath(fixture, scenarioFile), imported.stdout)
    run = await runVitest(fixture)
    report = readReport(fixture)
  })

  test('imports every line and reports the field it does not carry over, with its line', () => {
    expect(imported.code, imported.stderr).toBe(0)
    const notes = imported.stderr.trim().split('\n')
    expect(notes).toEqual([
      `[awrr] ${fixturePath(fixture, 'tasks.jsonl')}:5: warning: workflow_type: unknown field "workflow_type" (value "refund_flow") is not imported`,
      '[awrr] Imported 6 of 6 tasks from tasks.jsonl; 1 warning.',
    ])
    // The prototype's scenario label survives as a comment beside its fault.
    expect(imported.stdout).toContain('# prototype scenario: cascade_conflict\n      - {id: F17, step: 4, type: Conflict, mode: stateful_conflict, prob: 0.5, force_first_attempt: true}')
  })

  test('each line is a test of one module, in file order, under every strategy', () => {
    expect(run.code, run.output).toBe(0)
    for (const strategy of ['B0', 'B1', 'B2']) {
      const tasks = report.strategies[strategy].tasks
      expect(tasks.map((task: any) => task.id)).toEqual(['T017', 'T004', 'T031', 'T009', 'T022', 'T040'])
      expect(new Set(tasks.map((task: any) => task.scenario))).toEqual(new Set(['prototype-tasks']))
    }
  })

  test('the faults mean what they meant in the prototype: the strategies part ways where they should', () => {
    const outcomes = (id: string) =>
      Object.fromEntries(['B0', 'B1', 'B2'].map((strategy) => [strategy, report.strategies[strategy].tasks.find((task: any) => task.id === id).outcome]))
    // A conflict forced on its first attempt clears only after a rollback: B2 rolls back, B1 only retries.
    expect(outcomes('T017')).toEqual({ B0: 'failed', B1: 'failed', B2: 'completed' })
    // A policy rejection at the policy check: B2 hands it to a human, blind retries fail.
    expect(outcomes('T004')).toEqual({ B0: 'failed', B1: 'failed', B2: 'escalated' })
    // A NotFound that fires once (eventual consistency): a retry wins, the rule table escalates a 404.
    expect(outcomes('T031')).toEqual({ B0: 'failed', B1: 'completed', B2: 'escalated' })
    // `timeout` written in lower case is the Timeout fault, on every attempt of the payment.
    expect(outcomes('T022')).toEqual({ B0: 'failed', B1: 'failed', B2: 'escalated' })
    const b1Payment = report.strategies.B1.tasks.find((task: any) => task.id === 'T022')
    // Four failed attempts of the payment: the first and B1's three retries.
    expect(b1Payment.diagnoses.filter((diagnosis: any) => diagnosis.step === 2)).toHaveLength(4)
  })

  test('`vitest run file.scenario.yaml:LINE` on a task entry runs only that task', async () => {
    const lines = readFileSync(fixturePath(fixture, scenarioFile), 'utf8').split('\n')
    const line = lines.findIndex((text) => text.trimStart() === '- id: T031') + 1
    expect(line).toBeGreaterThan(0)
    cleanOutput(fixture)
    const one = await runVitest(fixture, [`${scenarioFile}:${line}`, '--project', 'B1'])
    expect(one.code, one.output).toBe(0)
    expect(readReport(fixture).strategies.B1.tasks.map((task: any) => task.id)).toEqual(['T031'])
  })
})
