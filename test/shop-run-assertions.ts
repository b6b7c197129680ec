import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { readJson, type ShopLogEntry } from './packed-project.ts'

/**
 * What a run of examples/shop must show, whichever Node and Vitest ran it: the report (every
 * strategy and agent, their outcomes) and the shop's own record of what reached it. The numbers
 * follow from the scenarios: a fault AWRR injects never leaves the test process, so the shop sees
 * exactly the calls that no fault hit.
 */

const strategies = ['B0', 'B1', 'B2']
const agents = ['shop-v1', 'shop-v2']
const workflowScenarios = ['shop-checkout', 'shop-ship-outage']
const agentScenarios = ['agent-charge-outage', 'agent-flaky-charge', 'agent-ship-down']

/** Requests that reached the shop, per `POST <path> <order>`. */
const expectedPosts: Record<string, number> = {
  // shop-checkout: B0's only charge is the injected 500; B1 and B2 retry through and ship.
  'POST /charge A1': 2,
  'POST /ship A1': 2,
  // shop-ship-outage: every strategy charges; no shipment gets through; B1 and B2 compensate.
  'POST /charge A2': 3,
  'POST /refund A2': 2,
  // agent-flaky-charge: one injected 500 each, then both agents get through.
  'POST /charge G1': 2,
  'POST /ship G1': 2,
  // agent-charge-outage: three injected 503s; shop-v1 stops at three attempts, shop-v2 tries a fourth.
  'POST /charge G2': 1,
  'POST /ship G2': 1,
  // agent-ship-down: both charge; shipping never gets through; shop-v2 refunds.
  'POST /charge G3': 2,
  'POST /refund G3': 1,
}

interface ReportTask {
  id: string
  scenario: string
  outcome: string
  compensations?: { tool: string; ok: boolean }[]
}

export function expectShopRun(shopDir: string, output: string): void {
  const report = readJson(path.join(shopDir, '.awrr', 'report.json'))
  // Agents are projects like the strategies, and sit beside them in the report.
  const projects: Record<string, { tasks: ReportTask[] }> = report.strategies
  expect(Object.keys(projects).sort(), output).toEqual([...strategies, ...agents].sort())

  const outcomes: Record<string, Record<string, string>> = {}
  for (const [name, project] of Object.entries(projects)) {
    outcomes[name] = Object.fromEntries(project.tasks.map((task) => [task.scenario, task.outcome]))
  }
  for (const strategy of strategies) expect(Object.keys(outcomes[strategy]!).sort(), strategy).toEqual(workflowScenarios)
  for (const agent of agents) expect(Object.keys(outcomes[agent]!).sort(), agent).toEqual(agentScenarios)
  expect(outcomes['B0']).toEqual({ 'shop-checkout': 'failed', 'shop-ship-outage': 'failed' })
  expect(outcomes['B1']!['shop-checkout']).toBe('completed')
  expect(outcomes['B2']!['shop-checkout']).toBe('completed')
  expect(outcomes['B1']!['shop-ship-outage']).not.toBe('completed')
  expect(outcomes['B2']!['shop-ship-outage']).not.toBe('completed')
  expect(outcomes['shop-v1']).toEqual({ 'agent-flaky-charge': 'completed', 'agent-charge-outage': 'failed', 'agent-ship-down': 'failed' })
  expect(outcomes['shop-v2']).toEqual({ 'agent-flaky-charge': 'completed', 'agent-charge-outage': 'completed', 'agent-ship-down': 'escalated' })

  const compensations = (project: string, scenario: string) =>
    projects[project]!.tasks.find((task) => task.scenario === scenario)!.compensations ?? []
  expect(compensations('B0', 'shop-ship-outage')).toEqual([])
  for (const strategy of ['B1', 'B2']) {
    expect(compensations(strategy, 'shop-ship-outage'), strategy).toEqual([expect.objectContaining({ tool: 'refund', ok: true })])
  }

  const log = readJson<ShopLogEntry[]>(path.join(shopDir, '.awrr', 'shop-log.json'))
  const posts = log.filter((entry) => entry.method === 'POST')
  const counted: Record<string, number> = {}
  for (const entry of posts) {
    const key = `POST ${entry.path} ${entry.body?.order}`
    counted[key] = (counted[key] ?? 0) + 1
  }
  expect(counted).toEqual(expectedPosts)
  // Only answers the shop really gave: no injected status ever came from it.
  expect(posts.filter((entry) => entry.status !== 200)).toEqual([])
  // Every write carried an Idempotency-Key, from the executor and from both agents.
  expect(posts.filter((entry) => !entry.idempotencyKey)).toEqual([])
  // The success oracle asks the real shop once per task that reached its end without error.
  const oracleGets = log.filter((entry) => entry.method === 'GET').map((entry) => entry.path)
  expect(oracleGets.sort()).toEqual(['/orders/A1', '/orders/A1', '/orders/G1', '/orders/G1', '/orders/G2'])

  expectTracesMatchShopLog(shopDir, log)
}

