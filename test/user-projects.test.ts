import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { cleanOutput, fixturePath, readReport, repoRoot, runVitest, type VitestRun } from './run-vitest.ts'

/** The vitest that runs the fixtures: the checkout's own (4 from the lock, 5 in .ci/node24's copy). */
const vitestMajor = Number((JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', 'vitest', 'package.json'), 'utf8')) as { version: string }).version.split('.')[0])

/** A port nobody listens on right now: the test's "fixed" port for the service. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

interface Visit {
  agent: string
  scenario: string
  task: string
  repeat: number
}

// fixtures/agents-mixed: a project with its own `unit` project and a globalSetup, two strategies
// over a workflow scenario, two versions of an agent over three input scenarios, repeats: 2.
describe('a project with its own unit project, strategies and agents (fixtures/agents-mixed)', () => {
  let run: VitestRun
  let logs: string
  let port: number
  let report: any
  let json: any

  beforeAll(async () => {
    cleanOutput('agents-mixed')
    logs = mkdtempSync(path.join(tmpdir(), 'awrr-agents-mixed-'))
    port = await freePort()
    run = await runVitest('agents-mixed', ['--reporter=verbose', '--reporter=json', `--outputFile.json=${path.join(logs, 'vitest.json')}`], {
      COUNTER_LOG_DIR: logs,
      COUNTER_PORT: String(port),
    })
    report = readReport('agents-mixed')
    json = JSON.parse(readFileSync(path.join(logs, 'vitest.json'), 'utf8'))
  })
  afterAll(() => rmSync(logs, { recursive: true, force: true }))

  const lines = (file: string) => readFileSync(path.join(logs, file), 'utf8').split('\n').filter((line) => line !== '')

  test('the run passes', () => {
    expect(run.code, run.output).toBe(0)
  })

  test("the project's own unit test runs, once, beside the plugin's projects", () => {
    const unitLines = run.stdout.split('\n').filter((line) => line.includes('unit/math.test.ts'))
    expect(unitLines).toEqual([expect.stringMatching(/✓ \|unit\| unit\/math\.test\.ts > the project own unit test still runs/)])
  })

  test('the service starts once, on the fixed port, for every project that runs the globalSetup', () => {
    // One line per call, the project's name on it (the root project's name is '').
    const setups = readFileSync(path.join(logs, 'setups.log'), 'utf8').split('\n').slice(0, -1)
    // vitest 4 runs the root config's globalSetup for the root and again for every project; vitest 5 once, for the root.
    if (vitestMajor === 4) expect(setups.sort()).toEqual(['', 'B0', 'B2', 'counter-v1', 'counter-v2', 'unit'])
    else expect(setups).toEqual([''])
    expect(lines('starts.log')).toEqual([String(port)])
  })

  test('ctx names the agent, the scenario, the task and the repeat (the service saw them)', () => {
    const visits = JSON.parse(readFileSync(path.join(logs, 'visits.json'), 'utf8')) as Visit[]
    const seen = visits.map((visit) => `${visit.agent} ${visit.scenario} ${visit.task} ${visit.repeat}`).sort()
    const expected = ['counter-v1', 'counter-v2'].flatMap((agent) => ['rejected', 'visit'].flatMap((scenario) => [0, 1].map((repeat) => `${agent} ${scenario} main ${repeat}`)))
    expect(seen).toEqual(expected.sort())
  })

  test('no test is skipped: strategies never see the input scenarios, agents never the workflow', () => {
    expect(json.numPendingTests + json.numTodoTests).toBe(0)
    expect(json.numTotalTests).toBe(2 * 2 + 2 * 3 * 2 + 1)
    expect(run.stdout).not.toMatch(/\|(B0|B2)\| scenarios\/(idle|visit|rejected)/)
    expect(run.stdout).not.toMatch(/\|counter-v[12]\| scenarios\/checkout/)
  })

  test('each verbose test line is followed by the task outcome and reason', () => {
    const annotationAfter = (pattern: RegExp) => {
      const at = run.stdout.split('\n').findIndex((line) => pattern.test(line))
      expect(at, `no line matches ${pattern}`).toBeGreaterThanOrEqual(0)
      return run.stdout.split('\n').slice(at + 1, at + 5).join('\n')
    }
    expect(annotationAfter(/\|B2\| scenarios\/checkout\.scenario\.yaml > checkout > main #1/)).toMatch(/awrr\n\s+↳ completed$/m)
    expect(annotationAfter(/\|counter-v1\| scenarios\/rejected\.scenario\.yaml > rejected > main #1/)).toMatch(/↳ failed: success_oracle_rejected/)
    expect(annotationAfter(/\|counter-v2\| scenarios\/idle\.scenario\.yaml > idle > main #2/)).toMatch(/↳ completed with no recorded call \(suspicious/)
    const b0 = report.strategies.B0.tasks[0]
    expect(annotationAfter(/\|B0\| scenarios\/checkout\.scenario\.yaml > checkout > main #1/)).toContain(`↳ ${b0.outcome}: ${b0.reason}`)
  })

  test('strategies and agents ran different task sets and are ranked in separate tables', () => {
    expect(report.task_sets.map((set: any) => set.strategies)).toEqual([
      ['B0', 'B2'],
      ['counter-v1', 'counter-v2'],
    ])
    const tables = run.stdout.split('\n\n').filter((block) => block.startsWith('Leaderboard, task set'))
    expect(tables).toHaveLength(2)
    expect(tables[0]).toMatch(/^Leaderboard, task set 1 of 2: 1 task \(checkout\)/)
    expect(tables[0]).not.toMatch(/^counter-v/m)
    expect(tables[1]).toMatch(/^Leaderboard, task set 2 of 2: 3 tasks \(idle, rejected, visit\)/)
    expect(tables[1]).not.toMatch(/^B[02] /m)
    expect(report.strategies['counter-v2'].paired.reference).toBe('counter-v1')
    const markdown = readFileSync(fixturePath('agents-mixed', '.awrr', 'report.md'), 'utf8')
    expect(markdown).toContain('### Task set 2 of 2: 3 tasks (idle, rejected, visit)')
  })

  test('a task that completed with zero recorded calls is flagged suspicious in every report', () => {
    for (const agent of ['counter-v1', 'counter-v2']) {
      expect(report.strategies[agent].suspicious).toEqual([
        { id: 'main', scenario: 'idle', repeat: 0, reason: 'completed_without_calls' },
        { id: 'main', scenario: 'idle', repeat: 1, reason: 'completed_without_calls' },
      ])
      const idle = report.strategies[agent].tasks.filter((task: any) => task.scenario === 'idle')
      expect(idle.map((task: any) => [task.outcome, task.tool_calls])).toEqual([
        ['completed', 0],
        ['completed', 0],
      ])
    }
    expect(report.strategies.B2.suspicious).toEqual([])
    expect(run.stdout).toMatch(/^Suspicious: 4 tasks completed with no recorded call/m)
    const file = (name: string) => readFileSync(fixturePath('agents-mixed', '.awrr', name), 'utf8')
    expect(file('report.md')).toContain('| counter-v1 | idle \\> main \\#1 | completed_without_calls |')
    expect(file('report.html')).toContain('<section id="suspicious">')
    const [header, ...rows] = file('report.csv').trim().split('\r\n')
    const column = header!.split(',').indexOf('suspicious_tasks')
    expect(rows.map((row) => `${row.split(',')[0]}=${row.split(',')[column]}`)).toEqual(['B0=0', 'B2=0', 'counter-v1=2', 'counter-v2=2'])
  })
})

// fixtures/user-root-tests: root-level tests (test.include, exclude, setupFiles), no projects.
describe('a project whose own tests are root-level (fixtures/user-root-tests)', () => {
  let run: VitestRun

  beforeAll(async () => {
    cleanOutput('user-root-tests')
    run = await runVitest('user-root-tests', ['--reporter=verbose'])
  })

  test('its root tests keep running, once, with the root setup file and exclude, beside B2', () => {
    expect(run.code, run.output).toBe(0)
    const ownLines = run.stdout.split('\n').filter((line) => line.includes('tests/'))
    expect(ownLines).toEqual([expect.stringMatching(/✓ \|tests\| tests\/root\.test\.ts > a root-level test runs, with the root setup file/)])
    expect(run.stdout).toMatch(/✓ \|B2\| scenarios\/checkout\.scenario\.yaml > checkout > main/)
    expect(run.stdout).not.toContain('wip.test.ts')
    expect(readReport('user-root-tests').strategies.B2.tasks).toHaveLength(1)
  })

  test('`--project B2` runs the strategy alone, and `--project tests` the own tests alone', async () => {
    const strategy = await runVitest('user-root-tests', ['--reporter=verbose', '--project', 'B2'])
    expect(strategy.code, strategy.output).toBe(0)
    expect(strategy.stdout).not.toContain('root.test.ts')
    const own = await runVitest('user-root-tests', ['--reporter=verbose', '--project', 'tests'])
    expect(own.code, own.output).toBe(0)
    expect(own.stdout).toContain('root.test.ts')
    expect(own.stdout).not.toContain('checkout.scenario.yaml')
  })
})
