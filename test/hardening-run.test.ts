import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { fixturePath, runVitest } from './run-vitest.ts'

const read = (dir: string, ...rest: string[]) => readFileSync(fixturePath('harden-run', dir, ...rest), 'utf8')
const traceEvents = (dir: string) => {
  const root = fixturePath('harden-run', dir, 'traces')
  const events: { type: string; seed?: number; strategy?: string; reason?: string }[] = []
  for (const strategy of readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of readdirSync(path.join(root, strategy.name))) {
      const text = readFileSync(path.join(root, strategy.name, file), 'utf8')
      expect(text.endsWith('\n'), `${strategy.name}/${file} ends on a whole line`).toBe(true)
      for (const line of text.trimEnd().split('\n')) events.push(JSON.parse(line))
    }
  }
  return events
}

describe('code that never gives its thread back, and a worker that dies', () => {
  test('an endless loop in decide(), an endless microtask chain and a spinning agent each end failed, and the run is marked incomplete', async () => {
    const dir = '.awrr-hung'
    rmSync(fixturePath('harden-run', dir), { recursive: true, force: true })
    const run = await runVitest('harden-run', [], { AWRR_FIXTURE_MODE: 'hung', AWRR_FIXTURE_OUTPUT_DIR: dir })
    expect(run.code, run.output.slice(-3000)).toBe(1)
    const report = JSON.parse(read(dir, 'report.json'))
    const task = (strategy: string, scenario: string) => report.strategies[strategy].tasks.find((entry: any) => entry.scenario === scenario)
    expect(task('spin', 'flaky-read')).toMatchObject({ outcome: 'failed', reason: 'strategy_hung' })
    expect(task('microtasks', 'flaky-read')).toMatchObject({ outcome: 'failed', reason: 'strategy_hung' })
    expect(task('spin-agent', 'agent-order')).toMatchObject({ outcome: 'failed', reason: 'agent_hung' })
    // The other file of each strategy ran in another worker and completed.
    expect(task('spin', 'clean')).toMatchObject({ outcome: 'completed' })
    expect(report.strategies.B0.tasks).toHaveLength(2)
    expect(report.incomplete.map((entry: any) => `${entry.strategy} ${entry.file}`)).toEqual([
      'microtasks scenarios/flaky-read.scenario.yaml',
      'spin scenarios/flaky-read.scenario.yaml',
      'spin-agent scenarios/agent-order.scenario.yaml',
    ])
    expect(run.output).toMatch(/under spin blocked its thread for \d+ ms \(limit 1500 ms\): strategy_hung/)
    expect(run.output).toMatch(/INCOMPLETE {2}spin: scenarios\/flaky-read\.scenario\.yaml/)
    expect(read(dir, 'report.md')).toContain('## Incomplete')
    expect(read(dir, 'report.html')).toContain('id="incomplete"')
    expect(read(dir, 'report.csv').split('\r\n')[0]).toMatch(/,incomplete_modules$/)
    // The hung tasks' traces end with their final event, beside the whole traces of the others.
    const finals = traceEvents(dir).filter((event) => event.type === 'task:final')
    expect(finals.filter((event) => event.reason === 'strategy_hung')).toHaveLength(2)
    expect(finals.filter((event) => event.reason === 'agent_hung')).toHaveLength(1)
  }, 240_000)

  test('a strategy that runs its worker out of memory: the project is incomplete in every report and the run fails', async () => {
    const dir = '.awrr-crash'
    rmSync(fixturePath('harden-run', dir), { recursive: true, force: true })
    const run = await runVitest('harden-run', [], { AWRR_FIXTURE_MODE: 'crash', AWRR_FIXTURE_OUTPUT_DIR: dir })
    expect(run.code, run.output.slice(-3000)).toBe(1)
    expect(run.output).toMatch(/heap out of memory/)
    const report = JSON.parse(read(dir, 'report.json'))
    expect(report.incomplete).toEqual([expect.objectContaining({ strategy: 'hog', file: 'scenarios/flaky-read.scenario.yaml', missing: 1 })])
    expect(report.strategies.hog.tasks.map((entry: any) => entry.scenario)).toEqual(['clean'])
    expect(read(dir, 'report.md')).toMatch(/hog: scenarios\/flaky-read\.scenario\.yaml: 1 task never reported/)
    expect(read(dir, 'report.csv')).toMatch(/\r\nhog,.*,1\r\n/)
    expect(run.output).toMatch(/INCOMPLETE {2}hog/)
  }, 240_000)
})

describe('one run at a time in an output directory', () => {
  test('two runs started at once in one directory never mix: traces of one seed, and the report set of the same run', async () => {
    const dir = '.awrr-lock'
    rmSync(fixturePath('harden-run', dir), { recursive: true, force: true })
    const runs = await Promise.all(
      ['1', '2'].map((seed) => runVitest('harden-run', [], { AWRR_SEED: seed, AWRR_FIXTURE_OUTPUT_DIR: dir })),
    )
    for (const run of runs) {
      // The second either waited for the first or gave up with the reason; never both at once.
      if (run.code !== 0) expect(run.output).toMatch(/Another AWRR run is writing to ".*\.awrr-lock"/)
    }
    expect(runs.some((run) => run.code === 0), runs.map((run) => run.output.slice(-2000)).join('\n----\n')).toBe(true)
    const report = JSON.parse(read(dir, 'report.json'))
    const seeds = new Set(traceEvents(dir).filter((event) => event.type === 'task:start').map((event) => event.seed))
    expect([...seeds]).toEqual([report.seed])
    const manifest = JSON.parse(read(dir, 'report-set.json'))
    expect(manifest.run).toBe(JSON.parse(read(dir, 'traces', 'run.json')).run)
    for (const [name, entry] of Object.entries(manifest.files) as [string, { sha256: string }][]) {
      expect(createHash('sha256').update(read(dir, name)).digest('hex'), name).toBe(entry.sha256)
    }
  }, 240_000)

  test('the lock a killed run left behind is broken once stale, and the run goes ahead', async () => {
    const dir = '.awrr-stale'
    rmSync(fixturePath('harden-run', dir), { recursive: true, force: true })
    const lock = fixturePath('harden-run', dir, 'run.lock')
    mkdirSync(lock, { recursive: true })
    const minuteAgo = new Date(Date.now() - 60_000)
    utimesSync(lock, minuteAgo, minuteAgo)
    const run = await runVitest('harden-run', [], { AWRR_FIXTURE_OUTPUT_DIR: dir })
    expect(run.code, run.output.slice(-3000)).toBe(0)
    expect(JSON.parse(read(dir, 'report.json')).strategies.B2.tasks).toHaveLength(2)
  }, 240_000)
})
