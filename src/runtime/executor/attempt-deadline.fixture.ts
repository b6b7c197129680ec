// Run by attempt-deadline.test.ts as `node --expose-gc --import tsx <this file>`: tasks whose real
// tool accepts the connection and never answers, under forced garbage collections. Prints one JSON
// line per task: strategy, outcome, reason, the results of its workflow calls and the wall time it took.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { naiveRetry, noRecovery, ruleBased } from '../strategies/builtin-strategies.ts'
import { closeToolServer, ensureToolServer } from '../interception/index.ts'
import { runTask } from './run-task.ts'
import type { TraceEvent } from './trace-events.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')
const attemptTimeoutMs = Number(process.argv[2] ?? 300)

const silent = createServer(() => {
  // Accepts the request and never answers.
})
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/charge`
ensureToolServer()
const collector = setInterval(() => gc(), 2)

for (const strategy of [noRecovery(), naiveRetry(), ruleBased()]) {
  const events: TraceEvent[] = []
  const started = performance.now()
  const summary = await runTask({
    task: { id: 'main', index: 0, world: { records: {}, inventory: {} }, workflow: [{ tool: 'charge', with: { order: 'A1' } }], faults: [], tools: { charge: { request: { method: 'POST', url } } } },
    scenario: 'never-answers',
    file: 'never-answers.scenario.yaml',
    seed: 42,
    batch: 0,
    strategy,
    trace: { emit: (event) => void events.push(event) },
    tracePath: 'unused.jsonl',
    options: { attemptTimeoutMs },
  })
  const calls = events.flatMap((event) => (event.type === 'tool:call' && event.purpose === 'step' ? [event.result] : []))
  console.log(JSON.stringify({ strategy: strategy.name, outcome: summary.outcome, reason: summary.reason, calls, wallMs: Math.round(performance.now() - started) }))
}

clearInterval(collector)
closeToolServer()
silent.closeAllConnections()
silent.close()
