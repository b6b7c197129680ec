// Harness cost per tool call against a bare MSW-intercepted fetch, in one process (bench/run.mjs
// spawns it and reads the JSON it prints). The two are measured in alternating rounds so that load
// from other processes drifts over both alike; the figure is the median of the per-round ratios.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { runTask } from '../src/runtime/executor/run-task.ts'
import { generateTasks } from '../src/runtime/scenario/generate-tasks.ts'
import { generateSchema } from '../src/runtime/scenario/schema.ts'
import type { TaskSpec } from '../src/runtime/scenario/task-spec.ts'
import { ruleBased } from '../src/runtime/strategies/builtin-strategies.ts'
import { closeToolServer, ensureToolServer } from '../src/runtime/interception/index.ts'

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 7)
const tasksPerRound = Number(process.env['BENCH_TASKS_PER_ROUND'] ?? 100)

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** One catch-all handler that reads the JSON body: what any MSW-mocked client pays. */
function startBareServer() {
  const server = setupServer(
    http.all('*', async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>
      return HttpResponse.json({ ok: true, result: { record_id: body['record_id'] ?? null } })
    }),
  )
  server.listen({ onUnhandledRequest: 'error' })
  return server
}

/** `calls` POSTs with a JSON body, one after another, each answer read and parsed. */
async function bareCalls(calls: number): Promise<void> {
  for (let index = 0; index < calls; index++) {
    const response = await fetch('http://tools.awrr.test/tools/get_record', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ record_id: 'REC1' }),
    })
    JSON.parse(await response.text())
  }
}

/** Microseconds per bare MSW-intercepted fetch, after a warm-up. */
async function bareRound(calls: number): Promise<number> {
  const server = startBareServer()
  await bareCalls(50)
  const started = performance.now()
  await bareCalls(calls)
  const elapsed = performance.now() - started
  server.close()
  return (elapsed * 1000) / calls
}

/** The executor end to end: the suite's workflows under B2, per tool call made. */
async function harnessRound(tasks: readonly TaskSpec[], label: string): Promise<{ microsPerCall: number; calls: number }> {
  ensureToolServer()
  const strategy = ruleBased()
  const runAll = async (list: readonly TaskSpec[]) => {
    let calls = 0
    for (const task of list) {
      const summary = await runTask({ task, scenario: label, file: 'bench', seed: 42, batch: 0, strategy, trace: { emit: () => undefined }, tracePath: 'bench' })
      calls += summary.toolCalls
    }
    return calls
  }
  await runAll(tasks.slice(0, 10))
  const started = performance.now()
  const calls = await runAll(tasks)
  const elapsed = performance.now() - started
  closeToolServer()
  return { microsPerCall: (elapsed * 1000) / calls, calls }
}

const suite = generateTasks(generateSchema.parse({ tasks: tasksPerRound, profile: 'balanced', workflows: ['saga_payment', 'double_write', 'refund_flow'] }), 42)
const clean = suite.map((task) => ({ ...task, faults: [] }))
const perRound: { bare: number; clean: number; faulted: number }[] = []
let cleanCalls = 0
for (let round = 0; round < rounds; round++) {
  const clean_ = await harnessRound(clean, 'bench-clean')
  cleanCalls = clean_.calls
  const bare = await bareRound(cleanCalls)
  const faulted = await harnessRound(suite, 'bench-balanced')
  perRound.push({ bare, clean: clean_.microsPerCall, faulted: faulted.microsPerCall })
}
/**
 * Heap still in use, per call or task, after a round of work in steady state: what a worker keeps
 * as it works through a large suite. The interception stays installed across the measurement (a
 * worker's does), the work is warmed up first, and the collector runs over several macrotasks so
 * that finalizers and weak references settle. Needs `--expose-gc` (bench/run.mjs passes it).
 */
async function retainedKb(work: () => Promise<unknown>, units: number): Promise<number | null> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) return null
  const settle = async () => {
    for (let pass = 0; pass < 4; pass++) {
      gc()
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  await work()
  await settle()
  const before = process.memoryUsage().heapUsed
  await work()
  await settle()
  return (process.memoryUsage().heapUsed - before) / 1024 / units
}

const bareServer = startBareServer()
const retainedPerBareCall = await retainedKb(() => bareCalls(3_000), 3_000)
bareServer.close()
ensureToolServer()
// 1,000 tasks, about 6,000 requests: more than the tool server's restart period, so what is measured
// is what a worker keeps for good, not what waits for the next restart.
const retainedSuite = generateTasks(generateSchema.parse({ tasks: 1_000, profile: 'balanced', workflows: ['saga_payment', 'double_write', 'refund_flow'] }), 7)
const retainedPerTask = await retainedKb(async () => {
  const strategy = ruleBased()
  for (const task of retainedSuite) {
    // As the suite does: the event loop turns between tasks, which lets V8 drop WeakRef targets.
    await new Promise((resolve) => setImmediate(resolve))
    await runTask({ task, scenario: 'bench-retained', file: 'bench', seed: 42, batch: 0, strategy, trace: { emit: () => undefined }, tracePath: 'bench' })
  }
}, retainedSuite.length)
closeToolServer()

const bare = median(perRound.map((round) => round.bare))
const clean_ = median(perRound.map((round) => round.clean))
const faulted = median(perRound.map((round) => round.faulted))
process.stdout.write(
  JSON.stringify({
    rounds,
    calls_per_round: cleanCalls,
    bare_msw_fetch_us: bare,
    harness_no_faults_us: clean_,
    harness_balanced_us: faulted,
    ratio_no_faults: median(perRound.map((round) => round.clean / round.bare)),
    ratio_balanced: median(perRound.map((round) => round.faulted / round.bare)),
    retained_kb_per_bare_call: retainedPerBareCall,
    retained_kb_per_task: retainedPerTask,
    per_round: perRound,
  }) + '\n',
)
