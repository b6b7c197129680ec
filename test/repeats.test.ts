import { beforeAll, expect, test } from 'vitest'
import { cleanOutput, readReport, runVitest, type VitestRun } from './run-vitest.ts'

let run: VitestRun
beforeAll(async () => {
  cleanOutput('repeats')
  run = await runVitest('repeats')
})

test('repeats: k runs every task k times with fresh fault draws and reports pass^k', () => {
  expect(run.code, run.output).toBe(0)
  const report = readReport('repeats')
  for (const strategy of ['B0', 'B2']) {
    const tasks = report.strategies[strategy].tasks
    expect(tasks.map((task: { repeat: number }) => task.repeat)).toEqual([0, 1, 2])
    expect(report.strategies[strategy].pass_hat_k.trials).toBe(3)
  }
  // With prob 0.5 per attempt and the same seed in every trial, the trials would all agree;
  // B0 gives up on the first error, so differing outcomes show the draws differ.
  const b0 = report.strategies.B0.tasks.map((task: { outcome: string }) => task.outcome)
  expect(new Set(b0).size).toBe(2)
  const completed = b0.filter((outcome: string) => outcome === 'completed').length
  expect(report.strategies.B0.pass_hat_k.values[0].value).toBeCloseTo(completed / 3, 10)
  expect(report.strategies.B2.metrics.pass_k).toBe(1)
})
