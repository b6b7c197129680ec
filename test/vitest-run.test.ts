import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'vitest'
import { cleanOutput, fixturePath, readReport, runShellCommand, runVitest, type VitestRun } from './run-vitest.ts'

/**
 * End-to-end: Vitest runs fixture projects in child processes, the way a user runs it, and these
 * tests read what a user reads: the exit code, the terminal output and `.awrr/report.json`. Each
 * case has its own fixture folder (its own `.awrr/`), so the cases run concurrently.
 */

interface LeaderboardRow {
  strategy: string
  cells: string[]
}

/** The rows of the leaderboard table printed at the end of the run, in printed order. */
function leaderboardRows(output: string): LeaderboardRow[] {
  const lines = output.split('\n')
  const title = lines.findIndex((line) => line.startsWith('AWRR leaderboard'))
  if (title < 0) return []
  // Title, header, then a rule with one run of dashes per column; the rows end at the footnote.
  const columns = lines[title + 2]?.trim().split(/\s+/).length ?? 0
  const rows: LeaderboardRow[] = []
  for (const line of lines.slice(title + 3)) {
    const [strategy, ...cells] = line.trim().split(/\s+/)
    if (cells.length + 1 !== columns) break
    rows.push({ strategy: strategy!, cells })
  }
  return rows
}

/**
 * 1-based position of the first line of a fixture file that matches `pattern`: the column of its
 * first capture group, or of the match itself. Anchored patterns keep comments from matching.
 */
function positionOf(fixture: string, file: string, pattern: RegExp): { line: number; column: number } {
  const lines = readFileSync(fixturePath(fixture, file), 'utf8').split('\n')
  for (const [index, text] of lines.entries()) {
    const match = pattern.exec(text)
    if (match) return { line: index + 1, column: match.index + (match[1] === undefined ? 0 : match[0].indexOf(match[1])) + 1 }
  }
  throw new Error(`${String(pattern)} matches no line of ${fixture}/${file}`)
}

const outcomeOf = (report: any, strategy: string, scenario: string) =>
  report.strategies[strategy].tasks.find((task: { scenario: string }) => task.scenario === scenario)

const documentedMetricKeys = [
  'wcr',
  'hir',
  'rr_task',
  'rr_event',
  'mttr_ms',
  'cpt',
  'cps',
  'rco',
  'uar',
  'srr',
  'rca_layer_acc',
  'rca_action_acc',
  'diagnoser_calls',
]

const failureContext = (run: VitestRun) => `exit ${run.code}\n${run.output}`

