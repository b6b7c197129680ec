import { beforeAll, expect, test } from 'vitest'
import { cleanOutput, readReport, runVitest, type VitestRun } from './run-vitest.ts'

let run: VitestRun
beforeAll(async () => {
  cleanOutput('user-strategy')
  run = await runVitest('user-strategy')
})

test("a user's strategy module runs as its own project beside the built-ins", () => {
  expect(run.code, run.output).toBe(0)
  const report = readReport('user-strategy')
  expect(Object.keys(report.strategies)).toEqual(['B2', 'patient'])
  const [patient] = report.strategies.patient.tasks
  expect(patient).toMatchObject({ scenario: 'slow-warehouse', outcome: 'completed', tool_calls: 8 })
  expect(report.strategies.B2.tasks[0].outcome).toBe('escalated')
  expect(run.stdout).toMatch(/^patient\s+1\.000/m)
})
