import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { memoryFileSchema, memoryViewForRun } from '../src/runtime/memory/memory-file.ts'
import { cleanOutput, fixturePath, readReport, runVitest, type VitestRun } from './run-vitest.ts'

/**
 * `memory: 'persist'` end to end: two suite files of 30 tasks each run in two Vitest workers at the
 * same time, both writing B4's bank (`.awrr/memory/B4.json`) after every task. No update may be
 * lost, and the second run starts from what the first saved.
 */

const fixture = 'memory-persist'
const tasksPerRun = 60
const bankFile = () => fixturePath(fixture, '.awrr', 'memory', 'B4.json')
const usesIn = (run: string) =>
  memoryViewForRun(memoryFileSchema.parse(JSON.parse(readFileSync(bankFile(), 'utf8'))).entries, run).reduce((sum, entry) => sum + entry.uses, 0)

describe('a persisted memory bank under two workers', () => {
  const runs: { run: VitestRun; report: any }[] = []
  beforeAll(async () => {
    cleanOutput(fixture)
    for (let index = 0; index < 2; index++) {
      const run = await runVitest(fixture)
      runs.push({ run, report: readReport(fixture) })
    }
  })
  afterAll(() => cleanOutput(fixture))

  test('both runs pass', () => {
    for (const { run } of runs) expect(run.code, run.output).toBe(0)
  })

  test('every task of both runs is counted in the bank: no update lost', () => {
    // A run id that is neither run's: the view that includes both runs' updates.
    expect(usesIn('a-later-run')).toBe(2 * tasksPerRun)
  })

  test('the second run starts from the first run\'s bank and needs no diagnoser calls to begin with', () => {
    const calls = runs.map(({ report }) => report.strategies.B4.metrics.diagnoser_calls as number)
    expect(calls[0]).toBeGreaterThan(0)
    expect(calls[1]).toBeLessThan(calls[0]!)
    const hits = runs.map(({ report }) => report.strategies.B4.metrics.memory_hits as number)
    expect(hits[1]).toBeGreaterThan(hits[0]!)
  })
})