describe.concurrent('vitest run on a fixture project', () => {
  test('prints the leaderboard and writes report.json in the documented shape', async ({ expect }) => {
    cleanOutput('leaderboard')
    const run = await runVitest('leaderboard')
    expect(run.code, failureContext(run)).toBe(0)
    expect(run.stdout).toMatch(/^AWRR leaderboard \(seed 42, 2 tasks\b/m)
    const rows = leaderboardRows(run.stdout)
    expect(rows.map((row) => row.strategy)).toEqual(['B0', 'B1', 'B2'])

    const report = readReport('leaderboard')
    expect(report).toMatchObject({ version: 1, seed: 42, strategies: expect.any(Object), gates: [] })
    expect(Object.keys(report.strategies)).toEqual(['B0', 'B1', 'B2'])
    for (const [strategy, entry] of Object.entries<any>(report.strategies)) {
      expect(Object.keys(entry.metrics), strategy).toEqual(expect.arrayContaining(documentedMetricKeys))
      expect(entry.tasks.map((task: { scenario: string }) => task.scenario), strategy).toEqual([
        'ambiguous-payment-timeout',
        'approval-denied',
      ])
      for (const task of entry.tasks) {
        expect(task, strategy).toMatchObject({
          id: 'main',
          scenario: expect.any(String),
          outcome: expect.stringMatching(/^(completed|escalated|failed)$/),
          attempts: expect.any(Number),
          tool_calls: expect.any(Number),
        })
        expect(task.tool_calls).toBeGreaterThan(0)
      }
      // The terminal and the file are rendered from the same summaries: they must agree.
      const row = rows.find((candidate) => candidate.strategy === strategy)!
      expect(Number.parseFloat(row.cells[0]!), `${strategy} WCR`).toBe(entry.metrics.wcr)
    }

    // The lost answer to a charge that happened: a retry with the same Idempotency-Key gets the
    // first charge back, so the world holds exactly one (the oracle flags a double charge).
    for (const strategy of ['B1', 'B2']) {
      expect(outcomeOf(report, strategy, 'ambiguous-payment-timeout'), strategy).toMatchObject({ outcome: 'completed', consistent: true })
    }
    expect(outcomeOf(report, 'B0', 'ambiguous-payment-timeout')).toMatchObject({ outcome: 'failed', consistent: false })
    expect(outcomeOf(report, 'B2', 'approval-denied')).toMatchObject({ outcome: 'escalated', reason: 'auth_denied' })

    // Nothing half-written once the run is over: every trace file ends on a whole line, every line
    // is JSON, and every task of the report has its start and its one final event in its file.
    const traceRoot = fixturePath('leaderboard', '.awrr', 'traces')
    for (const strategy of ['B0', 'B1', 'B2']) {
      const files = readdirSync(path.join(traceRoot, strategy))
      expect(files.length, strategy).toBeGreaterThan(0)
      const events: { type: string; task?: string }[] = []
      for (const file of files) {
        const text = readFileSync(path.join(traceRoot, strategy, file), 'utf8')
        expect(text.endsWith('\n'), `${strategy}/${file} ends on a whole line`).toBe(true)
        for (const line of text.trimEnd().split('\n')) events.push(JSON.parse(line) as { type: string })
      }
      const tasks = report.strategies[strategy].tasks.length
      expect(events.filter((event) => event.type === 'task:start'), strategy).toHaveLength(tasks)
      expect(events.filter((event) => event.type === 'task:final'), strategy).toHaveLength(tasks)
      expect(events.at(-1)?.type, strategy).toBe('task:final')
    }
  })

  test('--project B1 runs only B1', async ({ expect }) => {
    cleanOutput('single-project')
    const run = await runVitest('single-project', ['--project', 'B1'])
    expect(run.code, failureContext(run)).toBe(0)
    expect(run.stdout).toMatch(/\|B1\| scenarios\/flaky-read\.scenario\.yaml/)
    expect(run.stdout).not.toMatch(/\|B[02]\|/)
    expect(leaderboardRows(run.stdout).map((row) => row.strategy)).toEqual(['B1'])

    const report = readReport('single-project')
    expect(Object.keys(report.strategies)).toEqual(['B1'])
    expect(report.strategies.B1.tasks.map((task: { scenario: string; outcome: string }) => [task.scenario, task.outcome])).toEqual([
      ['flaky-read', 'completed'],
      ['stock-conflict', 'completed'],
    ])
  })

  test('a bad scenario fails its own module with file:line:col and the key path; the others still run', async ({ expect }) => {
    cleanOutput('bad-scenario')
    const run = await runVitest('bad-scenario')
    expect(run.code, failureContext(run)).toBe(1)

    const bad = 'scenarios/gift-wrap-typo.scenario.yaml'
    const prob = positionOf('bad-scenario', bad, /^ +prob: (1\.5)$/)
    const unknownKey = positionOf('bad-scenario', bad, /^ +(retires):/)
    expect(run.output).toContain(`${bad}:${prob.line}:${prob.column}": faults.0.prob must be a number in [0, 1] (got 1.5)`)
    expect(run.output).toContain(`${bad}:${unknownKey.line}:${unknownKey.column}": faults.0.retires is not a known key`)
    // Failed once per strategy project, as a module that never declared a test.
    expect(run.output.match(/FAIL {2}\|B[12]\| scenarios\/gift-wrap-typo\.scenario\.yaml/g)).toHaveLength(2)
    expect(run.stdout).toMatch(/Test Files\s+2 failed \| 2 passed \(4\)/)

    const report = readReport('bad-scenario')
    for (const strategy of ['B1', 'B2']) {
      expect(report.strategies[strategy].tasks.map((task: { scenario: string; outcome: string }) => [task.scenario, task.outcome])).toEqual([
        ['order-lookup', 'completed'],
      ])
    }
  })

  test('a wrong expect fails the run and prints a replay command that reruns just that test', async ({ expect }) => {
    cleanOutput('wrong-expect')
    const file = 'scenarios/optimistic-auth.scenario.yaml'
    const run = await runVitest('wrong-expect', [], { AWRR_SEED: '7' })
    expect(run.code, failureContext(run)).toBe(1)
    expect(run.stdout).toMatch(/Tests\s+1 failed \| 5 passed \(6\)/)
    expect(run.output).toContain(
      `Expectation failed in "${file}" for task "optimistic-auth > main" under B2: expected outcome completed, got escalated (auth_denied).`,
    )
    expect(run.output).toContain(`seed 7, scenario ${file}, task main, strategy B2 -- rerun:`)
    // The code frame points into the YAML: at `expect:`, or at the strategy's own line under it.
    const frames = [positionOf('wrong-expect', file, /^expect:/), positionOf('wrong-expect', file, /^ +(B2): /)]
    expect(frames.some(({ line, column }) => run.output.includes(`${file}:${line}:${column}`)), run.output).toBe(true)

    const replay = run.output.match(/^ {2}(AWRR_SEED=7 npx vitest run \S+ --project B2 -t .+)$/m)?.[1]
    expect(replay, 'replay command').toBe(`AWRR_SEED=7 npx vitest run ${file} --project B2 -t 'optimistic-auth (> )?main$'`)

    cleanOutput('wrong-expect')
    const rerun = await runShellCommand('wrong-expect', replay!)
    expect(rerun.code, failureContext(rerun)).toBe(1)
    expect(rerun.stdout, failureContext(rerun)).toMatch(/Test Files\s+1 failed \(1\)/)
    expect(rerun.stdout).toMatch(/Tests\s+1 failed \(1\)/)
    expect(rerun.output).toContain(replay)
    const report = readReport('wrong-expect')
    expect(report.seed).toBe(7)
    expect(Object.keys(report.strategies)).toEqual(['B2'])
    expect(report.strategies.B2.tasks.map((task: { scenario: string; outcome: string }) => [task.scenario, task.outcome])).toEqual([
      ['optimistic-auth', 'escalated'],
    ])
  })

  test('the same seed gives a byte-identical report.json whatever the pool, worker count or file order', async ({ expect }) => {
    const variants = {
      default: [],
      threads: ['--pool=threads'],
      'one-worker-shuffled': ['--maxWorkers=1', '--sequence.shuffle.files', '--sequence.seed=3'],
    }
    cleanOutput('determinism')
    const reports = await Promise.all(
      Object.entries(variants).map(async ([name, args]) => {
        const dir = `.awrr/${name}`
        const run = await runVitest('determinism', args, { AWRR_FIXTURE_OUTPUT_DIR: dir })
        expect(run.code, `${name}: ${failureContext(run)}`).toBe(0)
        return readFileSync(fixturePath('determinism', dir, 'report.json'), 'utf8')
      }),
    )
    expect(reports[1], '--pool=threads').toBe(reports[0])
    expect(reports[2], '--maxWorkers=1 with shuffled files').toBe(reports[0])

    // Identical reports only mean something if the run had something to vary.
    const report = JSON.parse(reports[0]!)
    expect(Object.keys(report.strategies)).toEqual(['B1', 'B2'])
    expect(report.strategies.B1.tasks).toHaveLength(31)
    expect(new Set(report.strategies.B1.tasks.map((task: { outcome: string }) => task.outcome)).size).toBeGreaterThan(1)
  })

  test('`vitest run file.scenario.yaml:LINE` on the `workflow:` line runs that test', async ({ expect }) => {
    cleanOutput('line-filter')
    const file = 'scenarios/gift-order.scenario.yaml'
    const workflow = positionOf('line-filter', file, /^workflow:/)
    const json = '.awrr/vitest.json'
    const run = await runVitest('line-filter', [`${file}:${workflow.line}`, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`])
    expect(run.code, failureContext(run)).toBe(0)
    const results = JSON.parse(readFileSync(fixturePath('line-filter', json), 'utf8'))
    expect(results.numTotalTests).toBe(1)
    const [module] = results.testResults
    expect(module.name).toBe(fixturePath('line-filter', file))
    // The location comes from the generated module's source map: it must be the YAML's own line.
    expect(module.assertionResults).toMatchObject([{ fullName: 'gift-order main', status: 'passed', location: { line: workflow.line, column: 1 } }])
    // The AWRR reporter stays although `--reporter` on the command line replaces the configured ones.
    expect(Object.keys(readReport('line-filter').strategies)).toEqual(['B2'])

    const world = positionOf('line-filter', file, /^world:/)
    const elsewhere = await runVitest('line-filter', [`${file}:${world.line}`])
    expect(elsewhere.code, failureContext(elsewhere)).toBe(1)
    expect(elsewhere.output).toContain(`No test found in ${file} in line ${world.line}`)
  })
})
