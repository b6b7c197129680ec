import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { TestCase, Vitest } from 'vitest/node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AwrrReporter, type AwrrReporterOptions } from './awrr-reporter.ts'
import { isGateConfigError } from './gate-error.ts'
import { buildJsonReport, serializeJsonReport, type JsonReport } from './json-report.ts'
import { fakeTestModule, makeSummary } from './test-fixtures.ts'

function fakeVitest(root: string, shard?: { index: number; count: number }): { vitest: Vitest; output: string[]; errors: string[] } {
  const output: string[] = []
  const errors: string[] = []
  const vitest = {
    config: { root, ...(shard ? { shard } : {}) },
    logger: {
      log: (...args: unknown[]) => output.push(args.join(' ')),
      error: (...args: unknown[]) => errors.push(args.join(' ')),
      outputStream: { isTTY: false },
    },
  } as unknown as Vitest
  return { vitest, output, errors }
}

// All three ran the same two tasks, so they share one leaderboard (see terminal-report.test.ts for
// strategies that ran different tasks).
const summaries = [
  makeSummary({ strategy: 'extra', id: 'T0' }),
  makeSummary({ strategy: 'extra', id: 'T1', index: 1 }),
  makeSummary({ strategy: 'B4', id: 'T0' }),
  makeSummary({ strategy: 'B0', id: 'T0', outcome: 'failed', reason: 'no_recovery', errorEvents: 1 }),
  makeSummary({ strategy: 'B0', id: 'T1', index: 1 }),
  makeSummary({ strategy: 'B4', id: 'T1', index: 1 }),
]
const modules = [fakeTestModule([{}, ...summaries.map((awrr) => ({ awrr }))])]

