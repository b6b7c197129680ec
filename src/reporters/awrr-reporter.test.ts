import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { Vitest } from 'vitest/node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AwrrReporter } from './awrr-reporter.ts'
import { serializeJsonReport, buildJsonReport } from './json-report.ts'
import { fakeTestModule, makeSummary } from './test-fixtures.ts'

function fakeVitest(root: string, shard?: { index: number; count: number }): { vitest: Vitest; output: string[] } {
  const output: string[] = []
  const vitest = {
    config: { root, ...(shard ? { shard } : {}) },
    logger: { log: (...args: unknown[]) => output.push(args.join(' ')), outputStream: { isTTY: false } },
  } as unknown as Vitest
  return { vitest, output }
}

const summaries = [
  makeSummary({ strategy: 'extra', id: 'T0' }),
  makeSummary({ strategy: 'B4', id: 'T0' }),
  makeSummary({ strategy: 'B0', id: 'T0', outcome: 'failed', errorEvents: 1 }),
  makeSummary({ strategy: 'B0', id: 'T1', index: 1 }),
  makeSummary({ strategy: 'B4', id: 'T1', index: 1 }),
]
const modules = [fakeTestModule([{}, ...summaries.map((awrr) => ({ awrr }))])]

describe('AwrrReporter', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'awrr-reporter-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  const options = { outputDir: '.awrr', strategies: ['B0', 'B2', 'B4'], seed: 42, color: false }

  it('prints the leaderboard and writes report.json under the root', async () => {
    const reporter = new AwrrReporter(options)
    const { vitest, output } = fakeVitest(root)
    reporter.onInit(vitest)
    await reporter.onTestRunEnd(modules, [], 'passed')

    const text = output.join('\n')
    expect(text).toContain('AWRR leaderboard (seed 42, 2 tasks)')
    expect(text).toBe(stripVTControlCharacters(text))
    const names = text.split('\n').filter((line) => /^(B0|B4|extra) /.test(line)).map((line) => line.split(' ')[0])
    expect(names).toEqual(['B0', 'B4', 'extra'])

    const written = await readFile(join(root, '.awrr', 'report.json'), 'utf8')
    expect(written).toBe(serializeJsonReport(buildJsonReport({ seed: 42, strategies: options.strategies, summaries })))
  })

  it('stays silent in a shard run: the merge run reports', async () => {
    const reporter = new AwrrReporter(options)
    const { vitest, output } = fakeVitest(root, { index: 1, count: 2 })
    reporter.onInit(vitest)
    await reporter.onTestRunEnd(modules, [], 'passed')
    expect(output).toEqual([])
    await expect(stat(join(root, '.awrr'))).rejects.toThrow(/ENOENT/)
  })

  it('writes nothing when no test carried a summary or the run was interrupted', async () => {
    const reporter = new AwrrReporter(options)
    const { vitest, output } = fakeVitest(root)
    reporter.onInit(vitest)
    await reporter.onTestRunEnd([fakeTestModule([{}])], [], 'passed')
    await reporter.onTestRunEnd(modules, [], 'interrupted')
    expect(output).toEqual([])
    await expect(stat(join(root, '.awrr'))).rejects.toThrow(/ENOENT/)
  })
})
