import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import type { CommandRun } from './packed-project.ts'
import { readJson } from './packed-project.ts'

/**
 * What a run of examples/own-stack must show, whichever Node, Vitest and msw ran it, with or
 * without the project's own MSW server: every figure is checked against what the scenarios inject,
 * what each client itself reported (the agents' notes) and what the services logged.
 */

export const agents = ['openai-agent', 'anthropic-agent'] as const
const strategies = ['B0', 'B2'] as const
/** The example's scenario slugs and the client each names (examples/own-stack/scenarios). */
const clients: Record<string, string> = {
  fetch: 'fetch',
  'node-http': 'node:http',
  axios: 'axios',
  got: 'got',
  ky: 'ky',
  'undici-request': 'undici request',
  'undici-fetch': 'undici fetch',
}
/** Which `-recovers` scenarios open with a 429 + Retry-After: 1 on the model (the others a 500). */
const rateLimited = new Set(['fetch', 'axios', 'ky', 'undici-fetch'])
export const agentScenarios = [...Object.keys(clients).flatMap((slug) => [`${slug}-recovers`, `${slug}-book-down`]), 'model-down'].sort()
// examples/own-stack/agents/tool-clients.ts: a deadline a real local call never comes near, even on a loaded machine.
const clientDeadlineMs = 1_000
const hangLatencyMs = 15_000

/**
 * What each client shows for each fault, as the client itself reports it: a status it handed back,
 * or its own error class with its code (or name). Facts of the libraries, seen on Node 20 and 22.
 */
const seenAs: Record<string, { http500: string; timeout: string; dropped: string; unavailable: string }> = {
  fetch: { http500: 'status 500', timeout: 'DOMException TimeoutError', dropped: 'TypeError TypeError', unavailable: 'status 503' },
  'node:http': { http500: 'status 500', timeout: 'AbortError ABORT_ERR', dropped: 'Error ECONNRESET', unavailable: 'status 503' },
  axios: { http500: 'AxiosError ERR_BAD_RESPONSE', timeout: 'AxiosError ECONNABORTED', dropped: 'AxiosError ECONNRESET', unavailable: 'AxiosError ERR_BAD_RESPONSE' },
  got: { http500: 'HTTPError ERR_NON_2XX_3XX_RESPONSE', timeout: 'TimeoutError ETIMEDOUT', dropped: 'RequestError ECONNRESET', unavailable: 'HTTPError ERR_NON_2XX_3XX_RESPONSE' },
  ky: { http500: 'HTTPError HTTPError', timeout: 'TimeoutError TimeoutError', dropped: 'TypeError TypeError', unavailable: 'HTTPError HTTPError' },
  'undici request': { http500: 'status 500', timeout: 'DOMException TimeoutError', dropped: 'Error ECONNRESET', unavailable: 'status 503' },
  'undici fetch': { http500: 'status 500', timeout: 'DOMException TimeoutError', dropped: 'TypeError TypeError', unavailable: 'status 503' },
}

/** Which path of which service each declared tool is. */
const servicePath: Record<string, { service: 'model' | 'tools'; path: string }> = {
  chat: { service: 'model', path: '/v1/chat/completions' },
  messages: { service: 'model', path: '/v1/messages' },
  weather: { service: 'tools', path: '/weather' },
  book: { service: 'tools', path: '/bookings' },
}
const modelTool: Record<(typeof agents)[number], 'chat' | 'messages'> = { 'openai-agent': 'chat', 'anthropic-agent': 'messages' }

interface Note {
  agent: string
  scenario: string
  client: string
  tool: string
  status?: number
  error?: { class: string; name: string; code: string | null; message: string }
  answer?: string
  elapsedMs?: number
}

export interface LoggedRequest {
  receivedAt: number
  method: string
  path: string
  agent: string | null
  scenario: string | null
  client: string | null
  retryCount: number | null
  status: number
}

interface TraceEvent {
  type: string
  call?: number
  tool?: string
  at: number
  latencyMs?: number
  status?: number | string
  faultType?: string
}

/** One finished run of the example, read back from the copy of its `.awrr/` folder. */
export interface StackRun {
  command: CommandRun
  dir: string
  report: any
  notes: Note[]
  logs: Record<'model' | 'tools', LoggedRequest[]>
  traces: Record<string, Record<string, TraceEvent[]>>
}

