import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { stringify } from 'yaml'
import { checkConsistency } from '../saga/consistency-oracle.ts'
import { parseScenarioSource } from '../scenario/load-scenario.ts'
import { faultModes, faultTypes as allFaultTypes, layers, type Scenario } from '../scenario/schema.ts'
import { isMcpFaultType, isModelOnlyFaultType } from '../scenario/taxonomy.ts'
import type { TaskSpec } from '../scenario/task-spec.ts'
import { builtinStrategyNames, resolveStrategy } from '../strategies/resolve-strategy.ts'
import { ecommerceToolNames } from '../tools/tool-specs.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { closeToolServer, ensureToolServer, runInTask } from '../interception/index.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import type { RunConfig } from '../vitest/run-config.ts'
import { defaultExecutorOptions, runTask, type ExecutorOptions } from './run-task.ts'
import type { TaskSummary } from './task-summary.ts'
import type { TraceEvent } from './trace-events.ts'

// The executor's workflows call HTTP tools; MCP faults hit only tools of an MCP server (src/runtime/mcp/).
const faultTypes = allFaultTypes.filter((type) => !isMcpFaultType(type) && !isModelOnlyFaultType(type))

/**
 * Properties of the loader and the executor over random valid scenarios: random e-commerce
 * workflows of the built-in tools with valid arguments, random faults of every type and mode, random
 * worlds and budgets. Each scenario is written as YAML, loaded back, and run under every built-in
 * strategy, twice. A failure prints the shrunk scenario as YAML and the command that replays it.
 */

const fixedSeed = 20_251_128
const seed = Number(process.env['AWRR_PROPERTY_SEED'] ?? fixedSeed)
const replayPath = process.env['AWRR_PROPERTY_PATH']
const numRuns = Number(process.env['AWRR_PROPERTY_RUNS'] ?? 30)

const recordIds = ['ORD-1', 'ORD-2'] as const
const items = ['widget', 'mug'] as const
// The other domains' tools have their own workflows.
const ecommerceTools = ecommerceToolNames

const recordId = fc.constantFrom(...recordIds)
const item = fc.constantFrom(...items)
const amount = fc.integer({ min: 1, max: 500 })
const qty = fc.integer({ min: 1, max: 5 })

/** One step per tool, each with the arguments the tool service expects. */
const stepWithArgs = fc.oneof(
  recordId.map((id) => ({ tool: 'get_record', with: { record_id: id } })),
  recordId.map((id) => ({ tool: 'auth_check', with: { record_id: id } })),
  fc.tuple(recordId, item, qty).map(([id, item_id, n]) => ({
    tool: 'policy_check',
    with: { action: 'approve', record_id: id, required_inventory: { item_id, qty: n } },
  })),
  fc.tuple(recordId, fc.constantFrom('approved', 'shipped')).map(([id, status]) => ({
    tool: 'update_record',
    with: { record_id: id, patch: { status } },
  })),
  recordId.map((id) => ({ tool: 'write_audit', with: { record_id: id, entry: `checked ${id}` } })),
  recordId.map((id) => ({ tool: 'notify_user', with: { record_id: id, message: `Order ${id} is on its way.` } })),
  recordId.map((id) => ({ tool: 'send_message', with: { to: id, body: 'Thank you for your order.' } })),
  fc.constant({ tool: 'create_ticket', with: { reason: 'manual review' } }),
  recordId.map((id) => ({ tool: 'commit', with: { record_id: id } })),
  fc.tuple(item, qty).map(([item_id, n]) => ({ tool: 'lock_inventory', with: { item_id, qty: n } })),
  fc.tuple(item, qty).map(([item_id, n]) => ({ tool: 'unlock_inventory', with: { item_id, qty: n } })),
  fc.tuple(recordId, amount).map(([id, value]) => ({ tool: 'process_payment', with: { order_id: id, amount: value } })),
  fc.tuple(recordId, amount).map(([id, value]) => ({ tool: 'refund_payment', with: { order_id: id, amount: value } })),
  fc.constant({ tool: 'rollback' }),
)

/** Now and then a step names its own compensation instead of the tool's. */
const step = fc
  .tuple(stepWithArgs, fc.option(fc.constantFrom('unlock_inventory', 'refund_payment', 'send_message', 'write_audit'), { freq: 6 }))
  .map(([written, compensation]) => (compensation === null ? written : { ...written, compensate: { tool: compensation } }))

const world = fc.record({
  records: fc.record({
    'ORD-1': fc.record({ status: fc.constantFrom('pending', 'pending', 'approved'), value: amount, payment_status: fc.constant('unpaid') }),
    'ORD-2': fc.record({ status: fc.constant('pending'), value: amount, payment_status: fc.constantFrom('unpaid', 'paid') }),
  }),
  inventory: fc.record({ widget: fc.integer({ min: 0, max: 20 }), mug: fc.integer({ min: 0, max: 20 }) }),
})