describe('AwrrReporter', () => {
  let root: string
  let exitCode: typeof process.exitCode
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'awrr-reporter-'))
    exitCode = process.exitCode
    process.exitCode = undefined
  })
  afterEach(async () => {
    process.exitCode = exitCode
    await rm(root, { recursive: true, force: true })
  })

  const base = { outputDir: '.awrr', strategies: ['B0', 'B2', 'B4'], seed: 42, color: false, env: {} }

  async function run(options: Partial<AwrrReporterOptions> = {}, shard?: { index: number; count: number }) {
    const reporter = new AwrrReporter({ ...base, ...options })
    const fake = fakeVitest(root, shard)
    reporter.onInit(fake.vitest)
    await reporter.onTestRunEnd(modules, [], 'passed')
    return { ...fake, text: fake.output.join('\n') }
  }

  it('prints the report and writes report.json, .md, .csv and .html under the root', async () => {
    const { text } = await run()
    expect(text).toContain('AWRR leaderboard (seed 42, 2 tasks, 3 strategies)')
    expect(text).toBe(stripVTControlCharacters(text))
    const names = text.split('\n').filter((line) => /^(B0|B4|extra) /.test(line)).map((line) => line.split(' ')[0])
    expect(names).toEqual(['B0', 'B4', 'extra'])
    expect(text).toContain('Reports: .awrr/report.json, .awrr/report.md, .awrr/report.csv, .awrr/report.html')

    const written = await readFile(join(root, '.awrr', 'report.json'), 'utf8')
    expect(written).toBe(serializeJsonReport(buildJsonReport({ seed: 42, strategies: base.strategies, summaries })))
    expect((await readdir(join(root, '.awrr'))).sort()).toEqual(['report-set.json', 'report.csv', 'report.html', 'report.json', 'report.md'])
    expect(process.exitCode).toBeUndefined()
  })

  it('writes only the chosen report files', async () => {
    await run({ reports: ['csv'], outputDir: 'out/reports' })
    expect(await readdir(join(root, 'out', 'reports'))).toEqual(['report-set.json', 'report.csv'])
  })

  it('stays silent in a shard run: the merge run reports and gates', async () => {
    const { output } = await run({ thresholds: { B0: { wcr: '>= 1' } } }, { index: 1, count: 2 })
    expect(output).toEqual([])
    expect(process.exitCode).toBeUndefined()
    await expect(stat(join(root, '.awrr'))).rejects.toThrow(/ENOENT/)
  })

  it('writes nothing when no test carried a summary or the run was interrupted', async () => {
    const reporter = new AwrrReporter(base)
    const { vitest, output } = fakeVitest(root)
    reporter.onInit(vitest)
    await reporter.onTestRunEnd([fakeTestModule([{}])], [], 'passed')
    await reporter.onTestRunEnd(modules, [], 'interrupted')
    expect(output).toEqual([])
    await expect(stat(join(root, '.awrr'))).rejects.toThrow(/ENOENT/)
  })

  it('fails the run on a missed threshold, with one line per gate, and lists the gates in report.json', async () => {
    // B0 completed 1 of 2 tasks; B4 2 of 2.
    const { text } = await run({ thresholds: { '*': { wcr: '>= 0.75' } } })
    expect(process.exitCode).toBe(1)
    expect(text).toContain('Gates: 1 of 3 missed')
    expect(text).toMatch(/^ {2}FAIL {2}B0 +wcr {2}required >= 0\.75 {2}actual 0\.500$/m)
    expect(text).toMatch(/^ {2}pass {2}B4 +wcr {2}required >= 0\.75 {2}actual 1\.000$/m)
    const report = JSON.parse(await readFile(join(root, '.awrr', 'report.json'), 'utf8')) as JsonReport
    expect(report.gates.map((g) => [g.strategy, g.pass])).toEqual([['B0', false], ['B4', true], ['extra', true]])
  })

  it('passes when every gate is met', async () => {
    const { text } = await run({ thresholds: { B4: { wcr: '>= 1', uar: '<= 0' } } })
    expect(text).toContain('Gates: all 2 met')
    expect(process.exitCode).toBeUndefined()
  })

  it('fails a gate on a metric that was not measured, and says why', async () => {
    // No B4 task had an error: RR_task has no denominator.
    const { text } = await run({ thresholds: { B4: { rr_task: '>= 0.5' }, B3: { wcr: '>= 0.5' } } })
    expect(process.exitCode).toBe(1)
    expect(text).toContain('actual not measured (no task had a tool error)')
    expect(text).toContain('actual not measured (no task ran under B3)')
  })

  it('lets AWRR_GATES replace the configured thresholds', async () => {
    const { text } = await run({ thresholds: { B0: { wcr: '>= 1' } }, env: { AWRR_GATES: 'B4.wcr>=1, extra.tasks==2' } })
    expect(process.exitCode).toBeUndefined()
    expect(text).toContain('Gates: all 2 met')
    expect(text).not.toMatch(/B0 +wcr/)
  })

  it('refuses a threshold it cannot read before the run starts', () => {
    const attempt = (options: Partial<AwrrReporterOptions>) => () => new AwrrReporter({ ...base, ...options })
    expect(attempt({ thresholds: { B4: { wcr: '0.9' } } })).toThrow(/thresholds\.B4\.wcr must be an operator/)
    expect(attempt({ env: { AWRR_GATES: 'B4.speed>=1' } })).toThrow(/unknown metric "speed"/)
    expect(attempt({ tolerance: { wcr: -1 } })).toThrow(/tolerance\.wcr must be a finite number >= 0/)
    try {
      attempt({ env: { AWRR_GATES: 'B4 wcr 1' } })()
      expect.unreachable()
    } catch (error) {
      expect(isGateConfigError(error)).toBe(true)
    }
  })

  it('writes a baseline without tasks, then catches a regression beyond the tolerance', async () => {
    await run({ baseline: 'baseline.json', env: { AWRR_UPDATE_BASELINE: '1' } })
    const baseline = JSON.parse(await readFile(join(root, 'baseline.json'), 'utf8')) as JsonReport
    expect(baseline.strategies['B4']!.tasks).toEqual([])
    expect(baseline.strategies['B4']!.metrics.wcr).toBe(1)
    expect(process.exitCode).toBeUndefined()

    // Same run against its own baseline: nothing regressed.
    const same = await run({ baseline: 'baseline.json' })
    expect(process.exitCode).toBeUndefined()
    expect(same.text).toMatch(/baseline baseline\.json: (\d+) of \1 metrics within tolerance/)

    // A baseline that claims B0 did better than this run, by more than the tolerance.
    baseline.strategies['B0']!.metrics.wcr = 0.6
    baseline.strategies['B0']!.metrics.cpt = 5.04
    await writeFile(join(root, 'baseline.json'), serializeJsonReport(baseline))
    const worse = await run({ baseline: 'baseline.json', tolerance: { wcr: 0.05, cpt: 0.1 } })
    expect(process.exitCode).toBe(1)
    expect(worse.text).toMatch(/^ {2}FAIL {2}B0 +wcr {2}required >= 0\.55 \(baseline 0\.6 - 0\.05\) {2}actual 0\.500$/m)
    expect(worse.text).not.toMatch(/FAIL .*cpt/) // 5 calls per task against 5.04 + 0.1: within tolerance
  })

  it('fails when the configured baseline is missing, saying how to write one', async () => {
    const { errors } = await run({ baseline: 'missing.json' })
    expect(process.exitCode).toBe(1)
    expect(errors.join('\n')).toMatch(/Cannot read report ".*missing\.json" \(ENOENT\).*AWRR_UPDATE_BASELINE=1/)
  })

  it('appends the Markdown leaderboard to GITHUB_STEP_SUMMARY', async () => {
    const summaryFile = join(root, 'step-summary.md')
    await writeFile(summaryFile, 'earlier step\n')
    await run({ env: { GITHUB_STEP_SUMMARY: summaryFile, AWRR_GATES: 'B0.wcr>=0.75' } })
    const text = await readFile(summaryFile, 'utf8')
    expect(text).toMatch(/^earlier step\n### AWRR leaderboard \(seed 42, 2 tasks\)\n\n\| Strategy \| WCR \|/)
    expect(text).toContain('**1 of 1 gates missed:**')
    expect(text).toContain('| **FAIL** | threshold | B0 | wcr | \\>= 0.75 | 0.500 |')
  })

  it('fails the run when two files that are not parts of one suite share a scenario name, naming both', async () => {
    const reporter = new AwrrReporter(base)
    const fake = fakeVitest(root)
    reporter.onInit(fake.vitest)
    const twins = [
      makeSummary({ strategy: 'B0', scenario: 'checkout', file: 'scenarios/a.scenario.yaml' }),
      makeSummary({ strategy: 'B0', scenario: 'checkout', file: 'scenarios/b.scenario.yaml' }),
    ]
    await reporter.onTestRunEnd([fakeTestModule(twins.map((awrr) => ({ awrr })))], [], 'passed')
    expect(process.exitCode).toBe(1)
    expect(fake.errors.join('\n')).toMatch(/same name "checkout": scenarios\/a\.scenario\.yaml, scenarios\/b\.scenario\.yaml/)
  })

  it('marks a module whose worker died incomplete in report.json and the exit code', async () => {
    const reporter = new AwrrReporter(base)
    const fake = fakeVitest(root)
    reporter.onInit(fake.vitest)
    const done = fakeTestModule([{ awrr: makeSummary({ strategy: 'B0' }) }], { moduleId: join(root, 'scenarios/ok.scenario.yaml'), project: 'B0' })
    const crashed = fakeTestModule([{}, {}], { moduleId: join(root, 'scenarios/big.scenario.yaml'), project: 'B2', state: 'pending', testState: 'pending' })
    await reporter.onTestRunEnd([done, crashed], [], 'failed')
    expect(process.exitCode).toBe(1)
    const report = JSON.parse(await readFile(join(root, '.awrr', 'report.json'), 'utf8')) as JsonReport
    expect(report.incomplete).toEqual([{ strategy: 'B2', file: 'scenarios/big.scenario.yaml', missing: 2, error: 'its worker ended before the module finished' }])
    expect(fake.errors.join('\n')).toContain('INCOMPLETE  B2: scenarios/big.scenario.yaml: 2 tasks never reported')
  })

  it('keeps each repeating part of the summaries it is handed once, as Vitest holds them until the run ends', () => {
    const reporter = new AwrrReporter(base)
    const hit = { type: 'Timeout', layer: 'transient', mode: 'per_attempt', position: 'first' } as const
    const metas = [0, 1].map((index) => ({ awrr: structuredClone(makeSummary({ id: `T${index}`, index, faultHits: [hit] })) }))
    expect(metas[1]!.awrr.faultHits).not.toBe(metas[0]!.awrr.faultHits)
    for (const meta of metas) reporter.onTestCaseResult({ meta: () => meta } as unknown as TestCase)
    expect(metas[1]!.awrr.faultHits).toBe(metas[0]!.awrr.faultHits)
    expect(metas.map((meta) => meta.awrr.id)).toEqual(['T0', 'T1'])
  })
})