export function readRun(command: CommandRun, outputDir: string): StackRun {
  const jsonl = <T>(file: string): T[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as T)
  const traces: StackRun['traces'] = {}
  const tracesDir = path.join(outputDir, 'traces')
  for (const project of readdirSync(tracesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    traces[project.name] = {}
    for (const file of readdirSync(path.join(tracesDir, project.name))) {
      const events = jsonl<TraceEvent & { scenario?: string }>(path.join(tracesDir, project.name, file))
      traces[project.name]![events[0]!.scenario!] = events
    }
  }
  return {
    command,
    dir: outputDir,
    report: readJson(path.join(outputDir, 'report.json')),
    notes: jsonl<Note>(path.join(outputDir, 'client-notes.jsonl')),
    logs: { model: readJson(path.join(outputDir, 'model-log.json')), tools: readJson(path.join(outputDir, 'tools-log.json')) },
    traces,
  }
}

/** How a note reads in `seenAs`: `status 503`, or the error's class and its code (else its name). */
const seen = (note: Note) => (note.status !== undefined ? `status ${note.status}` : `${note.error!.class} ${note.error!.code ?? note.error!.name}`)

/** Calls of one tool in one trace: which were faulted (an injected fault), which were let through. */
function callsOf(events: readonly TraceEvent[], tool: string) {
  const faulted = new Set(events.filter((event) => event.type === 'fault:injected').map((event) => event.call))
  const served = events.filter((event) => event.type === 'tool:serve' && event.tool === tool)
  return { faulted: served.filter((event) => faulted.has(event.call)), passed: served.filter((event) => !faulted.has(event.call)) }
}

/**
 * What a run of the example must show, with or without the user's MSW server. Returns nothing;
 * every figure is checked against what the scenarios inject and what the services logged.
 */
export function expectStackRun(run: StackRun): void {
  const { report } = run
  const output = run.command.output

  // Outcomes: every agent under every scenario, the strategies under the workflow.
  for (const agent of agents) {
    const tasks = report.strategies[agent].tasks as { scenario: string; outcome: string; reason: string }[]
    expect(tasks.map((task) => task.scenario).sort(), agent).toEqual(agentScenarios)
    for (const task of tasks) {
      const expected = task.scenario === 'model-down' ? 'failed' : task.scenario.endsWith('-recovers') ? 'completed' : 'escalated'
      expect(task.outcome, `${agent} ${task.scenario}: ${task.reason}`).toBe(expected)
    }
  }
  expect(report.strategies['B0'].tasks.map((task: any) => [task.scenario, task.outcome])).toEqual([['book-workflow', 'failed']])
  expect(report.strategies['B2'].tasks.map((task: any) => [task.scenario, task.outcome])).toEqual([['book-workflow', 'completed']])

  // Issue 12 item 6: every task reached AWRR with its calls (none is a suspicious empty success), and
  // agents and strategies ran different tasks, so they are never ranked together.
  for (const [name, strategy] of Object.entries(report.strategies) as [string, { suspicious: unknown[] }][]) expect(strategy.suspicious, name).toEqual([])
  expect(report.task_sets.map((set: { strategies: string[] }) => [...set.strategies].sort())).toEqual([[...strategies].sort(), [...agents].sort()])
  for (const table of output.split(/Leaderboard, task set/).slice(1)) {
    const rows = table.split('\n* best per column')[0]!
    const ranked = [...strategies, ...agents].filter((name) => new RegExp(`^${name}\\s`, 'm').test(rows))
    expect(ranked.every((name) => (strategies as readonly string[]).includes(name)) || ranked.every((name) => (agents as readonly string[]).includes(name)), ranked.join(', ')).toBe(true)
    expect(ranked.length, table).toBe(2)
  }

  for (const agent of agents) {
    for (const [slug, client] of Object.entries(clients)) {
      for (const scenario of [`${slug}-recovers`, `${slug}-book-down`]) {
        const notes = run.notes.filter((entry) => entry.agent === agent && entry.scenario === scenario)
        const events = run.traces[agent]![scenario]!
        const weather = callsOf(events, 'weather')
        const book = callsOf(events, 'book')
        const label = `${agent} ${scenario}`
        const clientSaw = (tool: string) => notes.filter((entry) => entry.client === client && entry.tool === tool).map(seen)

        // The injected faults reached the client, as the client's own error or status, and the trace
        // shows them on that client's calls.
        if (scenario.endsWith('-recovers')) {
          expect(clientSaw('get_weather'), label).toEqual([seenAs[client]!.http500, 'status 200'])
          expect(clientSaw('book_trip'), label).toEqual([seenAs[client]!.timeout, 'status 201'])
          expect([weather.faulted.length, weather.passed.length, book.faulted.length, book.passed.length], label).toEqual([1, 1, 1, 1])
          // Timeout is a hang that the client's own deadline ended, long before the fault's 15 s: the
          // client waited its deadline (its own timer started before the request reached AWRR), and
          // the trace records the part of it that AWRR held the request open.
          const hang = book.faulted[0]!
          const waited = notes.find((entry) => entry.client === client && entry.tool === 'book_trip')!.elapsedMs!
          expect(hang.status, label).toBe('hang')
          expect(waited, label).toBeGreaterThanOrEqual(clientDeadlineMs - 1)
          expect(waited, label).toBeLessThan(hangLatencyMs / 3)
          expect(hang.latencyMs!, label).toBeLessThanOrEqual(waited + 1)
          expect(hang.latencyMs!, label).toBeGreaterThanOrEqual(clientDeadlineMs / 2)
        } else {
          expect(clientSaw('get_weather'), label).toEqual([seenAs[client]!.dropped, 'status 200'])
          expect(clientSaw('book_trip'), label).toEqual(Array(3).fill(seenAs[client]!.unavailable))
          expect([weather.faulted.length, weather.passed.length, book.faulted.length, book.passed.length], label).toEqual([1, 1, 3, 0])
        }

        // The services' own logs saw exactly the calls no fault hit, from this client, and nothing else.
        for (const [tool, calls] of [['weather', weather], ['book', book]] as const) {
          const logged = run.logs.tools.filter((entry) => entry.agent === agent && entry.scenario === scenario && entry.path === servicePath[tool]!.path)
          expect(logged.length, `${label} ${tool}`).toBe(calls.passed.length)
          expect(logged.every((entry) => entry.client === client && entry.status < 300), `${label} ${tool}`).toBe(true)
        }
        // The weather the agent booked on is the tools server's, never the user's `*/weather` mock.
        if (scenario.endsWith('-recovers')) {
          expect(notes.find((entry) => entry.tool === 'answer')?.answer, label).toMatch(/"forecast":"(?!sunny \(mocked\))[^"]+"/)
        }
      }
    }

    // The SDK's own retries: the model call that met the fault was retried by the SDK (its default
    // maxRetries), after Retry-After when there was one; the model server saw only the retry.
    const sdk = agent === 'openai-agent' ? 'openai' : 'anthropic'
    const tool = modelTool[agent]
    for (const slug of Object.keys(clients)) {
      const scenario = `${slug}-recovers`
      const label = `${agent} ${scenario}`
      const sdkSaw = run.notes.filter((entry) => entry.agent === agent && entry.scenario === scenario && entry.client === sdk && entry.tool === sdk).map(seen)
      expect(sdkSaw, label).toEqual([rateLimited.has(slug) ? 'status 429' : 'status 500', 'status 200', 'status 200', 'status 200'])
      const model = callsOf(run.traces[agent]![scenario]!, tool)
      expect([model.faulted.length, model.passed.length], label).toEqual([1, 3])
      const logged = run.logs.model.filter((entry) => entry.agent === agent && entry.scenario === scenario)
      expect(logged.map((entry) => [entry.path, entry.retryCount, entry.status]), label).toEqual([
        [servicePath[tool]!.path, 1, 200],
        [servicePath[tool]!.path, 0, 200],
        [servicePath[tool]!.path, 0, 200],
      ])
      if (rateLimited.has(slug)) expect(model.passed[0]!.at - model.faulted[0]!.at, label).toBeGreaterThanOrEqual(999)
    }
    // A model that stays down: three attempts (1 + the default 2 retries), none reached the server,
    // and the agent failed with the SDK's own error.
    const down = callsOf(run.traces[agent]!['model-down']!, tool)
    expect([down.faulted.length, down.passed.length], agent).toEqual([3, 0])
    const downNotes = run.notes.filter((entry) => entry.agent === agent && entry.scenario === 'model-down')
    expect(downNotes.filter((entry) => entry.tool === sdk).map(seen), agent).toEqual(['status 500', 'status 500', 'status 500'])
    expect(downNotes.filter((entry) => entry.tool === 'gave_up').map((entry) => entry.error?.class), agent).toEqual(['InternalServerError'])
    expect(run.logs.model.filter((entry) => entry.agent === agent && entry.scenario === 'model-down')).toEqual([])
    const error = run.traces[agent]!['model-down']!.find((event) => event.type === 'task:error') as { message?: string } | undefined
    expect(error?.message, agent).toMatch(/500/)
  }

  // The workflow under the strategies: B0's only call and B2's first were injected; B2's retry booked.
  const workflowBookings = run.logs.tools.filter((entry) => entry.agent === 'workflow')
  expect(workflowBookings.map((entry) => [entry.path, entry.status])).toEqual([['/bookings', 201]])
  expect(callsOf(run.traces['B0']!['book-workflow']!, 'book').faulted).toHaveLength(1)
  expect(callsOf(run.traces['B2']!['book-workflow']!, 'book').faulted).toHaveLength(1)

  // Nothing reached a service but what the scenarios let through.
  expect(run.logs.tools.filter((entry) => entry.agent === null)).toEqual([])
  expect(run.logs.model.filter((entry) => entry.agent === null)).toEqual([])
}

/**
 * The report without what real time makes vary (MTTR and latencies are wall-clock for agents):
 * everything else, outcomes, reasons, call counts, every rate, must be the same from run to run.
 */
export function withoutTiming(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTiming)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !/mttr|_ms$|latency/i.test(key))
      .map(([key, inner]) => [key, withoutTiming(inner)]),
  )
}

/** Requests per agent, scenario and path, as a service logged them. */
export function logCounts(entries: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const entry of entries) {
    const key = `${entry.agent} ${entry.scenario} ${entry.method} ${entry.path} ${entry.status}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