const orderOfScenario: Record<string, string> = {
  'shop-checkout': 'A1',
  'shop-ship-outage': 'A2',
  'agent-flaky-charge': 'G1',
  'agent-charge-outage': 'G2',
  'agent-ship-down': 'G3',
}

interface TraceEvent {
  type: string
  call?: number
  purpose?: string
  scenario?: string
}

/**
 * AWRR's record against the shop's: per scenario, the calls the traces show as served and not
 * injected are exactly the requests the shop received, and the injected ones are not among them.
 */
function expectTracesMatchShopLog(shopDir: string, log: readonly ShopLogEntry[]): void {
  const tracesDir = path.join(shopDir, '.awrr', 'traces')
  const passedThrough: Record<string, number> = {}
  const injectedCalls: Record<string, number> = {}
  const oracleCalls: Record<string, number> = {}
  // traces/ also holds run.json (the run that wrote it): only the per-project folders are traces.
  for (const project of readdirSync(tracesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name)) {
    for (const file of readdirSync(path.join(tracesDir, project))) {
      const events = readFileSync(path.join(tracesDir, project, file), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as TraceEvent)
      let scenario = ''
      let injected = new Set<number>()
      for (const event of events) {
        if (event.type === 'task:start') {
          scenario = event.scenario!
          injected = new Set()
        }
        if (event.type === 'fault:injected') {
          injected.add(event.call!)
          injectedCalls[scenario] = (injectedCalls[scenario] ?? 0) + 1
        }
        if (event.type !== 'tool:serve') continue
        if (event.purpose === 'oracle') oracleCalls[scenario] = (oracleCalls[scenario] ?? 0) + 1
        // Rollbacks and tickets go to AWRR's own built-in service, not to the shop.
        if ((event.purpose === 'step' || event.purpose === 'compensation') && !injected.has(event.call!)) {
          passedThrough[scenario] = (passedThrough[scenario] ?? 0) + 1
        }
      }
    }
  }
  expect(Object.keys(passedThrough).sort()).toEqual(Object.keys(orderOfScenario).sort())
  for (const [scenario, order] of Object.entries(orderOfScenario)) {
    const received = log.filter((entry) => entry.method === 'POST' && entry.body?.order === order).length
    expect(received, `${scenario}: calls passed through vs requests the shop received`).toBe(passedThrough[scenario])
    const oracle = log.filter((entry) => entry.method === 'GET' && entry.path === `/orders/${order}`).length
    expect(oracle, `${scenario}: oracle checks`).toBe(oracleCalls[scenario] ?? 0)
  }
  // Every scenario had faults, so the comparison above is not between two empty records.
  for (const scenario of Object.keys(orderOfScenario)) expect(injectedCalls[scenario], scenario).toBeGreaterThan(0)
}