/** A fault on a step, on a tool the workflow calls, or now and then on any tool (a compensation's). */
function fault(workflow: readonly { tool: string }[]) {
  return fc
    .record({
      target: fc.oneof(
        { weight: 3, arbitrary: fc.nat(workflow.length - 1).map((index) => ({ step: index })) },
        { weight: 2, arbitrary: fc.constantFrom(...workflow.map((entry) => entry.tool)).map((tool) => ({ tool })) },
        { weight: 1, arbitrary: fc.constantFrom(...ecommerceTools).map((tool) => ({ tool })) },
      ),
      type: fc.constantFrom(...faultTypes),
      mode: fc.constantFrom(...faultModes),
      times: fc.integer({ min: 1, max: 5 }),
      prob: fc.oneof(fc.constant(1), fc.constantFrom(0, 0.5), fc.double({ min: 0, max: 1, noNaN: true })),
      layer: fc.option(fc.constantFrom(...layers), { freq: 4 }),
      applied: fc.boolean(),
      force: fc.option(fc.boolean(), { freq: 3 }),
      latency: fc.option(fc.integer({ min: 0, max: 12_000 }), { freq: 3 }),
      status: fc.option(fc.constantFrom(200, 404, 409, 429, 500, 503), { freq: 8 }),
    })
    .map(({ target, type, mode, times, prob, layer, applied, force, latency, status }) => ({
      ...target,
      type,
      mode,
      prob,
      ...(mode === 'first_n' ? { times } : {}),
      ...(layer === null ? {} : { layer }),
      ...(type === 'Timeout' && applied ? { applied: true } : {}),
      ...(force === null ? {} : { force_first_attempt: force }),
      ...(latency === null ? {} : { latency_ms: latency }),
      ...(status === null ? {} : { status }),
    }))
}

/** A scenario as a user would write it (plain data, serialised to YAML), plus the run's executor options. */
const scenarioCase = fc
  .array(step, { minLength: 1, maxLength: 8 })
  .chain((workflow) =>
    fc.record({
      scenario: fc.record({
        name: fc.constant('property-case'),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        world,
        workflow: fc.constant(workflow),
        faults: fc.array(fault(workflow), { minLength: 1, maxLength: 4 }),
        success: fc.option(recordId.map((id) => ({ record: id, status: 'approved' })), { freq: 2 }),
        budget: fc.option(fc.record({ tool_calls: fc.integer({ min: 1, max: 40 }) }), { freq: 4 }),
      }),
      options: fc.record({
        // Tight budgets that cut tasks short, and roomy ones that let recovery play out.
        maxToolCalls: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 10, max: 200 })),
        loopGuard: fc.integer({ min: 2, max: 10 }),
        compensationAttempts: fc.integer({ min: 1, max: 4 }),
        maxVirtualMs: fc.integer({ min: 1_000, max: 600_000 }),
      }),
    }),
  )
  .map(({ scenario, options }) => ({
    scenario: Object.fromEntries(Object.entries(scenario).filter(([, value]) => value !== null)),
    options: options satisfies ExecutorOptions,
  }))

type ScenarioCase = { scenario: Record<string, unknown>; options: ExecutorOptions }

function taskOf(scenario: Scenario): TaskSpec {
  return {
    id: 'main',
    index: 0,
    world: { records: scenario.world?.records ?? {}, inventory: scenario.world?.inventory ?? {} },
    workflow: scenario.workflow ?? [],
    faults: scenario.faults.map((entry, index) => ({ ...entry, id: entry.id ?? `F${index}` })),
    ...(scenario.success ? { success: scenario.success } : {}),
    ...(scenario.budget ? { budget: scenario.budget } : {}),
  }
}

const runConfig: RunConfig = {
  root: process.cwd(),
  outputDirRelative: '.awrr',
  seed: fixedSeed,
  batchSize: 10,
  executor: {},
  strategyModules: [],
  agentModules: [],
}

interface RecordedRequest {
  url: string
  init: RequestInit
}

interface Ran {
  summary: TaskSummary
  events: TraceEvent[]
  requests: RecordedRequest[]
}

type ToolCall = Extract<TraceEvent, { type: 'tool:call' }>
type Final = Extract<TraceEvent, { type: 'task:final' }>

