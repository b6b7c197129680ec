import { readFileSync } from 'node:fs'
import { beforeAll, expect, test } from 'vitest'
import { cleanOutput, fixturePath, runVitest, type VitestRun } from './run-vitest.ts'

let sequential: VitestRun
let concurrent: VitestRun
beforeAll(async () => {
  cleanOutput('concurrent', '.awrr-sequential')
  cleanOutput('concurrent', '.awrr-concurrent')
  ;[sequential, concurrent] = await Promise.all([runVitest('concurrent'), runVitest('concurrent', [], { CONCURRENT: '1' })])
})

test('tasks running concurrently in one worker never see each other\'s worlds or faults', () => {
  expect(sequential.code, sequential.output).toBe(0)
  expect(concurrent.code, concurrent.output).toBe(0)
  const read = (dir: string) => readFileSync(fixturePath('concurrent', dir, 'report.json'), 'utf8')
  const report = JSON.parse(read('.awrr-sequential'))
  // Mixed outcomes, so identical reports say something.
  const outcomes = new Set(report.strategies.B2.tasks.map((task: { outcome: string }) => task.outcome))
  expect(outcomes.size).toBeGreaterThan(1)
  expect(read('.awrr-concurrent')).toBe(read('.awrr-sequential'))
})
