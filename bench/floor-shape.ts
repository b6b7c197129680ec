// The body sizes of AWRR's tool calls on the bench's suite, for the floor (bench/floor/) to send
// the same: mean request and response body length per call over a sample of the suite's tasks
// under B2, measured by wrapping fetch (AWRR's executor calls the global one). bench/run.mjs spawns
// it and reads the JSON it prints. Call counts come from the measured run's report instead.
import { runTask } from '../src/runtime/executor/run-task.ts'
import { generateTasks } from '../src/runtime/scenario/generate-tasks.ts'
import { generateSchema } from '../src/runtime/scenario/schema.ts'
import { ruleBased } from '../src/runtime/strategies/builtin-strategies.ts'
import { closeToolServer, ensureToolServer } from '../src/runtime/interception/index.ts'

const sample = Number(process.env['BENCH_SHAPE_TASKS'] ?? 300)
const workflows = ['saga_payment', 'double_write', 'refund_flow']
const suite = generateTasks(generateSchema.parse({ tasks: sample, profile: 'balanced', workflows }), 42)

// MSW's interception replaces globalThis.fetch when it starts: wrap what it installed. (The sample
// stays below the tool server's restart period, which would install it afresh.)
ensureToolServer()
let calls = 0
let requestBytes = 0
let responseBytes = 0
const realFetch = globalThis.fetch
globalThis.fetch = async (input, init) => {
  const response = await realFetch(input, init)
  calls++
  requestBytes += typeof init?.body === 'string' ? init.body.length : 0
  responseBytes += (await response.clone().text()).length
  return response
}

const strategy = ruleBased()
for (const task of suite) {
  await runTask({ task, scenario: 'bench-shape', file: 'bench', seed: 42, batch: 0, strategy, trace: { emit: () => undefined }, tracePath: 'bench' })
}
closeToolServer()
globalThis.fetch = realFetch
process.stdout.write(JSON.stringify({ tasks: sample, calls, request_bytes: requestBytes / calls, response_bytes: responseBytes / calls }) + '\n')