/** Runs the task with a fresh strategy, keeping every request the executor sent for the replay. */
async function runOnce(task: TaskSpec, scenario: Scenario, strategyName: string, options: ExecutorOptions): Promise<Ran> {
  const events: TraceEvent[] = []
  const requests: RecordedRequest[] = []
  const intercepted = globalThis.fetch
  globalThis.fetch = (input, init) => {
    requests.push({ url: String(input), init: { ...init } })
    return intercepted(input, init)
  }
  try {
    const summary = await runTask({
      task,
      scenario: scenario.name ?? 'property-case',
      file: 'property-case.scenario.yaml',
      seed: scenario.seed ?? fixedSeed,
      batch: 0,
      strategy: await resolveStrategy(strategyName, runConfig),
      trace: { emit: (event) => void events.push(event) },
      tracePath: '.awrr/traces/property-case.jsonl',
      options,
    })
    return { summary, events, requests }
  } finally {
    globalThis.fetch = intercepted
  }
}

/** What the tool service did, without the timing: the replay's clock has no strategy waits in it. */
const served = (events: TraceEvent[]) =>
  events.flatMap((event): Record<string, unknown>[] => {
    if (event.type === 'tool:serve') return [{ type: event.type, call: event.call, tool: event.tool, step: event.step, purpose: event.purpose, status: event.status, replayed: event.replayed }]
    if (event.type === 'fault:injected') return [{ type: event.type, call: event.call, faultId: event.faultId, faultType: event.faultType, attempt: event.attempt }]
    return []
  })

/**
 * Sends the recorded requests again, in order, to a fresh TaskEnvironment of the same task: the
 * world it ends with is the world the executor's verdict was about. Each request gets the same
 * virtual deadline as in the executor, so a timed-out write lands (or not) the same way.
 */
async function replayWorld(task: TaskSpec, scenario: Scenario, ran: Ran, options: ExecutorOptions) {
  const clock = createVirtualClock()
  const events: TraceEvent[] = []
  const environment = new TaskEnvironment({
    seed: scenario.seed ?? fixedSeed,
    scenario: scenario.name ?? 'property-case',
    task: task.id,
    world: task.world,
    faults: task.faults,
    clock,
    trace: { emit: (event) => void events.push(event) },
    origins: [],
  })
  const calls = ran.events.filter((event): event is ToolCall => event.type === 'tool:call')
  const attemptTimeoutMs = options.attemptTimeoutMs ?? defaultExecutorOptions.attemptTimeoutMs
  for (const [index, request] of ran.requests.entries()) {
    const call = calls[index]!
    const controller = new AbortController()
    const cancel = clock.setTimer(attemptTimeoutMs, () => controller.abort(new DOMException('attempt deadline passed', 'TimeoutError')))
    environment.announceCall({ step: call.step ?? undefined, purpose: call.purpose })
    try {
      await runInTask(environment, async () => (await fetch(request.url, { ...request.init, signal: controller.signal })).text())
    } catch {
      // A timeout or a reset connection, as in the run: the world is what matters here.
    } finally {
      cancel()
    }
  }
  return { environment, events }
}

/** What the runs covered; the test fails if the generator stops reaching any of it. */
const seen = { outcomes: new Set<string>(), verdicts: new Set<boolean>(), faultTypes: new Set<string>(), modes: new Set<string>(), injected: new Set<string>(), tasks: 0 }

