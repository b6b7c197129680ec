import { readFileSync, rmSync } from 'node:fs'
import { beforeAll, describe, expect, test } from 'vitest'
import { cleanOutput, fixturePath, readReport, runVitest, type VitestRun } from './run-vitest.ts'

interface ShopRequest {
  method: string
  path: string
  body: Record<string, unknown> | null
  idempotencyKey: string | null
  status: number
}

describe('real HTTP tools and agents (fixtures/own-tools, a real shop on 127.0.0.1)', () => {
  let run: VitestRun
  let log: ShopRequest[]
  let report: any

  beforeAll(async () => {
    cleanOutput('own-tools')
    rmSync(fixturePath('own-tools', '.awrr-shop-log.json'), { force: true })
    run = await runVitest('own-tools')
    log = JSON.parse(readFileSync(fixturePath('own-tools', '.awrr-shop-log.json'), 'utf8'))
    report = readReport('own-tools')
  })

  test('the run passes and every project is on the leaderboard', () => {
    expect(run.code, run.output).toBe(0)
    expect(Object.keys(report.strategies)).toEqual(['B0', 'B2', 'naive-agent'])
    expect(run.stdout).toMatch(/^naive-agent\s/m)
  })

  test('an injected fault never reaches the service; the retry passes through', () => {
    const b2Charges = log.filter((entry) => entry.path === '/charge' && entry.body?.['order'] === 'A1')
    expect(b2Charges).toHaveLength(1)
    expect(b2Charges[0]!.status).toBe(200)
    // A hashed key (any name is a valid header; parts never run together), unique to this run.
    expect(b2Charges[0]!.idempotencyKey).toMatch(/^awrr-[0-9a-f]{40}$/)
    const task = report.strategies.B2.tasks.find((entry: any) => entry.scenario === 'charge-then-ship')
    expect(task.outcome).toBe('completed')
    expect(task.tool_calls).toBe(3)
  })

  test('a task that gives up refunds the real charge, and B0 does not', () => {
    const refunds = log.filter((entry) => entry.path === '/refund')
    expect(refunds).toHaveLength(1)
    expect(refunds[0]!.idempotencyKey).toMatch(/^awrr-[0-9a-f]{40}$/)
    const charge = log.find((entry) => entry.path === '/charge' && entry.body?.['order'] === 'B2')
    expect(refunds[0]!.idempotencyKey).not.toBe(charge?.idempotencyKey)
    expect(log.filter((entry) => entry.path === '/ship' && entry.body?.['order'] === 'B2')).toHaveLength(0)
    const b2 = report.strategies.B2.tasks.find((entry: any) => entry.scenario === 'ship-refused')
    expect(b2).toMatchObject({ outcome: 'escalated', consistent: true, srr_eligible: true })
    const b0 = report.strategies.B0.tasks.find((entry: any) => entry.scenario === 'ship-refused')
    expect(b0).toMatchObject({ outcome: 'failed', consistent: false })
  })

  test('the agent ran against the real shop with a fault injected on its first charge', () => {
    const agentCalls = log.filter((entry) => entry.body?.['order'] === 'C3' || entry.path === '/orders/C3')
    expect(agentCalls.map((entry) => `${entry.method} ${entry.path}`)).toEqual(['POST /charge', 'POST /ship', 'GET /orders/C3'])
    const [task] = report.strategies['naive-agent'].tasks
    expect(task).toMatchObject({ scenario: 'agent-order', outcome: 'completed', tool_calls: 3 })
    expect(report.strategies['naive-agent'].metrics.rr_event).toBe(1)
  })
})
