import { rmSync } from 'node:fs'
import { expect, test } from 'vitest'
import { fixturePath, readReport, runVitest } from './run-vitest.ts'

/**
 * End-to-end: one generated suite run whole (one file) and split with `part: i/3` into three files
 * that spread over the workers. The parts are the whole suite: every strategy's tasks, outcomes and
 * metrics come out the same. (A learning strategy would differ: its memory is per file.)
 */
test('a suite split into parts gives the same report as the whole suite', async () => {
  rmSync(fixturePath('parts', '.awrr'), { recursive: true, force: true })
  const [whole, parts] = await Promise.all([
    runVitest('parts', [], { AWRR_FIXTURE_INCLUDE: 'scenarios/whole/*.scenario.yaml', AWRR_FIXTURE_OUTPUT_DIR: '.awrr/whole' }),
    runVitest('parts', [], { AWRR_FIXTURE_INCLUDE: 'scenarios/parts/*.scenario.yaml', AWRR_FIXTURE_OUTPUT_DIR: '.awrr/parts' }),
  ])
  expect(whole.code, whole.output.slice(-3000)).toBe(0)
  expect(parts.code, parts.output.slice(-3000)).toBe(0)
  expect(parts.output).toMatch(/Test Files\s+9 passed \(9\)/)
  const wholeReport = readReport('parts', '.awrr/whole')
  const partsReport = readReport('parts', '.awrr/parts')
  for (const strategy of ['B0', 'B2', 'ORACLE']) {
    const byId = (tasks: { id: string }[]) => [...tasks].sort((a, b) => a.id.localeCompare(b.id))
    expect(partsReport.strategies[strategy].tasks).toHaveLength(90)
    expect(byId(partsReport.strategies[strategy].tasks), strategy).toEqual(byId(wholeReport.strategies[strategy].tasks))
    expect(partsReport.strategies[strategy].metrics, strategy).toEqual(wholeReport.strategies[strategy].metrics)
  }
}, 120_000)