async function checkStrategy(scenario: Scenario, strategyName: string, options: ExecutorOptions): Promise<void> {
  const task = taskOf(scenario)
  const first = await runOnce(task, scenario, strategyName, options)
  const { summary, events } = first
  const where = `strategy ${strategyName}`

  // Exactly one outcome, and it ends the trace.
  const finals = events.filter((event): event is Final => event.type === 'task:final')
  expect(finals, where).toHaveLength(1)
  expect(events.at(-1), `${where}: task:final is the last event`).toBe(finals[0])
  expect(events[0]?.type, where).toBe('task:start')
  const final = finals[0]!
  expect({ outcome: summary.outcome, consistent: summary.consistent }, where).toEqual({ outcome: final.outcome, consistent: final.consistent })

  // A complete trace: calls numbered 0..n-1 in order, each served, virtual time never going back.
  const calls = events.filter((event): event is ToolCall => event.type === 'tool:call')
  expect(calls.map((call) => call.call), where).toEqual(calls.map((_, index) => index))
  expect(calls.length, where).toBe(summary.toolCalls)
  const servedCalls = new Set(events.flatMap((event) => (event.type === 'tool:serve' ? [event.call] : [])))
  expect(calls.filter((call) => !servedCalls.has(call.call)), `${where}: calls without a tool:serve`).toEqual([])
  calls.forEach((call, index) => {
    if (index > 0) expect(call.at, `${where}: tool:call ${call.call} starts before the call before it`).toBeGreaterThanOrEqual(calls[index - 1]!.at)
  })
  for (const event of events) expect(event.at, `${where}: ${event.type} after task:final`).toBeLessThanOrEqual(final.at)

  // The budget. The workflow's own calls (steps, and rollbacks made to retry a step) stay within
  // it. Once the task has ended, cleanup still runs (rollback, compensations, tickets) and may go
  // past it, but only as far as the saga stack reaches: with budget N the total can exceed N by far
  // more than one call (see the report of this file: strict "N + 1" does not hold today).
  const maxToolCalls = task.budget?.tool_calls ?? options.maxToolCalls ?? defaultExecutorOptions.maxToolCalls
  const workflowCalls = calls.filter((call) => call.purpose === 'step' || (call.purpose === 'rollback' && call.step !== null))
  expect(workflowCalls.length, `${where}: workflow calls against a budget of ${maxToolCalls}`).toBeLessThanOrEqual(maxToolCalls)
  const pushes = events.filter((event) => event.type === 'saga:push').length
  const attempts = options.compensationAttempts ?? defaultExecutorOptions.compensationAttempts
  const cleanupBound = 1 + pushes * (attempts + 1) + 1
  expect(calls.length - workflowCalls.length, `${where}: cleanup calls for ${pushes} saga entries`).toBeLessThanOrEqual(cleanupBound)

  // The oracle's verdict is about the world the calls left behind.
  expect(first.requests.length, `${where}: one request per tool:call`).toBe(calls.length)
  const replay = await replayWorld(task, scenario, first, options)
  expect(served(replay.events), `${where}: the replay was served as the run was`).toEqual(served(events))
  const verdict = checkConsistency(replay.environment.initialWorld, replay.environment.world, final.outcome === 'completed')
  expect({ consistent: final.consistent, problems: summary.inconsistencies }, where).toEqual({ consistent: verdict.consistent, problems: verdict.problems })

  seen.tasks++
  seen.outcomes.add(summary.outcome)
  seen.verdicts.add(summary.consistent)
  for (const event of events) if (event.type === 'fault:injected') seen.injected.add(`${event.faultType}/${event.mode}`)

  // Same seed, same result.
  const second = await runOnce(task, scenario, strategyName, options)
  expect(second.summary, `${where}: a second run`).toEqual(summary)
  expect(second.events, `${where}: a second run's trace`).toEqual(events)
}

async function holds({ scenario: written, options }: ScenarioCase): Promise<void> {
  const yaml = stringify(written)
  const parsed = parseScenarioSource(yaml, 'property-case.scenario.yaml')
  if (!parsed.ok) throw new Error(`the loader rejected a valid scenario:\n${parsed.issues.map((issue) => `  ${issue.line}:${issue.column} ${issue.message}`).join('\n')}`)
  for (const entry of parsed.scenario.faults) {
    seen.faultTypes.add(entry.type)
    seen.modes.add(entry.mode)
  }
  for (const strategyName of builtinStrategyNames) await checkStrategy(parsed.scenario, strategyName, options)
}

beforeAll(() => ensureToolServer())
afterAll(() => closeToolServer())

describe('properties of random valid scenarios', () => {
  test(
    `load, then run under ${builtinStrategyNames.join(', ')}: one outcome, a complete ordered trace, the budget, the oracle, determinism`,
    async () => {
      const details = await fc.check(fc.asyncProperty(scenarioCase, holds), {
        seed,
        numRuns,
        ...(replayPath ? { path: replayPath } : {}),
      })
      if (!details.failed) {
        if (replayPath) return
        expect(details.numRuns).toBe(numRuns)
        expect(seen.tasks).toBe(numRuns * builtinStrategyNames.length)
        expect([...seen.outcomes].sort()).toEqual(['completed', 'escalated', 'failed'])
        expect([...seen.verdicts].sort()).toEqual([false, true])
        expect([...seen.faultTypes].sort()).toEqual([...faultTypes].sort())
        expect([...seen.modes].sort()).toEqual([...faultModes].sort())
        console.info(
          `[properties] ${numRuns} scenarios x ${builtinStrategyNames.length} strategies = ${seen.tasks} tasks, each run twice and replayed; ` +
            `${seen.injected.size} of ${faultTypes.length * faultModes.length} fault type/mode pairs injected (${[...seen.injected].sort().join(" ")})`,
        )
        return
      }
      const [counterexample] = details.counterexample ?? []
      const reason = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)
      throw new Error(
        `Property failed after ${details.numRuns} runs and ${details.numShrinks} shrinks: ${reason}\n` +
          `Executor options: ${JSON.stringify(counterexample?.options)}\n` +
          `Shrunk scenario:\n${stringify(counterexample?.scenario)}\n` +
          `Replay: AWRR_PROPERTY_SEED=${details.seed} AWRR_PROPERTY_PATH="${details.counterexamplePath}" AWRR_SELF_TEST=1 npx vitest run --project unit src/runtime/executor/properties.test.ts`,
      )
    },
    // Generous, so that a hang fails by time without a timed assertion; more runs get more time.
    Math.max(120_000, numRuns * 3_000),
  )
})
